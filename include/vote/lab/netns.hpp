// Network namespaces for the multi-host tests and the chaos tool (DESIGN.md §9 "Multi-host").
//
// A netns_lab is a private network of namespaces, made and removed by the lab itself:
//
//   <ns>-hub   holds two bridges: br0 (the network) and br1 (the far side of a partition)
//   <ns>-n<i>  node i (1..N): one veth "eth0", address 10.<a>.<b>.<i>/24, broadcast .255
//   <ns>-cl    the clients: one veth "eth0", address 10.<a>.<b>.250/24
//
// where <ns> is "vt<pid>". The peer of every eth0 sits in the hub (named n<i> or cl) and is a
// port of br0, or of br1 while partitioned away. Invariants: nothing is created in the root
// namespace (no bridge, veth, address or route); the bridges are never connected to a real
// interface; so a server started inside a node namespace with default address detection finds
// eth0 and its broadcast reaches only the other ports of its own bridge.
//
// Ownership and cleanup: the constructor creates everything (and removes what it made if it
// fails half-way); the destructor kills every process still inside the lab's namespaces and
// deletes them, unless `keep` was set. A SIGINT/SIGTERM handler installed while a lab exists does
// the same and then re-raises the signal. remove_stale_namespaces() deletes the namespaces of
// earlier runs whose process is gone (a SIGKILLed test leaves them behind).
//
// Threading: a lab's methods are called from one thread. Network namespaces belong to threads:
// enter_netns() moves only the calling thread (and the threads it creates afterwards); the main
// thread of a lab user stays in the root namespace.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "vote/lab/harness.hpp"

namespace vote::lab {

// Why multi-host tests cannot run here (not root, no `ip`, namespaces refused), or nullopt.
std::optional<std::string> netns_unavailable_reason();

// Path of the iproute2 `ip` binary; empty when none is installed.
std::string ip_binary();

// Deletes namespaces named vt<pid>-* whose <pid> is no longer running, after killing the
// processes inside them. Returns the names removed.
std::vector<std::string> remove_stale_namespaces();

// Moves the calling thread into network namespace `name`. Throws std::runtime_error.
void enter_netns(const std::string& name);

// Runs `fn` on a fresh thread inside namespace `name`; returns its result or rethrows.
template <class F>
auto run_in_netns(const std::string& name, F fn) -> decltype(fn()) {
  using result = decltype(fn());
  std::packaged_task<result()> task([&] {
    enter_netns(name);
    return fn();
  });
  auto done = task.get_future();
  std::thread(std::move(task)).join();
  return done.get();
}

// Which bridge a namespace's veth is attached to.
enum class side : std::uint8_t { main, far };

class netns_lab {
 public:
  struct options {
    std::size_t nodes = 5;  // 1..200
    bool keep = false;      // leave the namespaces behind (for debugging)
  };
  explicit netns_lab(options o);
  ~netns_lab();
  netns_lab(const netns_lab&) = delete;
  netns_lab& operator=(const netns_lab&) = delete;

  std::size_t nodes() const { return options_.nodes; }
  std::string node_ns(std::size_t node) const;  // node in 1..nodes()
  std::string client_ns() const;
  std::string hub_ns() const;
  std::string node_address(std::size_t node) const;
  std::string client_address() const;
  std::string broadcast() const;  // of the lab's /24

  // Partition: attaches the nodes in `far` to br1 and the others to br0; the client goes to
  // `client_side`. Replaces any earlier partition; isolated nodes stay isolated.
  void partition(const std::vector<std::size_t>& far, side client_side = side::main);
  // Everything back on br0, every link up.
  void heal();
  // Link down (resp. up) on the hub side of a node's veth: it hears nobody, nobody hears it.
  void isolate(std::size_t node);
  void reconnect(std::size_t node);
  side side_of(std::size_t node) const { return sides_.at(node - 1); }

  // A process started inside namespace `ns` (`ip netns exec ns path args...`; same pid).
  std::unique_ptr<test::process> spawn(const std::string& ns, const std::string& path,
                                       const std::vector<std::string>& args) const;
  // Runs a program to completion inside `ns` (bounded by `timeout`, then SIGKILL).
  test::run_result run(const std::string& ns, const std::string& path,
                       const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

 private:
  void build();
  void add_namespace(const std::string& ns);
  void add_port(const std::string& ns, const std::string& hub_port, const std::string& address);
  void attach(const std::string& hub_port, side s);
  void teardown() noexcept;

  options options_;
  std::string stem_;                  // "vt<pid>"
  std::string subnet_;                // "10.<a>.<b>."
  std::vector<std::string> created_;  // namespaces made so far, hub first
  std::vector<side> sides_;           // per node
  std::vector<bool> isolated_;        // per node
  side client_side_ = side::main;
};

}  // namespace vote::lab
