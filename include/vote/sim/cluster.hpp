// The simulated cluster: N node machines — the product's own pipeline, core and state machine —
// in one process, a seeded network between them, a simulated disk each, simulated clients, and
// the invariant checker watching every output, send, write and reply (DESIGN.md §3, §5.6, §9;
// STYLE.md 7, 15).
//
// Time is simulated milliseconds. advance_to(t) is one step: it delivers every message due by t
// (checking the topology again at delivery), completes the disk jobs due by t (persisted() /
// snapshot_saved()), delivers hellos, ticks every running machine and runs the pumps the
// machines asked for (pump_soon: the inputs of one step share one output, as one event-loop turn
// does in the product). After every step the per-core invariants run. Every random choice comes
// from the run's one rng; iteration is in slot order: a seed replays exactly.
//
// Checks beyond the invariants (invariants.hpp) and the protocol rules (rules.hpp):
//   - every request handed to a machine is answered exactly once: a second answer, a stop that
//     ends with a request unanswered, or a request still open at the end of the run fails;
//   - an ok answer to a command comes only once an entry carrying that request is committed (and
//     a leader commits only what is durable on a majority of its configuration:
//     check_commit_durable);
//   - an ok answer to a read counts every vote acknowledged before the read was invoked;
//   - a vote retried with its request id is never refused as "already voted", and a vote of an
//     election acknowledged as registered is never refused as "unknown election".
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vote/core/consensus.hpp"
#include "vote/history/history.hpp"
#include "vote/node/machine/machine.hpp"
#include "vote/sim/faults.hpp"
#include "vote/sim/invariants.hpp"
#include "vote/sim/network.hpp"
#include "vote/sim/node.hpp"
#include "vote/sim/replica.hpp"
#include "vote/sim/rng.hpp"
#include "vote/sim/rules.hpp"
#include "vote/sim/topology.hpp"
#include "vote/sim/trace.hpp"

namespace vote::sim {

struct cluster_config {
  std::size_t nodes = 3;     // initial members (they bootstrap together: --bootstrap-expect N)
  std::size_t spares = 0;    // extra slots for membership changes (not started at first)
  node::node_timers timers;  // the operator's timers (hellos, discovery window)
  // The core's options: node::consensus_options(timers) as in the product, with the limits and
  // the handover tenure a run draws (the endpoint is set per node).
  consensus::options options;
  node::milliseconds stop_timeout{2000};
  std::int64_t disk_latency_max_ms = 6;  // an fsync takes 0..this ms ...
  double slow_disk = 0.02;               // ... or, with this chance, a slow one:
  std::int64_t slow_disk_max_ms = 120;   // up to this many ms
  // Serialising a snapshot (a thread of its own, at a low priority) takes 0..this ms; the log's
  // writes go on meanwhile, and the snapshot's write is queued behind them when it is done.
  std::int64_t serialise_latency_max_ms = 400;
  std::string election_id = "e1";
  std::int64_t deadline_unix_ms = 0;  // the deadline election's closes_at (0: none)
  std::string admin_token = "sim-admin-token-0123456789";
};

// What became of a client request handed to the cluster.
enum class submit_result : std::uint8_t { handed, down, queued };

struct cluster_stats {
  std::uint64_t crashes = 0;
  std::uint64_t restarts = 0;
  std::uint64_t pauses = 0;
  std::uint64_t stops = 0;
  std::uint64_t takeovers = 0;
  std::uint64_t membership_changes = 0;
  std::uint64_t commits = 0;    // entries applied on any node
  std::uint64_t snapshots = 0;  // taken or installed
  std::uint64_t replies = 0;
};

class cluster {
 public:
  cluster(cluster_config cfg, rng& random, invariant_checker& checker, history::recorder& h,
          trace_sink trace);

  std::int64_t now() const noexcept { return now_; }
  const cluster_config& config() const noexcept { return cfg_; }
  void set_profile(const fault_profile& p) { profile_ = p; }
  const fault_profile& profile() const noexcept { return profile_; }
  // Starts the initial members with empty disks; the machines find each other by hellos and the
  // highest id proposes the bootstrap (DESIGN.md §4).
  void start();
  void advance_to(std::int64_t now_ms);
  // End of run: every request handed to a running machine has been answered.
  void check_no_open_requests();

  // ---- views --------------------------------------------------------------------------------
  std::size_t slots() const noexcept { return nodes_.size(); }
  const sim_node& node(std::size_t slot) const { return nodes_[slot]; }
  std::optional<std::size_t> slot_of(consensus::node_id id) const;
  // A running node whose core says it is the serving leader (the highest epoch if several).
  std::optional<std::size_t> serving_leader() const;
  const std::string& uuid() const noexcept { return uuid_; }
  bool formed() const noexcept { return !uuid_.empty(); }
  const network& net() const noexcept { return net_; }
  const cluster_stats& stats() const noexcept { return stats_; }
  std::size_t acked_votes() const noexcept { return acked_voters_.size(); }
  // Every acknowledged write: (when, the node that answered), in time order.
  const std::vector<std::pair<std::int64_t, consensus::node_id>>& write_acks() const noexcept {
    return write_acks_;
  }
  void trace(const std::string& line) const;
  bool tracing() const noexcept { return static_cast<bool>(trace_); }

  // ---- clients ------------------------------------------------------------------------------
  // Hands the request `payload` of history operation `op` to the node at `slot` (now, or when it
  // resumes if it is paused). Its answer completes the operation.
  submit_result submit(std::size_t slot, std::uint64_t op, const std::string& payload);

  // ---- faults (cluster_faults.cpp) ----------------------------------------------------------
  const topology& links() const noexcept { return links_; }
  // Changes the links; pairs that lose their connection get on_link_down on both ends.
  void set_links(const topology& t);
  void crash(std::size_t slot);
  void restart(std::size_t slot);
  void pause(std::size_t slot, std::int64_t until_ms);
  void resume(std::size_t slot);
  // SIGTERM: the machine hands over, drains and stops (and leaves the cluster if this lifetime
  // runs with --leave); the node is down once it has stopped.
  void stop(std::size_t slot);
  // Disk loss: wipes the slot's disk (new incarnation) and starts an empty node that joins.
  void start_fresh(std::size_t slot);
  // Makes the node at `slot` stand now (the core's force_campaign, through the machine).
  void force_takeover(std::size_t slot);
  // Heals links, resumes paused nodes and restarts crashed or stopped ones that ever ran.
  void heal_everything();
  // The admin asks the node at `leader_slot` to remove member `id` (a remove_member request).
  void remove_member(std::size_t leader_slot, consensus::node_id id);

 private:
  friend class sim_host;

  // cluster.cpp: the step loop
  void deliver_due();
  void deliver(sim_node& n, const sim_message& m);
  void complete_disk_jobs(sim_node& n);
  void discovery();
  void tick_all();
  void pump(sim_node& n);
  void settle(sim_node& n);  // takes down a node whose machine stopped or failed
  void check_cores();
  void violation(const sim_node& n, const std::string& what);
  void check_deadline(const sim_node& n, const command& cmd, const outcome& result);

  // cluster_effects.cpp: what a host's machine does, checked
  void on_send(sim_node& n, consensus::node_id to, const sim_message& m);
  void on_output(sim_node& n, const consensus::output& out);
  void on_applied(sim_node& n, const log_entry& e, const command* cmd, const outcome* result);
  void on_installed(sim_node& n, const consensus::snapshot_install& snap);
  void on_snapshot_saved(sim_node& n, const consensus::snapshot_meta& meta,
                         const std::string& bytes);
  void on_reply(std::size_t slot, std::uint64_t lifetime, std::uint64_t op,
                const std::string& json);
  void check_durable_before_ok(const sim_node& n, const history::operation& op);
  void check_commit_durable(sim_node& n, const log_entry& e);
  void check_read(const sim_node& n, const history::operation& op, const open_request& r,
                  const election_result& result);
  bool begins_epoch(const sim_node& n, const log_entry& e) const;
  bool leads(const sim_node& n) const;  // stands in or leads the epoch it began
  std::optional<leader_view> leader_view_of(consensus::node_id id) const;
  std::size_t durable_holders(const std::vector<consensus::member>& voters, std::uint64_t index,
                              std::uint64_t epoch) const;
  std::int64_t draw_disk_latency();
  std::int64_t draw_serialise_latency();

  // cluster_faults.cpp
  void start_host(sim_node& n);
  void take_down(sim_node& n, const std::string& why);
  void hand_over(sim_node& n, std::uint64_t op, const std::string& payload,
                 std::size_t acked_before);
  node::node_settings settings_for(const sim_node& n) const;

  cluster_config cfg_;
  rng& rng_;
  invariant_checker& checker_;
  rule_checker rules_;
  history::recorder& history_;
  trace_sink trace_;
  fault_profile profile_;
  std::int64_t now_ = 0;
  std::vector<sim_node> nodes_;
  topology links_;
  network net_;
  snapshot_registry registry_;
  std::string uuid_;
  // Committed commands by what they are (request id, election, voter): where each was applied.
  std::map<std::string, consensus::entry_id> applied_commands_;
  std::vector<std::string> acked_voters_;     // in acknowledgement order (read checks)
  std::map<std::string, std::string> acked_;  // voter -> candidate of its acknowledged vote
  bool registered_ = false;                   // the election's registration was acknowledged
  std::vector<std::pair<std::int64_t, consensus::node_id>> write_acks_;
  cluster_stats stats_;
};

}  // namespace vote::sim
