// Fault kinds and the probabilities a run draws its faults with (DESIGN.md §9).
//
// A run has a chaos phase, during which the nemesis (nemesis.hpp) acts at random moments with
// the faults its kind enables, then a calm phase: everything is healed, crashed nodes restart and
// the adversary stops, and the liveness checks run. The network always delays every message by a
// random amount (so messages are reordered in every kind); `lossy` adds drops and duplicates.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace vote::sim {

enum class fault_kind : std::uint8_t {
  none,             // a healthy network, only random delays
  lossy,            // drops, duplicates (also very late ones) and reordering
  partitions,       // random halves (or thirds), healed later
  leader_minority,  // the current leader cut off with a minority while clients keep writing
  bridge,           // two sides that only one bridge node sees both of
  one_way,          // links that lose every message in one direction only
  crashes,          // crash (losing unpersisted state and held messages) and restart
  takeovers,        // the adversary makes any node start a takeover at any moment (with
                    // minority partitions and bridges, so that stale leaders exist)
  membership,       // add a node, remove one, bring a removed one back (with minority
                    // partitions, so that members fall behind changes, and takeovers, so that
                    // such laggards stand)
  mixed,            // swarm: each seed enables a random subset of all the above
};

std::string_view to_string(fault_kind kind) noexcept;
std::optional<fault_kind> fault_kind_from_string(std::string_view name) noexcept;
const std::vector<fault_kind>& all_fault_kinds();

// What the network and the nemesis may do in a run's chaos phase.
struct fault_profile {
  double drop = 0.0;       // per message
  double duplicate = 0.0;  // per message: deliver a second copy with its own delay
  double late = 0.01;      // per message: a long delay (late_min_ms..late_max_ms)
  bool fifo = false;       // true: a link never reorders or duplicates (like one TCP connection)
  std::int64_t delay_min_ms = 1;
  std::int64_t delay_max_ms = 6;
  std::int64_t late_min_ms = 40;
  std::int64_t late_max_ms = 400;
  bool partitions = false;
  bool leader_minority = false;
  bool bridge = false;
  bool one_way = false;
  bool crashes = false;
  bool takeovers = false;
  bool membership = false;
  double crash_after_persist = 0.0;       // per completed persist: crash before its messages leave
  std::int64_t nemesis_gap_min_ms = 150;  // time between two nemesis actions
  std::int64_t nemesis_gap_max_ms = 900;
};

fault_profile profile_for(fault_kind kind);

}  // namespace vote::sim
