#include "vote/lab/cluster.hpp"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vote::test {

using namespace std::chrono_literals;

namespace {

constexpr auto ready_timeout = 15s;

std::string last_lines(const std::string& text, std::size_t lines, const std::string& prefix) {
  std::vector<std::string> all;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) all.push_back(line);
  const std::size_t first = all.size() > lines ? all.size() - lines : 0;
  std::string out;
  for (std::size_t i = first; i < all.size(); ++i) out += prefix + all[i] + "\n";
  return out;
}

std::string seconds(double s) {
  std::ostringstream out;
  out << s;
  return out.str();
}

}  // namespace

cluster::cluster() : cluster(options{}) {}

cluster::cluster(options o)
    : options_(std::move(o)), root_(make_temp_dir("vote-cluster-")), discovery_port_(free_port()) {
  for (node_id id = 1; id <= options_.size; ++id) {
    member m;
    m.port = free_port();
    m.dir = root_ / ("n" + std::to_string(id));
    std::filesystem::create_directories(m.dir);
    members_.emplace(id, std::move(m));
  }
}

cluster::~cluster() {
  for (auto& [id, m] : members_) m.proc.reset();  // SIGKILLs what still runs, paused or not
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

cluster::member& cluster::at(node_id id) {
  auto it = members_.find(id);
  if (it == members_.end()) throw std::out_of_range("no server " + std::to_string(id));
  return it->second;
}

const cluster::member& cluster::at(node_id id) const {
  auto it = members_.find(id);
  if (it == members_.end()) throw std::out_of_range("no server " + std::to_string(id));
  return it->second;
}

std::vector<std::string> cluster::args(node_id id) const {
  const auto& m = at(id);
  std::vector<std::string> a = {"--id",
                                std::to_string(id),
                                "--port",
                                std::to_string(m.port),
                                "--host",
                                "127.0.0.1",
                                "--broadcast",
                                "127.255.255.255",
                                "--discovery-port",
                                std::to_string(discovery_port_),
                                "--data-dir",
                                (m.dir / "data").string(),
                                "--log-level",
                                options_.log_level};
  a.insert(a.end(), options_.server_args.begin(), options_.server_args.end());
  a.insert(a.end(), m.extra.begin(), m.extra.end());
  return a;
}

process& cluster::launch(node_id id, std::vector<std::string> extra) {
  auto& m = at(id);
  if (m.proc && m.proc->running()) throw std::logic_error("server already running");
  if (m.proc) m.earlier_logs += m.proc->stderr_text();
  m.extra = std::move(extra);
  m.paused = false;
  m.proc = std::make_unique<process>(bin("vote-server"), args(id));
  return *m.proc;
}

void cluster::wait_ready(node_id id) {
  auto& m = at(id);
  const bool up = eventually(
      [&] { return !m.proc->running() || request(m.port, wire::client_request{}, 500ms); },
      ready_timeout);
  if (!up || !m.proc->running()) {
    throw std::runtime_error(
        "vote-server " + std::to_string(id) +
        (m.proc->running() ? " did not answer status within 15 s" : " exited during start") +
        ":\n" + m.proc->stderr_text());
  }
}

void cluster::start(node_id id, std::vector<std::string> extra) {
  launch(id, std::move(extra));
  wait_ready(id);
}

void cluster::start_all(const std::vector<std::string>& extra, std::vector<node_id> ids) {
  if (ids.empty()) {
    for (const auto& [id, m] : members_) ids.push_back(id);
  }
  for (auto id : ids) launch(id, extra);
  for (auto id : ids) wait_ready(id);
}

void cluster::restart(node_id id) {
  start(id, at(id).extra);
}

void cluster::kill9(node_id id) {
  auto& p = proc(id);
  p.signal(SIGKILL);
  p.wait(10s);
  at(id).paused = false;
}

int cluster::stop(node_id id) {
  auto& p = proc(id);
  if (at(id).paused) resume(id);
  p.signal(SIGTERM);
  return p.wait(20s).value_or(-1);
}

void cluster::pause(node_id id) {
  proc(id).signal(SIGSTOP);
  at(id).paused = true;
}

void cluster::resume(node_id id) {
  proc(id).signal(SIGCONT);
  at(id).paused = false;
}

void cluster::wipe(node_id id) {
  if (running(id)) throw std::logic_error("wipe of a running server");
  std::filesystem::remove_all(data_dir(id));
}

bool cluster::running(node_id id) {
  auto& m = at(id);
  return m.proc && m.proc->running();
}

std::vector<cluster::node_id> cluster::live() {
  std::vector<node_id> out;
  for (auto& [id, m] : members_) {
    if (m.proc && m.proc->running() && !m.paused) out.push_back(id);
  }
  return out;
}

process& cluster::proc(node_id id) {
  auto& m = at(id);
  if (!m.proc) throw std::logic_error("server " + std::to_string(id) + " never started");
  return *m.proc;
}

std::uint16_t cluster::port(node_id id) const {
  return at(id).port;
}

std::string cluster::endpoint(node_id id) const {
  return "127.0.0.1:" + std::to_string(port(id));
}

std::filesystem::path cluster::data_dir(node_id id) const {
  return at(id).dir / "data";
}

std::filesystem::path cluster::write_file(const std::string& name,
                                          const std::string& content) const {
  const auto path = root_ / name;
  std::ofstream(path) << content;
  return path;
}

std::optional<wire::server_status> cluster::status(node_id id, std::chrono::milliseconds timeout) {
  wire::client_request r;
  r.type = wire::request_type::status;
  auto resp = request(port(id), r, timeout);
  if (!resp || !resp->ok()) return std::nullopt;
  return resp->status;
}

std::optional<nlohmann::json> cluster::cluster_status(node_id id,
                                                      std::chrono::milliseconds timeout) {
  return request_json(port(id), {{"type", "cluster_status"}}, timeout);
}

std::optional<cluster::node_id> cluster::agreed_leader(const std::vector<node_id>& among) {
  std::vector<wire::server_status> seen;
  for (auto id : among) {
    auto s = status(id);
    if (!s) return std::nullopt;
    seen.push_back(*s);
  }
  std::optional<node_id> leader;
  for (const auto& s : seen) {
    if (s.role != "leader") continue;
    if (leader) return std::nullopt;  // two servers say they lead: not settled (or split)
    leader = s.node_id;
  }
  if (!leader) return std::nullopt;
  for (const auto& s : seen) {
    if (s.node_id != *leader && s.leader.id != *leader) return std::nullopt;
  }
  return leader;
}

std::optional<cluster::node_id> cluster::wait_for_leader(std::chrono::milliseconds timeout) {
  std::optional<node_id> leader;
  eventually([&] { return (leader = agreed_leader(live())).has_value(); }, timeout);
  return leader;
}

std::optional<cluster::node_id> cluster::wait_for_leader(const std::vector<node_id>& among,
                                                         std::chrono::milliseconds timeout) {
  std::optional<node_id> leader;
  eventually([&] { return (leader = agreed_leader(among)).has_value(); }, timeout);
  return leader;
}

bool cluster::wait_until_leader_is(node_id id, std::chrono::milliseconds timeout) {
  return eventually([&] { return agreed_leader(live()) == id; }, timeout);
}

bool cluster::wait_caught_up(node_id id, std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        auto leader = agreed_leader(live());
        if (!leader) return false;
        auto l = status(*leader);
        auto s = status(id);
        return l && s && s->applied_index >= l->commit_index;
      },
      timeout);
}

std::vector<std::string> cluster::discovery_flags(double timeout_s) const {
  return {"--broadcast", "127.255.255.255", "--discovery-port", std::to_string(discovery_port_),
          "--timeout",   seconds(timeout_s)};
}

std::vector<std::string> cluster::direct_flags(node_id id, double timeout_s) const {
  return {"--server", endpoint(id), "--timeout", seconds(timeout_s)};
}

std::string cluster::log_of(node_id id) {
  const auto& m = at(id);
  return m.proc ? m.earlier_logs + m.proc->stderr_text() : m.earlier_logs;
}

std::string cluster::logs(std::size_t lines) {
  std::string out;
  for (const auto& [id, m] : members_) {
    if (m.proc) out += last_lines(log_of(id), lines, "[n" + std::to_string(id) + "] ");
  }
  return out;
}

}  // namespace vote::test
