// The simulated cluster: N consensus cores in one process, a seeded network between them, a
// simulated disk and a state machine each, and the invariant checker watching every output
// (DESIGN.md §3, §5.6, §9; STYLE.md 7).
//
// Time is simulated milliseconds. advance_to(t) is one step: it delivers every message due by t
// (checking the topology again at delivery), completes the disk writes due by t (then sends
// their messages, applies their committed entries and handles their reports), runs discovery
// (hellos, member_seen / member_silent) and ticks every running core. After every input the
// node's outputs are drained at once, and after every step the per-core invariants run.
// Every random choice comes from the run's one rng; iteration is in slot order: a seed replays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vote/core/consensus.hpp"
#include "vote/sim/faults.hpp"
#include "vote/sim/history.hpp"
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
  std::size_t nodes = 3;   // initial members
  std::size_t spares = 0;  // extra slots for membership changes (not started at first)
  consensus::options options;
  std::int64_t disk_delay_max_ms = 6;  // a write completes 0..this ms after it was handed over
  std::int64_t hello_interval_ms = 500;
  std::int64_t silence_ms = 1000;  // no hello for this long: member_silent
  std::string election_id = "e1";
};

enum class submit_result : std::uint8_t { accepted, not_leader, down, queued };

struct cluster_stats {
  std::uint64_t crashes = 0;
  std::uint64_t restarts = 0;
  std::uint64_t pauses = 0;
  std::uint64_t takeovers = 0;
  std::uint64_t membership_changes = 0;
  std::uint64_t commits = 0;    // entries applied on any node
  std::uint64_t snapshots = 0;  // taken or installed
};

class cluster {
 public:
  cluster(cluster_config cfg, rng& random, invariant_checker& checker, history& h,
          trace_sink trace);

  std::int64_t now() const noexcept { return now_; }
  const cluster_config& config() const noexcept { return cfg_; }
  void set_profile(const fault_profile& p) { profile_ = p; }
  const fault_profile& profile() const noexcept { return profile_; }
  // Starts the initial members; the highest id proposes the bootstrap (DESIGN.md §4).
  void bootstrap();
  void advance_to(std::int64_t now_ms);

  // ---- views --------------------------------------------------------------------------------
  std::size_t slots() const noexcept { return nodes_.size(); }
  const sim_node& node(std::size_t slot) const { return nodes_[slot]; }
  std::optional<std::size_t> slot_of(consensus::node_id id) const;
  // A running node whose core says it is the serving leader (the highest epoch if several).
  std::optional<std::size_t> serving_leader() const;
  const std::string& uuid() const noexcept { return uuid_; }
  bool formed() const noexcept { return formed_; }
  const network& net() const noexcept { return net_; }
  const cluster_stats& stats() const noexcept { return stats_; }
  std::size_t acked_votes() const noexcept { return acked_voters_.size(); }
  void trace(const std::string& line) const;

  // ---- clients ------------------------------------------------------------------------------
  submit_result submit(std::size_t slot, std::uint64_t op_id, const std::string& payload);
  submit_result read(std::size_t slot, std::uint64_t op_id);

  // ---- faults (cluster_faults.cpp) ----------------------------------------------------------
  const topology& links() const noexcept { return links_; }
  // Changes the links; pairs that lose their connection get link_closed on both ends.
  void set_links(const topology& t);
  void crash(std::size_t slot);
  void restart(std::size_t slot);
  void pause(std::size_t slot, std::int64_t until_ms);
  void resume(std::size_t slot);
  // Disk loss: wipes the slot's disk (new incarnation) and starts an empty core that joins.
  void start_fresh(std::size_t slot);
  // Makes the node at `slot` stand now (a core test hook, else a forged timeout_now).
  void force_takeover(std::size_t slot);
  // Heals links, resumes paused nodes and restarts crashed ones that ever ran.
  void heal_everything();
  // Membership through the leader at `leader_slot` (DESIGN.md §4): adds the node of `slot`
  // (which must be running), removes the member `id`.
  errc add_member(std::size_t leader_slot, std::size_t slot);
  errc remove_member(std::size_t leader_slot, consensus::node_id id);

 private:
  // cluster.cpp
  void propose_bootstrap();
  void deliver_due();
  void deliver(sim_node& n, const consensus::envelope& e);
  void tick_all();
  void discovery();
  void hello_from(sim_node& b);
  void check_silence(sim_node& a);
  void check_cores();
  // cluster_output.cpp
  void drain(sim_node& n);
  void take(sim_node& n, consensus::output out);
  void mirror(sim_node& n, const consensus::output& out);
  bool begins_epoch(const sim_node& n, const log_entry& e) const;
  // True while `n` stands in or leads the epoch it began (appended its own epoch_start).
  bool leads(const sim_node& n) const;
  std::optional<leader_view> leader_view_of(consensus::node_id id) const;
  std::size_t durable_holders(const std::vector<consensus::member>& voters,
                              const log_entry& e) const;
  void complete_batches(sim_node& n);
  void finish_batch(sim_node& n, batch& b);
  void send_all(sim_node& n, const std::vector<consensus::envelope>& messages);
  void apply_committed(sim_node& n, const consensus::output& out);
  void apply_entry(sim_node& n, const log_entry& e);
  void answer(sim_node& n, const log_entry& e, const std::optional<applied_command>& applied);
  void handle_reports(sim_node& n, const consensus::output& out);
  void take_snapshot(sim_node& n);
  void finish_reads(sim_node& n);
  void lose_pending(sim_node& n, const std::string& why);
  void violation(const sim_node& n, const std::string& what);
  // cluster_faults.cpp
  void start_core(sim_node& n);
  submit_result deliver(std::size_t slot, const queued_request& r);
  void handle_request(sim_node& n, const queued_request& r);

  cluster_config cfg_;
  rng& rng_;
  invariant_checker& checker_;
  rule_checker rules_;
  history& history_;
  trace_sink trace_;
  fault_profile profile_;
  std::int64_t now_ = 0;
  std::vector<sim_node> nodes_;
  topology links_;
  network net_;
  snapshot_registry registry_;
  std::string uuid_;
  bool formed_ = false;
  std::int64_t bootstrap_retry_ms_ = -1;
  std::size_t proposer_ = 0;               // the initial member with the highest id
  std::vector<std::string> acked_voters_;  // in acknowledgement order (read checks)
  std::set<std::string> acked_set_;
  cluster_stats stats_;
};

}  // namespace vote::sim
