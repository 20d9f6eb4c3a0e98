// Network namespaces for multi-host tests (include/vote/lab/netns.hpp).
#include "vote/lab/netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace vote::lab {
namespace {

using namespace std::chrono_literals;

// Runs `ip args...`; returns its stdout, throws with its stderr when it fails.
std::string ip(const std::vector<std::string>& args) {
  const auto path = ip_binary();
  if (path.empty()) throw std::runtime_error("iproute2 `ip` is not installed");
  test::process p(path, args);
  const auto code = p.wait(10s);
  if (code != 0) {
    std::string line = "ip";
    for (const auto& a : args) line += " " + a;
    throw std::runtime_error("`" + line + "` failed: " + p.stderr_text());
  }
  return p.stdout_text();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Kills every process inside `ns`, then deletes it. Never throws.
void remove_namespace(const std::string& ns) noexcept {
  try {
    for (const auto& pid : split_lines(ip({"netns", "pids", ns}))) {
      ::kill(static_cast<pid_t>(std::stol(pid)), SIGKILL);
    }
  } catch (const std::exception&) {
    // already gone, or no processes: deleting below is what matters
  }
  try {
    ip({"netns", "del", ns});
  } catch (const std::exception&) {
  }
}

// Namespaces of live labs, for the signal handler. The handler cannot allocate, so the cleanup
// is a shell script rebuilt (in the inactive half of a double buffer) whenever the set changes.
class signal_cleanup {
 public:
  static signal_cleanup& instance() {
    static signal_cleanup r;
    return r;
  }

  void add(const std::string& ns) {
    std::lock_guard lock(mutex_);
    if (names_.empty()) install();
    names_.push_back(ns);
    publish();
  }

  void remove(const std::string& ns) {
    std::lock_guard lock(mutex_);
    std::erase(names_, ns);
    publish();
    if (names_.empty()) uninstall();
  }

 private:
  void publish() {
    std::string script;
    const auto path = ip_binary();
    for (const auto& ns : names_) {
      script += path + " netns pids " + ns + " 2>/dev/null | xargs -r kill -9; " + path +
                " netns del " + ns + " 2>/dev/null; ";
    }
    const int next = 1 - active_.load();
    auto& buf = scripts_[static_cast<std::size_t>(next)];
    const auto n = std::min(script.size(), buf.size() - 1);
    std::memcpy(buf.data(), script.data(), n);
    buf[n] = '\0';
    active_.store(next);
  }

  void install() {
    struct sigaction sa {};
    sa.sa_handler = &signal_cleanup::on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }

  void uninstall() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }

  // Async-signal-safe: fork, execve, waitpid, sigaction and raise only.
  static void on_signal(int signo) {
    auto& self = instance();
    const char* script = self.scripts_[static_cast<std::size_t>(self.active_.load())].data();
    const pid_t child = ::fork();
    if (child == 0) {
      const char* argv[] = {"/bin/sh", "-c", script, nullptr};
      ::execve("/bin/sh", const_cast<char* const*>(argv), environ);
      ::_exit(127);
    }
    if (child > 0) {
      int status = 0;
      ::waitpid(child, &status, 0);
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(signo, &dfl, nullptr);
    ::raise(signo);
  }

  std::mutex mutex_;
  std::vector<std::string> names_;
  std::array<std::array<char, 1 << 16>, 2> scripts_{};
  std::atomic<int> active_{0};
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

std::atomic<unsigned> lab_counter{0};

}  // namespace

std::string ip_binary() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return {};
}

std::optional<std::string> netns_unavailable_reason() {
  if (::geteuid() != 0) return "network namespaces need root";
  if (ip_binary().empty()) return "iproute2 `ip` is not installed";
  const std::string probe = "vt" + std::to_string(::getpid()) + "-probe";
  try {
    ip({"netns", "add", probe});
  } catch (const std::exception& e) {
    return std::string("cannot create a network namespace: ") + e.what();
  }
  std::optional<std::string> reason;
  try {  // bridges and veth pairs, inside the probe namespace only
    ip({"-n", probe, "link", "add", "b0", "type", "bridge"});
    ip({"-n", probe, "link", "add", "v0", "type", "veth", "peer", "name", "v1"});
  } catch (const std::exception& e) {
    reason = std::string("no bridge/veth support: ") + e.what();
  }
  remove_namespace(probe);
  return reason;
}

std::vector<std::string> remove_stale_namespaces() {
  static const std::regex ours("^vt([0-9]+)-.*");
  std::vector<std::string> removed;
  for (const auto& line : split_lines(ip({"netns", "list"}))) {
    const auto name = line.substr(0, line.find(' '));
    std::smatch m;
    if (!std::regex_match(name, m, ours)) continue;
    const auto pid = static_cast<pid_t>(std::stol(m[1].str()));
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // its run is still going
    remove_namespace(name);
    removed.push_back(name);
  }
  return removed;
}

void enter_netns(const std::string& name) {
  const std::string path = "/run/netns/" + name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  const int rc = ::setns(fd, CLONE_NEWNET);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error("setns " + name + ": " + std::strerror(err));
}

netns_lab::netns_lab(options o) : options_(o) {
  if (options_.nodes < 1 || options_.nodes > 200)
    throw std::invalid_argument("a lab has 1..200 nodes");
  const auto pid = static_cast<unsigned>(::getpid());
  const unsigned k = lab_counter++;
  stem_ = "vt" + std::to_string(pid) + "-" + std::to_string(k);
  subnet_ = "10." + std::to_string(100 + k % 100) + "." + std::to_string(pid % 250 + 1) + ".";
  sides_.assign(options_.nodes, side::main);
  isolated_.assign(options_.nodes, false);
  try {
    build();
  } catch (...) {
    teardown();
    throw;
  }
}

netns_lab::~netns_lab() {
  if (!options_.keep) {
    teardown();
    return;
  }
  for (const auto& ns : created_) signal_cleanup::instance().remove(ns);
}

std::string netns_lab::node_ns(std::size_t node) const {
  return stem_ + "-n" + std::to_string(node);
}
std::string netns_lab::client_ns() const {
  return stem_ + "-cl";
}
std::string netns_lab::hub_ns() const {
  return stem_ + "-hub";
}
std::string netns_lab::node_address(std::size_t node) const {
  return subnet_ + std::to_string(node);
}
std::string netns_lab::client_address() const {
  return subnet_ + "250";
}
std::string netns_lab::broadcast() const {
  return subnet_ + "255";
}

void netns_lab::build() {
  add_namespace(hub_ns());
  for (const char* br : {"br0", "br1"}) {
    ip({"-n", hub_ns(), "link", "add", br, "type", "bridge"});
    ip({"-n", hub_ns(), "link", "set", br, "up"});
  }
  for (std::size_t i = 1; i <= options_.nodes; ++i) {
    add_namespace(node_ns(i));
    add_port(node_ns(i), "n" + std::to_string(i), node_address(i));
  }
  add_namespace(client_ns());
  add_port(client_ns(), "cl", client_address());
}

void netns_lab::add_namespace(const std::string& ns) {
  ip({"netns", "add", ns});
  created_.push_back(ns);
  signal_cleanup::instance().add(ns);
  ip({"-n", ns, "link", "set", "lo", "up"});
}

// A veth pair: `hub_port` in the hub on br0, "eth0" in `ns` with `address`/24.
void netns_lab::add_port(const std::string& ns, const std::string& hub_port,
                         const std::string& address) {
  ip({"-n", hub_ns(), "link", "add", hub_port, "type", "veth", "peer", "name", "eth0", "netns",
      ns});
  ip({"-n", hub_ns(), "link", "set", hub_port, "master", "br0", "up"});
  ip({"-n", ns, "addr", "add", address + "/24", "broadcast", broadcast(), "dev", "eth0"});
  ip({"-n", ns, "link", "set", "eth0", "up"});
}

void netns_lab::attach(const std::string& hub_port, side s) {
  ip({"-n", hub_ns(), "link", "set", hub_port, "master", s == side::main ? "br0" : "br1"});
}

void netns_lab::partition(const std::vector<std::size_t>& far, side client_side) {
  std::vector<side> next(options_.nodes, side::main);
  for (auto n : far) next.at(n - 1) = side::far;
  for (std::size_t i = 1; i <= options_.nodes; ++i) {
    if (next[i - 1] != sides_[i - 1]) attach("n" + std::to_string(i), next[i - 1]);
    sides_[i - 1] = next[i - 1];
  }
  if (client_side != client_side_) attach("cl", client_side);
  client_side_ = client_side;
}

void netns_lab::heal() {
  partition({}, side::main);
  for (std::size_t i = 1; i <= options_.nodes; ++i) {
    if (isolated_[i - 1]) reconnect(i);
  }
}

void netns_lab::isolate(std::size_t node) {
  ip({"-n", hub_ns(), "link", "set", "n" + std::to_string(node), "down"});
  isolated_.at(node - 1) = true;
}

void netns_lab::reconnect(std::size_t node) {
  ip({"-n", hub_ns(), "link", "set", "n" + std::to_string(node), "up"});
  isolated_.at(node - 1) = false;
}

std::unique_ptr<test::process> netns_lab::spawn(const std::string& ns, const std::string& path,
                                                const std::vector<std::string>& args) const {
  std::vector<std::string> all = {"netns", "exec", ns, path};
  all.insert(all.end(), args.begin(), args.end());
  return std::make_unique<test::process>(ip_binary(), all);
}

test::run_result netns_lab::run(const std::string& ns, const std::string& path,
                                const std::vector<std::string>& args,
                                std::chrono::milliseconds timeout) const {
  auto p = spawn(ns, path, args);
  auto code = p->wait(timeout);
  if (!code) {
    p->signal(SIGKILL);
    code = p->wait(10s);
  }
  return {code.value_or(-1), p->stdout_text(), p->stderr_text()};
}

// Node and client namespaces first, the hub (and with it the bridges) last.
void netns_lab::teardown() noexcept {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    remove_namespace(*it);
    signal_cleanup::instance().remove(*it);
  }
  created_.clear();
}

}  // namespace vote::lab
