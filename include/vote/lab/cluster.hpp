// A loopback cluster of real vote-server processes (cluster tests, DESIGN.md §9).
//
// Servers are named by their node id, 1..size, and always get --id <id>. Each keeps its TCP port
// and its data directory for the life of the object, so restart(id) brings back the same member
// (same endpoint, same disk) and wipe(id) simulates a lost disk.
//
// Network safety: every server gets --host 127.0.0.1 --broadcast 127.255.255.255 and the
// cluster's own discovery port (chosen free at construction); every set of client flags handed
// out names that broadcast or a 127.0.0.1 endpoint.
//
// Leadership is read from the servers themselves ({"type":"status"}), polled with deadlines;
// nothing here sleeps for a protocol step. The destructor SIGKILLs every server still running
// (paused ones too) and removes the temporary directories.
//
// Threading: one thread drives the object; clients in other threads may use ports/endpoints.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/lab/harness.hpp"
#include "vote/wire/messages.hpp"

namespace vote::test {

class cluster {
 public:
  using node_id = std::uint64_t;

  struct options {
    node_id size = 3;  // servers 1..size
    // Given to every server on every start, after the loopback flags. The default makes a start
    // quick (a 600 ms bootstrap window that still hears several hellos); election and heartbeat
    // timings stay the server's defaults.
    std::vector<std::string> server_args = {"--discovery-window-ms", "600", "--hello-interval-ms",
                                            "100"};
    std::string log_level = "info";  // servers' --log-level (their stderr is kept for logs())
  };

  cluster();
  explicit cluster(options o);
  ~cluster();
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  node_id size() const { return options_.size; }

  // Lifecycle. `extra` flags are remembered for restart(). start() returns once the server
  // answers a status request and throws std::runtime_error (with its stderr) if it exits first
  // or stays silent for 15 s. launch() spawns without waiting (for starts expected to fail).
  void start(node_id id, std::vector<std::string> extra = {});
  // Spawns all `ids` (every server when empty) at once, then waits for each as start() does.
  void start_all(const std::vector<std::string>& extra = {}, std::vector<node_id> ids = {});
  process& launch(node_id id, std::vector<std::string> extra = {});
  void restart(node_id id);  // start() with the flags of its last start, on the same data dir
  void kill9(node_id id);
  int stop(node_id id);     // SIGTERM; the exit code, -1 when it has not exited within 20 s
  void pause(node_id id);   // SIGSTOP
  void resume(node_id id);  // SIGCONT
  void wipe(node_id id);    // removes the data directory of a server that is not running

  bool running(node_id id);     // spawned and not exited (a paused server is running)
  std::vector<node_id> live();  // running and not paused, ascending
  process& proc(node_id id);    // the current (or last) process of `id`
  std::uint16_t port(node_id id) const;
  std::string endpoint(node_id id) const;  // "127.0.0.1:<port>"
  std::filesystem::path data_dir(node_id id) const;
  std::uint16_t discovery_port() const { return discovery_port_; }
  // Writes `content` to a file in the cluster's temporary directory (keys, tokens).
  std::filesystem::path write_file(const std::string& name, const std::string& content) const;

  // Requests. nullopt when the server does not answer within `timeout` or answers an error.
  std::optional<wire::server_status> status(
      node_id id, std::chrono::milliseconds timeout = std::chrono::seconds(1));
  // The whole {"type":"cluster_status"} response, ok or not (the caller checks "ok").
  std::optional<nlohmann::json> cluster_status(
      node_id id, std::chrono::milliseconds timeout = std::chrono::seconds(1));

  // The leader that `among` agree on right now: exactly one of them says role "leader" and every
  // other one names it as leader_id. nullopt when some server does not answer or they disagree.
  std::optional<node_id> agreed_leader(const std::vector<node_id>& among);
  // Polls agreed_leader(live()) (or `among`) until it exists or `timeout` passes.
  std::optional<node_id> wait_for_leader(std::chrono::milliseconds timeout);
  std::optional<node_id> wait_for_leader(const std::vector<node_id>& among,
                                         std::chrono::milliseconds timeout);
  // Polls until the live servers agree that `id` leads.
  bool wait_until_leader_is(node_id id, std::chrono::milliseconds timeout);
  // Polls until `id` has applied everything the agreed leader reports committed.
  bool wait_caught_up(node_id id, std::chrono::milliseconds timeout);

  // Client flags: find the leader by broadcast on loopback, or talk to server `id` directly.
  std::vector<std::string> discovery_flags(double timeout_s = 10) const;
  std::vector<std::string> direct_flags(node_id id, double timeout_s = 10) const;

  // Server `id`'s stderr, all its runs so far.
  std::string log_of(node_id id);
  // Every server's stderr (all its runs so far), the last `lines` lines of each, each line
  // prefixed with "[n<id>] ": for failure messages.
  std::string logs(std::size_t lines = 80);

 private:
  struct member {
    std::uint16_t port = 0;
    std::filesystem::path dir;  // holds data/ (the data directory)
    std::vector<std::string> extra;
    std::unique_ptr<process> proc;
    std::string earlier_logs;  // stderr of runs before the current one
    bool paused = false;
  };
  member& at(node_id id);
  const member& at(node_id id) const;
  std::vector<std::string> args(node_id id) const;
  void wait_ready(node_id id);

  options options_;
  std::filesystem::path root_;
  std::uint16_t discovery_port_;
  std::map<node_id, member> members_;
};

}  // namespace vote::test
