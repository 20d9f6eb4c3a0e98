#include "vote/sim/simulation.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include "vote/sim/cluster.hpp"
#include "vote/sim/history.hpp"
#include "vote/sim/invariants.hpp"
#include "vote/sim/nemesis.hpp"
#include "vote/sim/rng.hpp"

namespace vote::sim {
namespace {

using namespace std::chrono_literals;

struct prepared_run;

class runner {
 public:
  explicit runner(const run_config& cfg);
  explicit runner(prepared_run p);
  run_result run();

 private:
  bool advance_until(std::int64_t t, bool chaos, const std::function<bool()>& done = {});
  bool write_acked(std::int64_t since, const std::vector<consensus::node_id>& not_by) const;
  bool expect_write(const std::string& phase, const std::vector<std::size_t>& cut_off);
  void end_checks();
  void check_member(const sim_node& leader, consensus::node_id id);
  void phase(const std::string& name) { cluster_.trace("=== " + name + " ==="); }
  void describe_run() const;
  fault_profile calm_profile() const {
    auto p = profile_for(fault_kind::none);
    p.fifo = cfg_.fifo;
    return p;
  }
  run_result result() const;

  run_config cfg_;
  fault_profile profile_;
  rng rng_;
  invariant_checker checker_;
  history history_;
  cluster cluster_;
  client_pool clients_;
  nemesis nemesis_;
  std::vector<std::uint64_t> calm_applied_;  // by slot: applied index when the calm began
};

cluster_config cluster_config_for(const run_config& cfg, const fault_profile& profile) {
  cluster_config c;
  c.nodes = cfg.nodes;
  c.spares = profile.membership ? 3 : 0;
  c.options = cfg.options;
  return c;
}

// The core's timers and limits drawn from the seed, so runs cover small batches, deep or no
// pipelining, frequent snapshots in small chunks and different timer ratios.
consensus::options draw_options(consensus::options o, rng& r) {
  o.heartbeat = std::chrono::milliseconds(r.between(20, 80));
  o.election_timeout = std::chrono::milliseconds(r.between(3 * o.heartbeat.count(), 400));
  o.election_jitter = std::chrono::milliseconds(r.between(50, 200));
  o.round_timeout = std::chrono::milliseconds(r.between(20, 150));
  o.fast_path_delay = std::chrono::milliseconds(r.between(0, 150));
  o.handover_tenure = std::chrono::milliseconds(r.between(500, 1500));
  o.max_entries_per_append = r.pick(std::vector<std::size_t>{1, 2, 3, 8, 32});
  o.max_inflight_appends = static_cast<std::size_t>(r.between(1, 8));
  o.snapshot_chunk_size = r.pick(std::vector<std::size_t>{512, 4096, 65536});
  o.catch_up_threshold = r.pick(std::vector<std::uint64_t>{4, 16, 64, 1000});
  o.snapshot_threshold = r.pick(std::vector<std::uint64_t>{8, 24, 64, 200});
  return o;
}

// Swarm testing: a mixed run enables a random subset of the fault families.
fault_profile draw_mixed(fault_profile p, rng& r) {
  if (!r.chance(0.6)) p.drop = p.duplicate = 0.0;
  p.partitions = r.chance(0.5);
  p.leader_minority = r.chance(0.5);
  p.bridge = r.chance(0.4);
  p.one_way = r.chance(0.4);
  p.crashes = r.chance(0.6);
  p.takeovers = r.chance(0.6);
  p.membership = r.chance(0.4);
  if (!p.crashes) p.crash_after_persist = 0.0;
  return p;
}

struct prepared_run {
  run_config cfg;
  fault_profile profile;
};

prepared_run prepare(run_config cfg) {
  rng aux(cfg.seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL);
  auto profile = profile_for(cfg.faults);
  if (cfg.random_options) cfg.options = draw_options(cfg.options, aux);
  if (cfg.faults == fault_kind::mixed) profile = draw_mixed(profile, aux);
  profile.fifo = cfg.fifo;
  return {std::move(cfg), profile};
}

runner::runner(const run_config& cfg) : runner(prepare(cfg)) {}

runner::runner(prepared_run p)
    : cfg_(std::move(p.cfg)),
      profile_(p.profile),
      rng_(cfg_.seed),
      cluster_(cluster_config_for(cfg_, profile_), rng_, checker_, history_, cfg_.trace),
      clients_(cfg_.clients, cluster_.config().election_id),
      nemesis_(profile_, cfg_.warmup_ms, rng_) {}

bool runner::advance_until(std::int64_t t, bool chaos, const std::function<bool()>& done) {
  while (cluster_.now() < t) {
    cluster_.advance_to(std::min(t, cluster_.now() + rng_.between(1, cfg_.step_max_ms)));
    if (chaos) nemesis_.step(cluster_, rng_);
    clients_.step(cluster_, history_, rng_);
    if (!checker_.ok()) return false;
    if (done && done()) return true;
  }
  return true;
}

// True when a write (not a read) invoked at a node not in `not_by` was acknowledged since `since`.
bool runner::write_acked(std::int64_t since, const std::vector<consensus::node_id>& not_by) const {
  const auto& ops = history_.operations();
  return std::any_of(ops.rbegin(), ops.rend(), [&](const operation& op) {
    return op.kind != op_kind::read && op.status == op_status::ok && op.completed_ms >= since &&
           std::find(not_by.begin(), not_by.end(), op.node) == not_by.end();
  });
}

bool runner::expect_write(const std::string& what, const std::vector<std::size_t>& cut_off) {
  std::vector<consensus::node_id> ids;
  for (const auto s : cut_off) ids.push_back(cluster_.node(s).id);
  const auto since = cluster_.now();
  const auto deadline = since + cfg_.liveness_bound_ms;
  if (!advance_until(deadline, false, [&] { return write_acked(since, ids); })) return false;
  if (write_acked(since, ids)) return true;
  checker_.fail("liveness: " + what + ": no write acknowledged within " +
                std::to_string(cfg_.liveness_bound_ms) + "ms");
  return false;
}

run_result runner::run() {
  cluster_.set_profile(calm_profile());
  phase("warm-up");
  describe_run();
  cluster_.bootstrap();
  if (!advance_until(cfg_.warmup_ms, false)) return result();
  phase("chaos: " + std::string(to_string(cfg_.faults)));
  cluster_.set_profile(profile_);
  if (!advance_until(cfg_.warmup_ms + cfg_.chaos_ms, true)) return result();
  cluster_.set_profile(calm_profile());
  if (const auto cut_off = nemesis_.degrade(cluster_, rng_)) {
    phase("degraded: " + cluster_.links().describe());
    if (!expect_write("with a connected majority under a partial fault", *cut_off)) {
      return result();
    }
  }
  phase("calm");
  cluster_.heal_everything();
  for (std::size_t slot = 0; slot < cluster_.slots(); ++slot) {
    calm_applied_.push_back(cluster_.node(slot).sm.applied_index());
  }
  if (!expect_write("after the faults stopped", {})) return result();
  const auto settle = cluster_.now() + cfg_.options.handover_tenure.count() + cfg_.settle_ms;
  if (!advance_until(settle, false)) return result();
  clients_.stop();
  phase("drain");
  if (!advance_until(cluster_.now() + cfg_.drain_ms, false)) return result();
  end_checks();
  return result();
}

void runner::describe_run() const {
  const auto& o = cfg_.options;
  cluster_.trace("options: heartbeat=" + std::to_string(o.heartbeat.count()) +
                 " election_timeout=" + std::to_string(o.election_timeout.count()) + "+" +
                 std::to_string(o.election_jitter.count()) +
                 " tenure=" + std::to_string(o.handover_tenure.count()) +
                 " batch=" + std::to_string(o.max_entries_per_append) +
                 " inflight=" + std::to_string(o.max_inflight_appends) +
                 " chunk=" + std::to_string(o.snapshot_chunk_size) +
                 " catch_up=" + std::to_string(o.catch_up_threshold) +
                 " snapshot_every=" + std::to_string(o.snapshot_threshold));
  const auto& p = profile_;
  cluster_.trace(std::string("faults:") + (p.drop > 0 ? " drops" : "") +
                 (p.partitions ? " partitions" : "") +
                 (p.leader_minority ? " leader-minority" : "") + (p.bridge ? " bridge" : "") +
                 (p.one_way ? " one-way" : "") + (p.crashes ? " crashes" : "") +
                 (p.takeovers ? " takeovers" : "") + (p.membership ? " membership" : ""));
}

void runner::end_checks() {
  const auto leader = cluster_.serving_leader();
  if (!leader) {
    checker_.fail("liveness: no serving leader at the end of the calm period");
    return;
  }
  const auto& l = cluster_.node(*leader);
  const auto& config = l.core->configuration();
  if (cfg_.options.highest_id_leads && !config.voters.empty() && config.voters.back().id != l.id) {
    checker_.fail("liveness: after the calm period n" + std::to_string(l.id) +
                  " leads, not the highest-id voter n" + std::to_string(config.voters.back().id));
  }
  for (const auto& m : config.voters) check_member(l, m.id);
  for (const auto& m : config.learners) check_member(l, m.id);
}

// A member that is up and caught up must equal the leader; one that is behind must at least
// have made progress during the calm period (a member stuck while everything is healed is a
// liveness failure).
void runner::check_member(const sim_node& leader, consensus::node_id id) {
  const auto slot = cluster_.slot_of(id);
  const auto name = "n" + std::to_string(id);
  if (!slot || !cluster_.node(*slot).up()) {
    checker_.fail("end: member " + name + " is not up");
    return;
  }
  const auto& n = cluster_.node(*slot);
  const auto applied = n.sm.applied_index();
  if (applied != leader.sm.applied_index()) {
    if (applied <= calm_applied_[*slot] && leader.sm.applied_index() > applied) {
      checker_.fail("liveness: member " + name + " stuck at applied index " +
                    std::to_string(applied) + " during the whole calm period, the leader at " +
                    std::to_string(leader.sm.applied_index()));
    }
    return;
  }
  if (!(n.sm.state() == leader.sm.state()) ||
      n.sm.state().snapshot() != leader.sm.state().snapshot()) {
    checker_.fail("end: the state machine of " + name + " differs from the leader's");
  }
  for (const auto& v : check_history(history_, n.sm.votes(), id)) checker_.fail("end: " + v);
}

run_result runner::result() const {
  run_result r;
  r.ok = checker_.ok();
  r.violations = checker_.violations();
  r.end_ms = cluster_.now();
  r.epochs_led = checker_.leaders_seen();
  r.acknowledged_votes = history_.acknowledged_votes().size();
  r.operations = history_.operations().size();
  r.unknown = history_.count(op_status::unknown);
  r.messages = cluster_.net().sent();
  r.dropped = cluster_.net().dropped();
  r.duplicated = cluster_.net().duplicated();
  const auto& s = cluster_.stats();
  r.crashes = s.crashes;
  r.takeovers = s.takeovers;
  r.membership_changes = s.membership_changes;
  r.snapshots = s.snapshots;
  return r;
}

}  // namespace

consensus::options run_config::default_options() {
  consensus::options o;
  o.heartbeat = 50ms;
  o.election_timeout = 250ms;
  o.election_jitter = 150ms;
  o.round_timeout = 100ms;
  o.fast_path_delay = 100ms;
  o.handover_tenure = 1000ms;
  o.max_entries_per_append = 32;
  o.max_inflight_appends = 4;
  o.snapshot_chunk_size = 2048;
  o.catch_up_threshold = 64;
  o.snapshot_threshold = 48;
  return o;
}

run_result run_simulation(const run_config& cfg) {
  return runner(cfg).run();
}

std::string replay_command(const run_config& cfg) {
  const run_config defaults;
  std::string s = "vote-sim --seed " + std::to_string(cfg.seed) + " --nodes " +
                  std::to_string(cfg.nodes) + " --faults " + std::string(to_string(cfg.faults));
  if (cfg.chaos_ms != defaults.chaos_ms) s += " --chaos-ms " + std::to_string(cfg.chaos_ms);
  if (cfg.fifo) s += " --fifo";
  if (cfg.settle_ms != defaults.settle_ms) s += " --settle-ms " + std::to_string(cfg.settle_ms);
  if (cfg.liveness_bound_ms != defaults.liveness_bound_ms) {
    s += " --liveness-ms " + std::to_string(cfg.liveness_bound_ms);
  }
  return s + " --trace";
}

std::string summary(const run_config& cfg, const run_result& r) {
  std::string s = "seed=" + std::to_string(cfg.seed) + " nodes=" + std::to_string(cfg.nodes) +
                  " faults=" + std::string(to_string(cfg.faults)) + (r.ok ? " ok" : " FAILED");
  s += " t=" + std::to_string(r.end_ms) + "ms epochs=" + std::to_string(r.epochs_led) +
       " votes=" + std::to_string(r.acknowledged_votes) + " ops=" + std::to_string(r.operations) +
       " unknown=" + std::to_string(r.unknown) + " msgs=" + std::to_string(r.messages) +
       " dropped=" + std::to_string(r.dropped) + " dup=" + std::to_string(r.duplicated) +
       " crashes=" + std::to_string(r.crashes) + " takeovers=" + std::to_string(r.takeovers) +
       " members=" + std::to_string(r.membership_changes) +
       " snapshots=" + std::to_string(r.snapshots);
  return s;
}

}  // namespace vote::sim
