// The fault schedule of a run (DESIGN.md §9): at random moments of the chaos phase the nemesis
// picks one of the actions its fault_profile enables and applies it to the cluster:
//   topology: heal, split into random halves (or thirds), the leader cut off with a minority
//     (sometimes only its inbound links: it can still send but hears nobody), a bridge node
//     that sees both sides, one-way loss;
//   processes: crash, bounce (crash and restart a moment later), restart, pause (a stopped
//     process that later resumes with stale beliefs and a full inbox), stop (SIGTERM: the
//     server hands over, drains, answers everything and exits; restarted a moment later);
//   adversary: make any node start a takeover now, or several within a few ms (a storm: the
//     later ones see the earlier prepares and stand in higher epochs, so promises move on
//     while a candidate is still fetching);
//   membership: add a node, remove a member, bring a removed node back (old disk or new one).
// degrade() leaves the network in a final partial fault in which a majority is still connected,
// to check liveness under it (a leader that hears nobody must step down).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "vote/sim/cluster.hpp"
#include "vote/sim/faults.hpp"
#include "vote/sim/rng.hpp"

namespace vote::sim {

enum class nemesis_action : std::uint8_t {
  heal,
  split,
  leader_minority,
  bridge,
  one_way,
  crash,
  bounce,
  restart,
  pause,
  stop,
  takeover,
  storm,
  add_member,
  remove_member,
  bring_back,
};

class nemesis {
 public:
  nemesis(const fault_profile& profile, std::int64_t start_ms, rng& random);

  // Acts if its next moment has come (at c.now()); runs due restarts of bounced nodes.
  void step(cluster& c, rng& random);
  // A final partial fault that leaves a connected majority, if this profile has network faults
  // and the members agree on one configuration of at least 3 voters. Returns the slots cut off
  // from that majority (their acknowledgements prove nothing), or nullopt: no degraded phase.
  std::optional<std::vector<std::size_t>> degrade(cluster& c, rng& random);
  bool has_network_faults() const noexcept;

 private:
  void act(nemesis_action a, cluster& c, rng& random);
  void split(cluster& c, rng& random);
  void leader_minority(cluster& c, rng& random);
  void bridge(cluster& c, rng& random);
  void one_way(cluster& c, rng& random);
  void crash(cluster& c, rng& random, bool bounce);
  void restart(cluster& c, rng& random);
  void pause(cluster& c, rng& random);
  void stop(cluster& c, rng& random);
  void storm(cluster& c, rng& random, std::size_t count);
  void add_member(cluster& c, rng& random);
  void remove_member(cluster& c, rng& random);
  void bring_back(cluster& c, rng& random);

  fault_profile profile_;
  std::vector<nemesis_action> actions_;  // enabled actions, repeated by weight
  std::int64_t next_ms_;
  std::vector<std::pair<std::int64_t, std::size_t>> restarts_;   // (when, slot)
  std::vector<std::pair<std::int64_t, std::size_t>> takeovers_;  // (when, slot)
};

// Slots that ever ran, in slot order.
std::vector<std::size_t> started_slots(const cluster& c);
// The slot of a node that leads or stands (a serving leader first), if any.
std::optional<std::size_t> leader_like(const cluster& c);

}  // namespace vote::sim
