// Servers in network namespaces (include/vote/lab/chaos.hpp, netns_cluster).
#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "vote/client/exchange.hpp"
#include "vote/client/pki.hpp"
#include "vote/lab/chaos.hpp"
#include "vote/lab/harness.hpp"

namespace vote::lab {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// `request_json`, `sent` and `out` outlive the coroutine: exchange() owns them and destroys its
// io_context (and with it an abandoned coroutine) first.
asio::awaitable<void> exchange_coro(const net::endpoint& server, const std::string& request_json,
                                    bool& sent, std::optional<wire::client_response>& out) {
  auto ex = co_await asio::this_coro::executor;
  const auto tls = test::tls_from_env();
  client::connection c{net::stream(ex, tls.get())};
  const asio::ip::tcp::endpoint target(asio::ip::make_address(server.host), server.port);
  co_await c.stream.socket().async_connect(target, asio::use_awaitable);
  co_await client::async_secure(c);
  out = co_await client::async_exchange(c, request_json, sent);
}

// Polling opens a connection to every server, so it polls every 50 ms, not test::eventually's
// 5 ms: it must not load the servers it is waiting for.
template <class Pred>
bool poll_until(Pred pred, std::chrono::milliseconds timeout) {
  return test::eventually(std::move(pred), timeout, std::chrono::milliseconds(50));
}

std::string last_lines(const std::string& text, std::size_t lines, const std::string& prefix) {
  std::vector<std::string> all;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (auto i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += prefix + all[i] + "\n";
  return out;
}

}  // namespace

std::optional<wire::client_response> exchange(const net::endpoint& server,
                                              const wire::client_request& request,
                                              std::chrono::milliseconds timeout) {
  const std::string json = wire::encode_request(request);
  bool sent = false;
  std::optional<wire::client_response> out;
  asio::io_context io;
  asio::co_spawn(io, exchange_coro(server, json, sent, out), [](std::exception_ptr) {});
  io.run_for(timeout);
  return out;
}

netns_cluster::netns_cluster(options o)
    : options_(std::move(o)), admin_token_("netns-lab-admin-token-0123456789") {
  work_ = test::make_temp_dir("vote-netns-");
  std::ofstream(work_ / "admin-token") << admin_token_ << "\n";
  // The servers serve on non-loopback addresses, which needs a cluster key (DESIGN.md §10).
  std::ofstream(work_ / "cluster-key") << client::pki::random_hex(32) << "\n";
  members_.resize(options_.servers);
  try {
    lab_ = std::make_unique<netns_lab>(netns_lab::options{options_.servers, options_.keep});
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(work_, ec);
    throw;
  }
}

netns_cluster::~netns_cluster() {
  for (auto& m : members_) m.proc.reset();  // SIGKILL (a stopped process dies too) and reap
  lab_.reset();
  if (!options_.keep && !keep_work_) {
    std::error_code ec;
    std::filesystem::remove_all(work_, ec);
  }
}

std::vector<node_id> netns_cluster::ids() const {
  std::vector<node_id> out;
  for (node_id i = 1; i <= size(); ++i) out.push_back(i);
  return out;
}

net::endpoint netns_cluster::endpoint(node_id id) const {
  return {lab_->node_address(id), options_.port};
}

std::vector<std::string> netns_cluster::args(node_id id) const {
  // No --host, no --broadcast: inside its namespace the server detects eth0 by itself.
  std::vector<std::string> a = {"--port",
                                std::to_string(options_.port),
                                "--discovery-port",
                                std::to_string(options_.discovery_port),
                                "--id",
                                std::to_string(id),
                                "--data-dir",
                                (work_ / ("n" + std::to_string(id)) / "data").string(),
                                "--admin-token-file",
                                (work_ / "admin-token").string(),
                                "--cluster-key-file",
                                (work_ / "cluster-key").string(),
                                "--log-level",
                                options_.log_level};
  a.insert(a.end(), options_.server_args.begin(), options_.server_args.end());
  return a;
}

void netns_cluster::start(node_id id) {
  auto& m = members_.at(id - 1);
  if (m.proc) m.earlier_logs += m.proc->stderr_text();
  std::filesystem::create_directories(work_ / ("n" + std::to_string(id)));
  const auto path =
      options_.bin_dir.empty() ? test::bin("vote-server") : options_.bin_dir + "/vote-server";
  m.proc = lab_->spawn(lab_->node_ns(id), path, args(id));
  m.paused = false;
}

void netns_cluster::kill9(node_id id) {
  auto& m = members_.at(id - 1);
  m.proc->signal(SIGKILL);
  m.proc->wait(10s);
  m.paused = false;
}

int netns_cluster::stop(node_id id) {
  auto& m = members_.at(id - 1);
  if (m.paused) resume(id);
  m.proc->signal(SIGTERM);
  return m.proc->wait(20s).value_or(-1);
}

void netns_cluster::pause(node_id id) {
  members_.at(id - 1).proc->signal(SIGSTOP);
  members_.at(id - 1).paused = true;
}

void netns_cluster::resume(node_id id) {
  members_.at(id - 1).proc->signal(SIGCONT);
  members_.at(id - 1).paused = false;
}

bool netns_cluster::running(node_id id) {
  auto& m = members_.at(id - 1);
  return m.proc && m.proc->running();
}

bool netns_cluster::paused(node_id id) const {
  return members_.at(id - 1).paused;
}

void netns_cluster::form(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
  };
  start(1);
  const bool first_leads = poll_until(
      [&] {
        auto s = status(1);
        return s && s->role == "leader";
      },
      left());
  if (!first_leads) throw std::runtime_error("server 1 did not lead alone:\n" + logs());
  for (node_id id = 2; id <= size(); ++id) start(id);
  if (!wait_converged(ids(), left()))
    throw std::runtime_error("the servers did not agree on a leader:\n" + logs());
}

std::optional<wire::server_status> netns_cluster::status(node_id id,
                                                         std::chrono::milliseconds timeout) {
  return statuses({id}, timeout).front();
}

std::vector<std::optional<wire::server_status>> netns_cluster::statuses(
    const std::vector<node_id>& among, std::chrono::milliseconds timeout) {
  std::vector<std::optional<wire::server_status>> out(among.size());
  std::vector<std::thread> probes;
  for (std::size_t i = 0; i < among.size(); ++i) {
    probes.emplace_back([&, i] {
      try {
        enter_netns(lab_->client_ns());
        auto r = exchange(endpoint(among[i]), wire::client_request{}, timeout);
        if (r && r->ok() && r->status) out[i] = r->status;
      } catch (const std::exception&) {
        // unreachable: stays nullopt
      }
    });
  }
  for (auto& t : probes) t.join();
  return out;
}

std::optional<node_id> netns_cluster::agreed_leader(const std::vector<node_id>& among) {
  const auto seen = statuses(among);
  std::optional<node_id> leader;
  for (const auto& s : seen) {
    if (!s) return std::nullopt;
    if (s->role != "leader") continue;
    if (leader) return std::nullopt;  // two servers say they lead: not settled
    leader = s->node_id;
  }
  if (!leader) return std::nullopt;
  for (const auto& s : seen) {
    if (s->node_id != *leader && s->leader.id != *leader) return std::nullopt;
  }
  return leader;
}

bool netns_cluster::wait_until_leader_is(node_id id, const std::vector<node_id>& among,
                                         std::chrono::milliseconds timeout) {
  return poll_until([&] { return agreed_leader(among) == id; }, timeout);
}

bool netns_cluster::wait_converged(const std::vector<node_id>& among,
                                   std::chrono::milliseconds timeout) {
  return poll_until(
      [&] {
        if (!agreed_leader(among)) return false;
        const auto seen = statuses(among);
        for (const auto& s : seen) {
          if (!s || s->applied_index != seen.front()->applied_index ||
              s->commit_index != seen.front()->commit_index)
            return false;
        }
        return true;
      },
      timeout);
}

std::optional<wire::client_response> netns_cluster::local_results(node_id id,
                                                                  const std::string& election_id) {
  wire::client_request r;
  r.type = wire::request_type::results;
  r.election_id = election_id;
  r.admin_token = admin_token_;
  r.local = true;
  return run_in_netns(lab_->client_ns(), [&] { return exchange(endpoint(id), r, 2s); });
}

std::optional<std::string> netns_cluster::record(node_id id, const std::string& election_id,
                                                 std::string& why) {
  constexpr std::size_t most = std::size_t{1} << 30;
  std::string bytes;
  for (int chunk = 0; chunk < 10'000; ++chunk) {
    wire::client_request r;
    r.type = wire::request_type::record;
    r.election_id = election_id;
    r.offset = bytes.size();
    const auto answer =
        run_in_netns(lab_->client_ns(), [&] { return exchange(endpoint(id), r, 5s); });
    if (!answer || !answer->ok() || !answer->record) {
      why = answer ? answer->message : "no answer";
      return std::nullopt;
    }
    const auto& piece = *answer->record;
    if (piece.offset != bytes.size() || piece.total_bytes > most ||
        (piece.data.empty() && bytes.size() < piece.total_bytes)) {
      why = "a chunk that does not continue the record";
      return std::nullopt;
    }
    bytes += piece.data;
    if (bytes.size() >= piece.total_bytes) return bytes;
  }
  why = "too many chunks";
  return std::nullopt;
}

client::call_options netns_cluster::client_options(std::chrono::milliseconds timeout) const {
  client::call_options o;
  o.discovery.broadcast = lab_->broadcast();
  o.discovery.port = options_.discovery_port;
  o.timeout = timeout;
  o.attempt_timeout = std::min<std::chrono::milliseconds>(timeout, 1000ms);
  return o;
}

client::call_result netns_cluster::call(const wire::client_request& request,
                                        const client::call_options& how) const {
  return run_in_netns(lab_->client_ns(), [&] { return client::call(request, how); });
}

std::string netns_cluster::all_logs(node_id id) const {
  const auto& m = members_.at(id - 1);
  return m.earlier_logs + (m.proc ? m.proc->stderr_text() : std::string());
}

std::string netns_cluster::logs(std::size_t lines) {
  std::string out;
  for (node_id id = 1; id <= size(); ++id)
    out += last_lines(all_logs(id), lines, "[n" + std::to_string(id) + "] ");
  return out;
}

std::vector<std::filesystem::path> netns_cluster::save_logs() {
  std::vector<std::filesystem::path> out;
  for (node_id id = 1; id <= size(); ++id) {
    out.push_back(work_ / ("n" + std::to_string(id) + ".log"));
    std::ofstream(out.back()) << all_logs(id);
  }
  return out;
}

}  // namespace vote::lab
