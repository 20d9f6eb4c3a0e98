// §5.3 takeover: prepare/promise in a new epoch, adopt the best log of a majority (fetching it
// from exactly that promiser), settle the configuration, then append epoch_start.
// Safety: every committed entry is on a majority of the latest configuration and every promise
// set is a majority of it, so the best log of a promise set holds every committed entry.
#include <algorithm>
#include <tuple>

#include "consensus_state.hpp"

namespace vote::consensus {

void core::start_takeover(bool handover) {
  if (!config_.is_voter(self_) || stopping_ || leader_ || cluster_uuid_.empty()) return;
  // Step 1: persist (e, self) first; the prepares go out in the same output, after it.
  const std::uint64_t e = 1 + std::max({highest_epoch_seen_, promised_epoch_, last_epoch()});
  persist_promise(e, self_);
  epoch_ = e;
  leader_id_ = 0;
  report_leader({});
  takeover_ = std::make_unique<takeover>();
  takeover_->epoch = e;
  takeover_->handover = handover;
  takeover_->counted = config_;
  takeover_->deadline = now_ + opts_.election_timeout + opts_.election_jitter;
  takeover_->promises[self_] =
      promise{.epoch = e, .last_log_epoch = last_epoch(), .last_log_index = last_index()};
  takeover_->own_first = takeover_->promises[self_];
  takeover_->incarnations[self_] = incarnation_;
  set_role(role::candidate);
  send_prepares();
  evaluate_promises();
}

void core::send_prepares() {
  takeover& t = *takeover_;
  for (const member& m : t.counted.voters) {
    if (m.id == self_ || t.promises.contains(m.id)) continue;
    send(m.id, prepare{.epoch = t.epoch, .candidate = self_, .handover = t.handover});
  }
  t.next_resend = now_ + opts_.round_timeout;
}

void core::tick_candidate() {
  if (now_ >= takeover_->deadline) {
    abandon_takeover();
  } else if (takeover_->step == takeover::phase::preparing && now_ >= takeover_->next_resend) {
    send_prepares();  // a retried prepare gets the same answer
  }
}

// Step 7: "retry later" = follower, wait one election timeout, then a new ring round.
void core::abandon_takeover() {
  takeover_.reset();
  set_role(role::follower);
  leader_id_ = 0;
  participant_ = false;
  reset_election_timer();
  if (stopping_) out_.stop_ready = true;
}

void core::on_prepare(const envelope& e, const prepare& m) {
  if (m.candidate != e.from) return;
  observe_epoch(m.epoch);
  const promise mine{
      .epoch = m.epoch, .last_log_epoch = last_epoch(), .last_log_index = last_index()};
  if (m.epoch == promised_epoch_ && m.candidate == promised_to_) {
    send(e.from, mine);  // a retried prepare gets the same answer
    return;
  }
  // A leader that still hears from a majority is as sticky as its followers.
  const bool leader_sticky = role_ == role::leader && has_quorum_contact();
  // Only a voter of our configuration (that incarnation) may take part (§4): a removed server
  // that never learned of its removal keeps standing and must not drive epochs up.
  const bool voter = config_.is_voter(e.from) && config_.knows(e.from, e.from_incarnation);
  if (!voter || m.epoch <= promised_epoch_ || ((sticky() || leader_sticky) && !m.handover)) {
    send(e.from, reject{.promised_epoch = promised_epoch_, .promised_to = promised_to_});
    return;
  }
  // Step 2/3: persist (e, W) — this ends any leadership or candidacy of ours at once — and
  // answer in the same output, so the promise leaves only after it (and the log) is durable.
  if (role_ != role::follower || leader_ || takeover_) step_down();
  persist_promise(m.epoch, m.candidate);
  leader_id_ = 0;
  report_leader({});
  reset_election_timer();
  send(e.from, mine);
}

void core::on_promise(const envelope& e, const promise& m) {
  if (!takeover_ || m.epoch != takeover_->epoch) return;
  // Identity (§4): only the incarnation in the configuration counts.
  if (!takeover_->counted.knows(e.from, e.from_incarnation) &&
      !config_.knows(e.from, e.from_incarnation)) {
    return;
  }
  if (takeover_->promises.emplace(e.from, m).second) {
    takeover_->incarnations[e.from] = e.from_incarnation;
  }
  evaluate_promises();
}

void core::on_reject(const envelope&, const reject& m) {
  observe_epoch(m.promised_epoch);
  if (!takeover_) return;
  // Step 7: yield to a higher-id candidate at an epoch >= ours.
  if (m.promised_epoch >= takeover_->epoch && m.promised_to > self_) abandon_takeover();
}

// Step 4: with a majority of the counted configuration, pick the best log among all promises.
void core::evaluate_promises() {
  takeover& t = *takeover_;
  if (t.step != takeover::phase::preparing) return;
  std::vector<node_id> ids;
  for (const auto& [id, p] : t.promises) ids.push_back(id);
  if (!t.counted.is_quorum(ids)) return;
  node_id best = self_;
  for (const auto& [id, p] : t.promises) {
    const promise& b = t.promises.at(best);
    if (std::tie(p.last_log_epoch, p.last_log_index) >
        std::tie(b.last_log_epoch, b.last_log_index)) {
      best = id;
    }
  }
  if (best == self_) {
    settle_configuration();
    return;
  }
  const promise& b = t.promises.at(best);
  if (!t.handover && best != handed_off_to_ &&
      b.last_log_index > last_index() + opts_.catch_up_threshold) {
    // Far behind: hand the candidacy to the best promiser instead of making everyone wait. Never
    // a candidacy received by handover, and never twice to the same node before some leader was
    // followed: it may not reach a majority (found by the simulator under a bridge partition).
    handed_off_to_ = best;
    send(best, timeout_now{.epoch = t.epoch});
    abandon_takeover();
    return;
  }
  t.step = takeover::phase::fetching;
  t.fetch_from = best;
  t.fetch_from_index = commit_index_ + 1;  // our committed prefix is in every best log
  send(best, fetch{.epoch = t.epoch, .from_index = t.fetch_from_index});
}

void core::on_fetch(const envelope& e, const fetch& m) {
  fetch_reply r{.epoch = m.epoch};
  // Served only while our promise of this epoch to the asker stands: then our log is exactly
  // the durable log the promise described (we accept appends from nobody else in it).
  if (promised_epoch_ == m.epoch && promised_to_ == e.from) {
    std::uint64_t from = std::max<std::uint64_t>(m.from_index, 1);
    if (from <= snapshot_.last_index) {
      // Compacted away: send our snapshot (committed entries only) and the log after it. We may
      // be unable to stand ourselves (removed in our own log), so a hand-off would not help.
      r.snapshot_needed = true;
      if (snapshot_data_) {
        r.snapshot = snapshot_;
        r.snapshot_data = *snapshot_data_;
        from = snapshot_.last_index + 1;
      }
    }
    if (!r.snapshot_needed || r.snapshot) {
      r.ok = true;
      for (std::uint64_t i = from; i <= last_index(); ++i) r.entries.push_back(*entry_at(i));
    }
  }
  send(e.from, std::move(r));
}

void core::on_fetch_reply(const envelope& e, const fetch_reply& m) {
  if (!takeover_ || takeover_->step != takeover::phase::fetching ||
      e.from != takeover_->fetch_from || m.epoch != takeover_->epoch) {
    return;
  }
  if (!m.ok || !adopt_fetched(m)) {
    // Never fall back to another promiser of the same set: abandon the epoch. A promiser that
    // could send no snapshot gets the candidacy instead (an older peer, or one without data).
    if (m.snapshot_needed && !m.snapshot) send(e.from, timeout_now{.epoch = takeover_->epoch});
    abandon_takeover();
    return;
  }
  takeover_->step = takeover::phase::preparing;
  settle_configuration();
}

// Checks the fetched suffix ends exactly at the promised (last_log_epoch, last_log_index),
// then truncates our conflicting suffix and appends it. A reply with a snapshot (our from_index
// is compacted there) starts after the snapshot: we install it first unless our log already
// holds its last entry (then, by log matching, everything before it too).
bool core::adopt_fetched(const fetch_reply& m) {
  const takeover& t = *takeover_;
  const promise& want = t.promises.at(t.fetch_from);
  if (m.snapshot && (!m.snapshot_needed || m.snapshot->last_index < t.fetch_from_index)) {
    return false;
  }
  const std::uint64_t from = m.snapshot ? m.snapshot->last_index + 1 : t.fetch_from_index;
  const std::optional<std::uint64_t> base_epoch =
      m.snapshot ? std::optional(m.snapshot->last_epoch) : epoch_at(from - 1);
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    if (m.entries[i].index != from + i) return false;
    if (i > 0 && m.entries[i].epoch < m.entries[i - 1].epoch) return false;
  }
  const std::uint64_t end_index = m.entries.empty() ? from - 1 : m.entries.back().index;
  const std::optional<std::uint64_t> end_epoch =
      m.entries.empty() ? base_epoch : m.entries.back().epoch;
  if (end_index != want.last_log_index || end_epoch != want.last_log_epoch) return false;
  if (!m.entries.empty() && m.entries.front().epoch < base_epoch.value_or(0)) return false;
  if (m.snapshot && epoch_at(m.snapshot->last_index) != m.snapshot->last_epoch) {
    install_snapshot_locally(*m.snapshot, std::make_shared<const std::string>(m.snapshot_data));
  }
  for (const log_entry& x : m.entries) {
    if (x.index <= last_index()) {
      if (epoch_at(x.index) == x.epoch) continue;
      truncate_log_from(x.index);
    }
    append_to_log(x);
  }
  truncate_log_from(want.last_log_index + 1);  // whatever we held beyond the best log
  return true;
}

// Step 5: re-prepare in the adopted log's configuration until it is stable; then step 6.
void core::settle_configuration() {
  takeover& t = *takeover_;
  while (config_.voters != t.counted.voters && drop_unreachable_config()) {
  }
  // Our log is adopted now.
  t.promises[self_] =
      promise{.epoch = t.epoch, .last_log_epoch = last_epoch(), .last_log_index = last_index()};
  if (config_.voters == t.counted.voters) {
    begin_epoch();
    return;
  }
  if (!config_.is_voter(self_)) {
    abandon_takeover();
    return;
  }
  t.counted = config_;
  send_prepares();
  evaluate_promises();
}

// The adopted log ends in a configuration entry that provably never committed: every majority
// of that configuration holds a promiser whose durable log, when it promised our epoch, ended
// before the entry. Such a promiser never stored it (it would keep a committed entry: leader
// completeness of the earlier epochs) and, having promised us, accepts no older epoch's append
// any more; the entry commits only in its own configuration (one change at a time), so it was
// not and will not be committed before our epoch. Dropping it (and what follows it) keeps every
// committed entry. Without this, a leader that appended its own removal and lost its quorum at
// once leaves that removal on its log alone, and the adopted configuration may need members
// that the promisers cannot reach (found by the simulator, FINDINGS.md F3).
bool core::drop_unreachable_config() {
  const takeover& t = *takeover_;
  const std::uint64_t index = config_index_;
  if (index <= commit_index_ || index <= snapshot_.last_index) return false;
  std::vector<node_id> may_hold;
  for (const member& v : config_.voters) {
    const auto p = t.promises.find(v.id);
    const auto inc = t.incarnations.find(v.id);
    const bool lacks = p != t.promises.end() && inc != t.incarnations.end() &&
                       inc->second == v.incarnation &&
                       (v.id == self_ ? t.own_first : p->second).last_log_index < index;
    if (!lacks) may_hold.push_back(v.id);
  }
  if (config_.is_quorum(may_hold)) return false;
  truncate_log_from(index);
  return true;
}

// Step 6: append epoch_start; serve once it commits (adopted entries commit with it).
void core::begin_epoch() {
  takeover_.reset();
  leader_ = std::make_unique<leader_state>();
  leader_->since = now_;
  leader_->last_heartbeat = now_;
  leader_->next_highest_check = now_ + opts_.handover_tenure;
  leader_id_ = self_;
  append_to_log(log_entry{last_index() + 1, epoch_, entry_kind::epoch_start, {}});
  leader_->epoch_start_index = last_index();
  leader_->dirty = true;
  sync_progress();
  advance_leader_commit();
}

void core::force_campaign() {
  if (!config_.is_voter(self_) || stopping_ || cluster_uuid_.empty()) return;
  if (leader_ || takeover_ || role_ != role::follower) step_down();
  start_takeover(false);
}

void core::on_timeout_now(const envelope& e, const timeout_now& m) {
  if (role_ != role::follower || !config_.is_voter(self_) || stopping_) return;
  // From the leader we follow (handover), or from the candidate we promised (far behind).
  const bool from_leader = e.from == leader_id_ && m.epoch == epoch_;
  const bool from_candidate = e.from == promised_to_ && m.epoch == promised_epoch_;
  if (!from_leader && !from_candidate) return;
  start_takeover(true);
}

}  // namespace vote::consensus
