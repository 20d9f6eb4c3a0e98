// Test-lab harness: real vote-server processes and clients (integration and cluster tests,
// the chaos tool).
//
// Network safety: every server here gets --host 127.0.0.1 --broadcast 127.255.255.255 and a
// test-chosen discovery port; every client gets --server or that broadcast. Readiness and
// results are polled with deadlines, never slept for.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/net/tls.hpp"
#include "vote/wire/messages.hpp"

namespace vote::test {

// Path of a built binary: $VOTE_BIN_DIR if set, else the build tree's bin directory.
std::string bin(const std::string& name);

// A new, empty directory under the system's temporary directory; the caller removes it.
std::filesystem::path make_temp_dir(const std::string& prefix);

// A child process with stdout and stderr captured to files.
class process {
 public:
  process(const std::string& path, const std::vector<std::string>& args);
  ~process();  // SIGKILLs the child if it is still running
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signo);
  // Exit code (or 128 + signal) once exited within `timeout`; nullopt if still running.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path out_, err_;
};

struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs a client binary to completion (bounded by `timeout`, then SIGKILL).
run_result run(const std::string& name, const std::vector<std::string>& args,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A free TCP port on 127.0.0.1 (and a free UDP port for discovery) at the time of the call.
std::uint16_t free_port();

// Requests as the tests build them: an election with candidates A and B and voters v0..v<n-1>
// (request id "reg-<id>"), and one vote.
wire::client_request register_request(const std::string& election, int voters);
wire::client_request vote_request(const std::string& election, const std::string& voter,
                                  const std::string& candidate, const std::string& request_id);

// The lab's client TLS context: from $VOTE_TLS_CA (the clients' variable), null when it is unset
// (plain TCP). request(), request_json() and the chaos lab's exchange() use it, so a test of a TLS
// cluster sets the variable (its client binaries then use TLS too).
std::shared_ptr<net::tls_context> tls_from_env();

// One synchronous request over a fresh TCP connection (TLS with tls_from_env()); nullopt on any
// transport failure.
std::optional<wire::client_response> request(
    std::uint16_t port, const wire::client_request& r,
    std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The same exchange with any JSON object as the request (for requests the wire codec does not
// know, e.g. cluster_status); the answer is parsed as JSON but not checked. nullopt on any
// transport failure or an answer that is not JSON.
std::optional<nlohmann::json> request_json(
    std::uint16_t port, const nlohmann::json& r,
    std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Polls `pred` every `interval` until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                std::chrono::milliseconds interval = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(interval);
  }
  return pred();
}

// A vote-server on loopback with its own temporary data directory.
class server {
 public:
  struct options {
    std::string admin_token{};  // written to a file and passed as --admin-token-file
    std::vector<std::string> extra_args{};
  };
  server();
  explicit server(options o);
  ~server();

  // Starts the process and waits until it answers a status request.
  void start();
  void kill9();
  int stop();  // SIGTERM and wait; returns the exit code
  std::uint16_t port() const { return port_; }
  std::uint16_t discovery_port() const { return discovery_port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& data_dir() const { return dir_; }
  std::vector<std::string> args() const;
  process& proc() { return *proc_; }
  // Client flags that reach this server by broadcast discovery on loopback.
  std::vector<std::string> discovery_flags() const;
  // Client flags that reach this server directly.
  std::vector<std::string> direct_flags() const;

 private:
  options options_;
  std::uint16_t port_;
  std::uint16_t discovery_port_;
  std::filesystem::path dir_;
  std::unique_ptr<process> proc_;
};

}  // namespace vote::test
