// One simulated run from a seed, and its verdict (DESIGN.md §5.6, §9).
//
// Phases (simulated time):
//   warm-up   the initial members discover each other and form the cluster (the discovery
//             window, then warmup_ms), and the first writes, no faults;
//   chaos     the nemesis acts with the run's fault kind while clients keep writing and reading;
//   degraded  (kinds with network faults, >= 3 voters) a final partial fault that leaves a
//             majority connected — e.g. a leader that hears nobody: a write must be acknowledged
//             by a node of that majority within `liveness_bound_ms`;
//   calm      everything healed, crashed nodes restarted, adversary stopped: a write must be
//             acknowledged within `liveness_bound_ms`; after a further period longer than the
//             handover tenure the leader must be the highest-id voter; clients then stop, the
//             cluster drains, and the end checks run: every member caught up, all state machines
//             equal, every acknowledged vote counted exactly once everywhere, nothing counted
//             that no client sent.
// The invariant checker (invariants.hpp) runs after every step of every phase; the first
// violation ends the run. Deterministic: the seed and the config replay it exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vote/core/consensus.hpp"
#include "vote/node/machine/machine.hpp"
#include "vote/sim/clients.hpp"
#include "vote/sim/faults.hpp"
#include "vote/sim/trace.hpp"

namespace vote::sim {

struct run_config {
  std::uint64_t seed = 1;
  std::size_t nodes = 3;
  fault_kind faults = fault_kind::mixed;
  std::int64_t warmup_ms = 300;
  std::int64_t chaos_ms = 6000;
  std::int64_t liveness_bound_ms = 3000;  // faults stop -> a write is acknowledged
  std::int64_t settle_ms = 1500;          // after the tenure, before the highest-id check
  std::int64_t drain_ms = 800;            // clients stopped, before the end checks
  std::int64_t step_max_ms = 3;           // each step advances time by 1..this
  client_config clients;
  node::node_timers timers = default_timers();
  node::milliseconds stop_timeout{2000};  // a SIGTERM'd server stops within this (the product's)
  consensus::options options = default_options();
  bool random_options = true;  // draw timers, batch sizes, snapshot settings from the seed
  bool fifo = false;           // true: links never reorder or duplicate (like TCP connections)
  trace_sink trace;            // empty: no trace

  static node::node_timers default_timers();
  static consensus::options default_options();
};

struct run_result {
  bool ok = true;
  std::vector<std::string> violations;
  std::int64_t end_ms = 0;
  std::size_t epochs_led = 0;
  std::size_t acknowledged_votes = 0;
  std::size_t operations = 0;
  std::size_t unknown = 0;
  std::uint64_t messages = 0;
  std::uint64_t dropped = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t crashes = 0;
  std::uint64_t takeovers = 0;
  std::uint64_t membership_changes = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t stops = 0;
};

run_result run_simulation(const run_config& cfg);

// The command line that replays `cfg` with a trace.
std::string replay_command(const run_config& cfg);
// One line: "seed=7 nodes=5 faults=mixed ok epochs=4 votes=312 ...".
std::string summary(const run_config& cfg, const run_result& r);

}  // namespace vote::sim
