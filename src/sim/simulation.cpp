#include "vote/sim/simulation.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include "vote/core/invariant.hpp"
#include "vote/sim/cluster.hpp"
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
  void check_deadline_election(const sim_node& leader);
  void phase(const std::string& name) { cluster_.trace("=== " + name + " ==="); }
  void describe_run() const;
  // The warm-up ends this long after the start: the discovery window, then time to form.
  std::int64_t warmup_end() const { return cfg_.timers.discovery_window.count() + cfg_.warmup_ms; }
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
  history::recorder history_;
  cluster cluster_;
  client_pool clients_;
  nemesis nemesis_;
  std::vector<std::uint64_t> calm_applied_;  // by slot: applied index when the calm began
};

cluster_config cluster_config_for(const run_config& cfg, const fault_profile& profile) {
  cluster_config c;
  c.nodes = cfg.nodes;
  c.spares = profile.membership ? 3 : 0;
  c.timers = cfg.timers;
  c.options = cfg.options;
  c.stop_timeout = cfg.stop_timeout;
  if (cfg.clients.deadline_ms != 0)
    c.deadline_unix_ms = sim_unix_epoch_ms + cfg.clients.deadline_ms;
  return c;
}

// The operator's timers drawn around the product's defaults (node::node_timers), from which the
// core's timers follow exactly as in vote-server (node::consensus_options); then the limits the
// product leaves at their defaults, drawn so that runs cover small batches, deep or no
// pipelining, frequent snapshots in small chunks.
void draw_timers_and_limits(run_config& cfg, rng& r) {
  const node::node_timers product;
  auto& t = cfg.timers;
  t.heartbeat = std::chrono::milliseconds(
      r.between(product.heartbeat.count() / 2, product.heartbeat.count() * 3 / 2));
  t.election_timeout = std::chrono::milliseconds(r.between(
      std::max<std::int64_t>(3 * t.heartbeat.count(), product.election_timeout.count() / 2),
      product.election_timeout.count() * 2));
  t.hello_interval = std::chrono::milliseconds(
      r.between(product.hello_interval.count() / 4, product.hello_interval.count()));
  t.discovery_window = std::chrono::milliseconds(r.between(
      2 * t.hello_interval.count(), std::max(2 * t.hello_interval.count(), std::int64_t{1200})));
  t.snapshot_every = r.pick(std::vector<std::uint64_t>{8, 24, 64, 200});
  auto o = node::consensus_options(t, "");
  o.handover_tenure = std::chrono::milliseconds(r.between(500, 1500));  // product: 5 s
  o.max_entries_per_append = r.pick(std::vector<std::size_t>{1, 2, 3, 8, 32, 256});
  o.max_inflight_appends = static_cast<std::size_t>(r.between(1, 8));
  o.snapshot_chunk_size = r.pick(std::vector<std::size_t>{512, 4096, 65536});
  o.catch_up_threshold = r.pick(std::vector<std::uint64_t>{4, 16, 64, 1000});
  cfg.options = o;
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
  if (cfg.random_options) draw_timers_and_limits(cfg, aux);
  cfg.clients.timeout_ms = aux.pick(std::vector<std::int64_t>{60, 200, 1200});
  // Short stop deadlines too: a stop cut short with requests in flight must answer them
  // "outcome unknown".
  cfg.stop_timeout = std::chrono::milliseconds(aux.pick(std::vector<std::int64_t>{100, 500, 2000}));
  cfg.clients.shared_request_ids = aux.chance(0.25);
  // A deadline election in 40% of the runs, its deadline somewhere in the chaos.
  if (aux.chance(0.4)) {
    const std::int64_t chaos_start = cfg.timers.discovery_window.count() + cfg.warmup_ms;
    cfg.clients.deadline_ms = chaos_start + cfg.chaos_ms * aux.between(20, 80) / 100;
  }
  if (cfg.faults == fault_kind::mixed) profile = draw_mixed(profile, aux);
  profile.fifo = cfg.fifo;
  return {std::move(cfg), profile};
}

runner::runner(const run_config& cfg) : runner(prepare(cfg)) {}

runner::runner(prepared_run p)
    : cfg_(std::move(p.cfg)),
      profile_(p.profile),
      rng_(cfg_.seed),
      history_([this] { return cluster_.now() * 1000; }),
      cluster_(cluster_config_for(cfg_, profile_), rng_, checker_, history_, cfg_.trace),
      clients_(cfg_.clients, cluster_.config().election_id, cluster_.config().admin_token),
      nemesis_(profile_, warmup_end(), rng_) {}

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

// True when a write (not a read) was acknowledged since `since` by a node not in `not_by`.
bool runner::write_acked(std::int64_t since, const std::vector<consensus::node_id>& not_by) const {
  const auto& acks = cluster_.write_acks();
  for (auto it = acks.rbegin(); it != acks.rend() && it->first >= since; ++it) {
    if (std::find(not_by.begin(), not_by.end(), it->second) == not_by.end()) return true;
  }
  return false;
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

// VOTE_INVARIANT in the product's code (the machine, the core) records a violation of the run
// instead of aborting: the seed then fails with the replay command (core/invariant.hpp).
thread_local invariant_checker* current_checker = nullptr;

void record_invariant(const invariant_failure& f) {
  if (current_checker == nullptr) return;
  current_checker->fail("broken invariant at " + std::string(f.file) + ":" +
                        std::to_string(f.line) + ": " + std::string(f.what));
}

class invariants_recorded {
 public:
  explicit invariants_recorded(invariant_checker& c)
      : previous_checker_(std::exchange(current_checker, &c)),
        previous_(set_invariant_handler(record_invariant)) {}
  ~invariants_recorded() {
    set_invariant_handler(previous_);
    current_checker = previous_checker_;
  }
  invariants_recorded(const invariants_recorded&) = delete;
  invariants_recorded& operator=(const invariants_recorded&) = delete;

 private:
  invariant_checker* previous_checker_;
  invariant_handler previous_;
};

run_result runner::run() {
  const invariants_recorded recording(checker_);
  cluster_.set_profile(calm_profile());
  phase("warm-up");
  describe_run();
  cluster_.start();
  if (!advance_until(warmup_end(), false)) return result();
  if (!cluster_.formed()) {
    checker_.fail("liveness: the initial members formed no cluster within " +
                  std::to_string(warmup_end()) + "ms");
    return result();
  }
  phase("chaos: " + std::string(to_string(cfg_.faults)));
  cluster_.set_profile(profile_);
  if (!advance_until(warmup_end() + cfg_.chaos_ms, true)) return result();
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
    const auto& n = cluster_.node(slot);
    calm_applied_.push_back(n.up() ? n.machine().applied_index() : 0);
  }
  if (!expect_write("after the faults stopped", {})) return result();
  const auto settle = cluster_.now() + cfg_.options.handover_tenure.count() + cfg_.settle_ms;
  if (!advance_until(settle, false)) return result();
  clients_.stop();
  phase("drain");
  if (!advance_until(cluster_.now() + cfg_.drain_ms, false)) return result();
  cluster_.check_no_open_requests();
  end_checks();
  return result();
}

void runner::describe_run() const {
  const auto& o = cfg_.options;
  const auto& t = cfg_.timers;
  cluster_.trace("timers: hello=" + std::to_string(t.hello_interval.count()) +
                 " discovery_window=" + std::to_string(t.discovery_window.count()) +
                 " client_timeout=" + std::to_string(cfg_.clients.timeout_ms) +
                 " stop_timeout=" + std::to_string(cfg_.stop_timeout.count()) +
                 (cfg_.clients.shared_request_ids ? " shared-request-ids" : "") +
                 (cfg_.clients.deadline_ms != 0
                      ? " deadline=" + std::to_string(cfg_.clients.deadline_ms)
                      : std::string()));
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
  const auto& config = l.core().configuration();
  if (cfg_.options.highest_id_leads && !config.voters.empty() && config.voters.back().id != l.id) {
    checker_.fail("liveness: after the calm period n" + std::to_string(l.id) +
                  " leads, not the highest-id voter n" + std::to_string(config.voters.back().id));
  }
  for (const auto& m : config.voters) check_member(l, m.id);
  for (const auto& m : config.learners) check_member(l, m.id);
  check_deadline_election(l);
  // The same black-box checks the chaos tool runs against real servers (history.hpp), on the
  // final state of every member that caught up.
  std::vector<history::server_state> finals;
  for (const auto& m : config.voters) {
    const auto slot = cluster_.slot_of(m.id);
    if (!slot || !cluster_.node(*slot).up()) continue;
    const auto& n = cluster_.node(*slot);
    if (n.machine().applied_index() != l.machine().applied_index()) continue;
    if (auto r = n.machine().state().result_of(cluster_.config().election_id)) {
      finals.push_back({n.id, std::move(*r)});
    }
  }
  if (finals.empty()) return;
  for (const auto& c :
       history::check_history(history_.operations(), cluster_.config().election_id, finals)) {
    for (const auto& v : c.violations) checker_.fail("end: " + c.check + ": " + v);
  }
}

// A member that is up and caught up must equal the leader; one that is behind must at least
// have made progress during the calm period (a member stuck while everything is healed is a
// liveness failure).
// The deadline passed long before the end: the election is closed, exactly at its deadline, and
// holds every acknowledged vote (and no more votes than were sent).
void runner::check_deadline_election(const sim_node& leader) {
  if (cfg_.clients.deadline_ms == 0) return;
  std::set<std::string> acked;
  std::set<std::string> sent;
  bool registered = false;
  for (const auto& op : history_.operations()) {
    if (op.election_id != deadline_election) continue;
    if (op.type == history::op_type::register_election && op.status == history::completion::ok) {
      registered = true;
    }
    if (op.type != history::op_type::vote) continue;
    sent.insert(op.voter);
    if (op.status == history::completion::ok) acked.insert(op.voter);
  }
  const auto r = leader.machine().state().result_of(deadline_election);
  if (!r) {
    if (registered) checker_.fail("end: the deadline election is unknown to the leader");
    return;
  }
  const std::int64_t deadline = sim_unix_epoch_ms + cfg_.clients.deadline_ms;
  if (!r->closed) {
    checker_.fail("liveness: the deadline election is still open at the end of the run");
  } else if (r->closed_at_ms != deadline) {
    checker_.fail("end: the deadline election closed at " + std::to_string(r->closed_at_ms) +
                  ", not at its deadline " + std::to_string(deadline));
  }
  if (r->votes_cast < acked.size() || r->votes_cast > sent.size()) {
    checker_.fail("end: the deadline election counted " + std::to_string(r->votes_cast) +
                  " votes; " + std::to_string(acked.size()) + " were acknowledged, " +
                  std::to_string(sent.size()) + " sent");
  }
}

void runner::check_member(const sim_node& leader, consensus::node_id id) {
  const auto slot = cluster_.slot_of(id);
  const auto name = "n" + std::to_string(id);
  if (!slot || !cluster_.node(*slot).up()) {
    checker_.fail("end: member " + name + " is not up");
    return;
  }
  const auto& n = cluster_.node(*slot);
  const auto applied = n.machine().applied_index();
  const auto leader_applied = leader.machine().applied_index();
  if (applied != leader_applied) {
    if (applied <= calm_applied_[*slot] && leader_applied > applied) {
      checker_.fail("liveness: member " + name + " stuck at applied index " +
                    std::to_string(applied) + " during the whole calm period, the leader at " +
                    std::to_string(leader_applied));
    }
    return;
  }
  const auto& state = n.machine().state();
  if (!(state == leader.machine().state()) ||
      state.snapshot() != leader.machine().state().snapshot()) {
    checker_.fail("end: the state machine of " + name + " differs from the leader's");
  }
  for (const auto& v : check_votes(history_.operations(), n.votes.table(), id)) {
    checker_.fail("end: " + v);
  }
}

run_result runner::result() const {
  run_result r;
  r.ok = checker_.ok();
  r.violations = checker_.violations();
  r.end_ms = cluster_.now();
  r.epochs_led = checker_.leaders_seen();
  const auto ops = history_.operations();
  std::set<std::string> acked;
  for (const auto& op : ops) {
    if (op.type == history::op_type::vote && op.status == history::completion::ok) {
      acked.insert(op.voter);
    }
    if (op.status == history::completion::unknown) ++r.unknown;
  }
  r.acknowledged_votes = acked.size();
  r.operations = ops.size();
  r.messages = cluster_.net().sent();
  r.dropped = cluster_.net().dropped();
  r.duplicated = cluster_.net().duplicated();
  const auto& s = cluster_.stats();
  r.crashes = s.crashes;
  r.takeovers = s.takeovers;
  r.membership_changes = s.membership_changes;
  r.snapshots = s.snapshots;
  r.stops = s.stops;
  return r;
}

}  // namespace

// Without random options (tests that pin a run): the product's timers, a short discovery window
// and hello interval, snapshots every 48 entries.
node::node_timers run_config::default_timers() {
  node::node_timers t;
  t.hello_interval = 200ms;
  t.discovery_window = 400ms;
  t.snapshot_every = 48;
  return t;
}

consensus::options run_config::default_options() {
  auto o = node::consensus_options(default_timers(), "");
  o.handover_tenure = 1000ms;
  o.max_entries_per_append = 32;
  o.max_inflight_appends = 4;
  o.snapshot_chunk_size = 2048;
  o.catch_up_threshold = 64;
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
