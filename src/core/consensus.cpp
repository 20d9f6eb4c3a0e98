// consensus::core: construction, the common helpers every handler uses, input dispatch and the
// output drain. The handlers live in consensus_<concern>.cpp.
#include "vote/core/consensus.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "consensus_state.hpp"
#include "vote/core/invariant.hpp"

namespace vote::consensus {

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::follower:
      return "follower";
    case role::candidate:
      return "candidate";
    case role::leader:
      return "leader";
  }
  return "unknown";
}

bool output::empty() const noexcept {
  return persist.empty() && messages.empty() && committed.empty() && !role_changed &&
         !leader_changed && reads_ready.empty() && reads_failed.empty() && proposals_lost.empty() &&
         !snapshot_wanted && !bootstrap && !stop_ready;
}

core::core(node_id self, std::uint64_t incarnation, options opts, persisted_state state,
           std::uint64_t rng_seed)
    : self_(self),
      incarnation_(incarnation),
      opts_(std::move(opts)),
      rng_(rng_seed),
      promised_epoch_(state.promise.epoch),
      promised_to_(state.promise.to),
      cluster_uuid_(std::move(state.cluster_uuid)),
      snapshot_(state.snapshot.value_or(snapshot_meta{})),
      snapshot_data_(std::move(state.snapshot_data)),
      log_(std::move(state.log)) {
  // A log that does not continue the snapshot densely is cut at the first gap: the owner
  // persisted it in order, so a gap can only be a torn tail.
  for (std::size_t i = 0; i < log_.size(); ++i) {
    if (log_[i].index != snapshot_.last_index + 1 + i) {
      log_.resize(i);
      break;
    }
  }
  commit_index_ = emitted_index_ = snapshot_.last_index;
  stable_index_ = last_index();
  snapshot_wanted_at_ = snapshot_.last_index;
  highest_epoch_seen_ = std::max(promised_epoch_, last_epoch());
  recompute_config();
}

core::core(core&&) noexcept = default;
core& core::operator=(core&&) noexcept = default;
core::~core() = default;

// ---- accessors -------------------------------------------------------------------------------

std::uint64_t core::last_index() const noexcept {
  return log_.empty() ? snapshot_.last_index : log_.back().index;
}
std::uint64_t core::last_epoch() const noexcept {
  return log_.empty() ? snapshot_.last_epoch : log_.back().epoch;
}
std::optional<std::uint64_t> core::epoch_at(std::uint64_t index) const {
  if (index == 0) return 0;
  if (index == snapshot_.last_index) return snapshot_.last_epoch;
  const log_entry* e = entry_at(index);
  if (e == nullptr) return std::nullopt;
  return e->epoch;
}
const log_entry* core::entry_at(std::uint64_t index) const {
  if (index <= snapshot_.last_index || index > last_index()) return nullptr;
  return &log_[index - snapshot_.last_index - 1];
}
leader_info core::leader() const {
  return reported_leader_;
}
std::vector<peer_progress> core::peers_progress() const {
  std::vector<peer_progress> out;
  if (!leader_) return out;
  for (const auto& [id, p] : leader_->peers) {
    peer_progress v{id, p.match_index, std::nullopt};
    if (p.last_reply.count() != 0) v.last_reply = p.last_reply;
    out.push_back(v);
  }
  return out;
}
bool core::sticky() const noexcept {
  return role_ == role::follower && leader_id_ != 0 && now_ < sticky_until_ && !leader_link_down_;
}
bool core::has_output() const noexcept {
  // A read's heartbeat (heartbeat_due) is output too: without it the read index would wait for
  // the next heartbeat tick instead of one round trip.
  return !out_.empty() || commit_index_ > emitted_index_ ||
         (leader_ && (leader_->dirty || leader_->heartbeat_due));
}

// ---- common helpers ----------------------------------------------------------------------------

void core::send(node_id to, message_body body) {
  out_.messages.push_back(envelope{.from = self_,
                                   .from_incarnation = incarnation_,
                                   .to = to,
                                   .cluster_uuid = cluster_uuid_,
                                   .body = std::move(body)});
}

void core::observe_epoch(std::uint64_t e) noexcept {
  highest_epoch_seen_ = std::max(highest_epoch_seen_, e);
}

void core::persist_promise(std::uint64_t epoch, node_id to) {
  // §5.6: the promise only grows; it is persisted (step 1 of the output) before any message
  // queued after this point is sent. Every caller checked that `epoch` is above our promise
  // (one candidate per epoch): a peer's message never gets here otherwise.
  VOTE_INVARIANT(epoch > promised_epoch_, "promise of epoch " + std::to_string(epoch) +
                                              " not above the promised epoch " +
                                              std::to_string(promised_epoch_));
  promised_epoch_ = epoch;
  promised_to_ = to;
  out_.persist.promise = promise_record{.epoch = epoch, .to = to};
  observe_epoch(epoch);
}

void core::reset_election_timer() {
  const auto jitter =
      opts_.election_jitter.count() > 0
          ? std::uniform_int_distribution<std::int64_t>(0, opts_.election_jitter.count())(rng_)
          : 0;
  election_deadline_ = now_ + opts_.election_timeout + milliseconds(jitter);
}

void core::set_role(consensus::role r) {
  if (r == role_) return;
  role_ = r;
  out_.role_changed = r;
}

void core::report_leader(const leader_info& info) {
  if (info == reported_leader_) return;
  reported_leader_ = info;
  out_.leader_changed = info;
}

// §5.3 step 3: stop leading or standing at once; own uncommitted proposals become "unknown".
void core::step_down() {
  if (leader_) {
    for (std::uint64_t i = commit_index_ + 1; i <= last_index(); ++i) {
      const log_entry* e = entry_at(i);
      if (e->epoch == epoch_ && e->kind != entry_kind::epoch_start) {
        out_.proposals_lost.push_back({e->index, e->epoch});
      }
    }
    fail_reads();
    leader_.reset();
  }
  takeover_.reset();
  set_role(role::follower);
  leader_id_ = 0;
  report_leader({});
  reset_election_timer();
  if (stopping_) out_.stop_ready = true;
}

void core::become_follower(node_id leader, std::uint64_t epoch) {
  // accept_leader() persisted (or already held) the promise of this epoch to this leader: we
  // follow only whom we promised, so epoch_ never decreases.
  VOTE_INVARIANT(epoch == promised_epoch_ && leader == promised_to_,
                 "follows node " + std::to_string(leader) + " in epoch " + std::to_string(epoch) +
                     " without promising it (promised epoch " + std::to_string(promised_epoch_) +
                     " to node " + std::to_string(promised_to_) + ")");
  if (role_ != role::follower || leader_ || takeover_) step_down();
  leader_id_ = leader;
  epoch_ = epoch;
  const member* m = config_.find(leader);
  report_leader({leader, epoch, m != nullptr ? m->endpoint : std::string()});
  reset_election_timer();
  sticky_until_ = election_deadline_;
  failed_rounds_ = 0;
  handed_off_to_ = 0;
  fast_path_at_.reset();
  leader_link_down_ = false;
}

void core::append_to_log(log_entry e) {
  log_.push_back(e);
  if (e.kind == entry_kind::config) {
    if (auto c = decode_configuration(e.payload)) {
      config_ = std::move(*c);
      config_index_ = e.index;
      if (leader_) sync_progress();
    }
  }
  out_.persist.entries.push_back(std::move(e));
}

void core::truncate_log_from(std::uint64_t index) {
  if (index > last_index()) return;  // nothing there (e.g. the adopted log ends where ours does)
  // §5.6.3/4: committed entries are never truncated. Every caller checked it: on_append drops an
  // append that would undo a commit, a takeover adopts only entries after its commit index.
  if (!VOTE_INVARIANT(index > commit_index_, "truncation from index " + std::to_string(index) +
                                                 " would undo commit index " +
                                                 std::to_string(commit_index_))) {
    return;
  }
  log_.resize(index - snapshot_.last_index - 1);
  out_.persist.truncate_from = std::min(out_.persist.truncate_from.value_or(index), index);
  std::erase_if(out_.persist.entries, [&](const log_entry& e) { return e.index >= index; });
  stable_index_ = std::min(stable_index_, index - 1);
  if (config_index_ >= index) recompute_config();
}

void core::recompute_config() {
  for (auto it = log_.rbegin(); it != log_.rend(); ++it) {
    if (it->kind != entry_kind::config) continue;
    if (auto c = decode_configuration(it->payload)) {
      config_ = std::move(*c);
      config_index_ = it->index;
      if (leader_) sync_progress();
      return;
    }
  }
  config_ = snapshot_.config;
  config_index_ = snapshot_.last_index;
  if (leader_) sync_progress();
}

void core::advance_commit_to(std::uint64_t index) {
  index = std::min(index, last_index());
  if (index > commit_index_) commit_index_ = index;
}

void core::emit_committed() {
  for (std::uint64_t i = emitted_index_ + 1; i <= commit_index_; ++i) {
    out_.committed.push_back(*entry_at(i));
  }
  emitted_index_ = std::max(emitted_index_, commit_index_);
}

// A leader sending a snapshot keeps the entries after it until the follower has installed it and
// caught up from the log (up to transfer_slack thresholds): compacting at the usual pace could
// outrun a slow transfer forever, each installed snapshot already behind the log's start.
bool core::transferring_snapshot() {
  if (!leader_) return false;
  bool any = false;
  for (auto& [id, p] : leader_->peers) {
    if (p.catching_up && p.match_index >= emitted_index_) p.catching_up = false;
    any = any || p.snapshot_index != 0 || p.catching_up;
  }
  return any;
}

void core::check_snapshot_wanted() {
  if (opts_.snapshot_threshold == 0) return;
  constexpr std::uint64_t transfer_slack = 8;
  const std::uint64_t since = emitted_index_ - snapshot_.last_index;
  if (transferring_snapshot() && since < transfer_slack * opts_.snapshot_threshold) return;
  if (since >= opts_.snapshot_threshold &&
      emitted_index_ - snapshot_wanted_at_ >= opts_.snapshot_threshold) {
    snapshot_wanted_at_ = emitted_index_;
    out_.snapshot_wanted = emitted_index_;
  }
}

// ---- inputs ------------------------------------------------------------------------------------

void core::tick(milliseconds now) {
  if (!ticked_) {  // timers start at the first time the owner tells us
    ticked_ = true;
    now_ = now;
    reset_election_timer();
  }
  // The owner hands in monotonic time (steady_clock); the timers never run backwards.
  VOTE_INVARIANT(now >= now_, "tick at " + std::to_string(now.count()) + " ms after " +
                                  std::to_string(now_.count()) + " ms: time went backwards");
  now_ = std::max(now_, now);
  tick_bootstrap();
  tick_hops();
  if (leader_) {
    tick_leader();
  } else if (takeover_) {
    tick_candidate();
  } else {
    tick_follower();
  }
}

bool core::accepts_from(const envelope& e) const {
  if (e.to != self_ || e.from == self_ || e.from == 0) return false;
  if (std::holds_alternative<bootstrap_propose>(e.body)) return true;
  if (const auto* r = std::get_if<bootstrap_reply>(&e.body)) {
    return bootstrap_ != nullptr && r->uuid == bootstrap_->uuid;
  }
  return !cluster_uuid_.empty() && e.cluster_uuid == cluster_uuid_;
}

void core::step(const envelope& e) {
  if (!accepts_from(e)) return;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, election>) on_election(e, m);
        if constexpr (std::is_same_v<T, election_ack>) on_election_ack(e, m);
        if constexpr (std::is_same_v<T, leader_alive>) on_leader_alive(e, m);
        if constexpr (std::is_same_v<T, prepare>) on_prepare(e, m);
        if constexpr (std::is_same_v<T, promise>) on_promise(e, m);
        if constexpr (std::is_same_v<T, reject>) on_reject(e, m);
        if constexpr (std::is_same_v<T, fetch>) on_fetch(e, m);
        if constexpr (std::is_same_v<T, fetch_reply>) on_fetch_reply(e, m);
        if constexpr (std::is_same_v<T, append>) on_append(e, m);
        if constexpr (std::is_same_v<T, append_reply>) on_append_reply(e, m);
        if constexpr (std::is_same_v<T, timeout_now>) on_timeout_now(e, m);
        if constexpr (std::is_same_v<T, install_snapshot>) on_install_snapshot(e, m);
        if constexpr (std::is_same_v<T, snapshot_reply>) on_snapshot_reply(e, m);
        if constexpr (std::is_same_v<T, bootstrap_propose>) on_bootstrap_propose(e, m);
        if constexpr (std::is_same_v<T, bootstrap_reply>) on_bootstrap_reply(e, m);
      },
      e.body);
}

void core::stable_to(std::uint64_t index) {
  stable_index_ = std::max(stable_index_, std::min(index, last_index()));
  if (leader_) advance_leader_commit();
}

void core::member_seen(node_id id, std::uint64_t, const std::string&) {
  silent_.erase(id);
}

void core::member_silent(node_id id) {
  silent_.insert(id);
}

void core::link_closed(node_id id) {
  // Fast path (§5.1): the driver already retried the link once; wait a little for an append
  // (the leader may reconnect to us), then start a round without waiting for the timer.
  if (role_ == role::follower && id == leader_id_ && id != 0 && !fast_path_at_) {
    fast_path_at_ = now_ + opts_.fast_path_delay;
  }
  for (hop& h : hops_) {
    if (h.target == id) h.deadline = now_;  // refused: skip at the next tick
  }
  if (leader_) {
    auto it = leader_->peers.find(id);
    if (it != leader_->peers.end()) {  // what was in flight is lost
      it->second.inflight.clear();
      it->second.next_index = it->second.match_index + 1;
    }
  }
}

output core::take_output() {
  if (leader_) flush_appends();
  emit_committed();
  check_snapshot_wanted();
  return std::exchange(out_, output{});
}

}  // namespace vote::consensus
