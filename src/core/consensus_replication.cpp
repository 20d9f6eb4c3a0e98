// §5.4 normal operation: append / append_reply, commit, heartbeats, batching, pipelining and
// check-quorum.
#include <algorithm>

#include "consensus_state.hpp"

namespace vote::consensus {

// ---- follower side ---------------------------------------------------------------------------

// Accepts `leader` of `epoch` iff epoch >= promised_epoch and, when equal, it is the one we
// promised (§5.4). A higher epoch is persisted first and ends our own leadership or candidacy.
bool core::accept_leader(node_id leader, std::uint64_t epoch) {
  observe_epoch(epoch);
  if (epoch < promised_epoch_) return false;
  if (epoch == promised_epoch_ && promised_to_ != leader) return false;
  if (epoch > promised_epoch_) {
    if (role_ != role::follower || leader_ || takeover_) step_down();
    persist_promise(epoch, leader);
  }
  // The election timer is refreshed only here: an append from the leader itself (§5.1).
  become_follower(leader, epoch);
  return true;
}

namespace {

// Entries dense after prev_index, epochs non-decreasing from prev_epoch, none above `epoch`.
bool well_formed(const append& m) {
  std::uint64_t last_epoch = m.prev_epoch;
  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    const log_entry& x = m.entries[i];
    if (x.index != m.prev_index + 1 + i || x.epoch < last_epoch || x.epoch > m.epoch) return false;
    last_epoch = x.epoch;
  }
  return m.prev_epoch <= m.epoch;
}

}  // namespace

void core::on_append(const envelope& e, const append& m) {
  if (m.leader != e.from || !well_formed(m)) return;
  if (!accept_leader(m.leader, m.epoch)) {
    // When we promised this very epoch to another candidate, say so: only the leader can lift
    // us out of it, by leading a new epoch (reassert_leadership).
    const node_id other = m.epoch == promised_epoch_ ? promised_to_ : 0;
    send(e.from, append_reply{.epoch = promised_epoch_,
                              .ok = false,
                              .match_index = 0,
                              .last_index_hint = last_index(),
                              .seq = m.seq,
                              .promised_to = other});
    return;
  }
  // The log must hold (prev_index, prev_epoch); below our snapshot everything is committed and
  // therefore matches.
  if (m.prev_index > last_index() ||
      (m.prev_index >= snapshot_.last_index && epoch_at(m.prev_index) != m.prev_epoch)) {
    std::uint64_t hint = std::min(last_index(), m.prev_index - (m.prev_index > 0 ? 1 : 0));
    if (m.prev_index <= last_index()) {  // skip back over the whole conflicting epoch
      const std::uint64_t bad = *epoch_at(m.prev_index);
      while (hint > commit_index_ && epoch_at(hint) == bad) --hint;
    }
    send(e.from, append_reply{.epoch = m.epoch,
                              .ok = false,
                              .match_index = 0,
                              .last_index_hint = std::max(hint, commit_index_),
                              .seq = m.seq,
                              .promised_to = 0});
    return;
  }
  for (const log_entry& x : m.entries) {
    if (x.index <= snapshot_.last_index) continue;
    if (x.index <= last_index()) {
      // Truncate only from the first index whose epoch differs, never because the append is
      // shorter (pipelined appends may arrive out of order).
      if (epoch_at(x.index) == x.epoch) continue;
      if (x.index <= commit_index_) return;  // would undo a commit: not a leader of ours
      truncate_log_from(x.index);
    }
    append_to_log(x);
  }
  const std::uint64_t match = m.prev_index + m.entries.size();
  advance_commit_to(std::min(m.commit_index, match));
  // The ack goes out after the entries are persisted (same output, step 2 after step 1).
  send(e.from, append_reply{.epoch = m.epoch,
                            .ok = true,
                            .match_index = match,
                            .last_index_hint = last_index(),
                            .seq = m.seq,
                            .promised_to = 0});
}

// ---- leader side -----------------------------------------------------------------------------

// Keeps one progress per member of the configuration other than ourselves.
void core::sync_progress() {
  auto& peers = leader_->peers;
  std::erase_if(peers, [&](const auto& kv) { return !config_.is_member(kv.first); });
  auto add = [&](const member& m) {
    if (m.id == self_ || peers.contains(m.id)) return;
    progress p;
    p.next_index = std::max(last_index(), first_index());
    p.last_reply = now_;
    peers.emplace(m.id, p);
  };
  for (const member& m : config_.voters) add(m);
  for (const member& m : config_.learners) add(m);
}

void core::send_append(node_id peer, progress& p, std::uint64_t from, bool with_entries) {
  append a{.epoch = epoch_,
           .leader = self_,
           .prev_index = from - 1,
           .prev_epoch = epoch_at(from - 1).value_or(0),
           .commit_index = commit_index_,
           .seq = ++leader_->seq};
  if (with_entries) {
    const std::uint64_t to = std::min(last_index(), from + opts_.max_entries_per_append - 1);
    std::size_t bytes = 0;
    for (std::uint64_t i = from; i <= to; ++i) {
      a.entries.push_back(*entry_at(i));
      bytes += a.entries.back().payload.size();
    }
    if (!a.entries.empty()) {
      p.inflight[a.seq] = {now_, bytes};
      p.next_index = to + 1;
    }
  }
  send(peer, std::move(a));
}

// Sends what `peer` lacks, up to the pipelining depth; with `heartbeat`, at least one append.
void core::replicate(node_id peer, progress& p, bool heartbeat) {
  if (p.snapshot_index != 0 || p.next_index <= snapshot_.last_index) {
    send_snapshot_chunk(peer, p);
    return;
  }
  const std::size_t depth = p.probing ? 1 : std::max<std::size_t>(opts_.max_inflight_appends, 1);
  bool sent = false;
  while (p.inflight.size() < depth && p.next_index <= last_index()) {
    send_append(peer, p, p.next_index, true);
    sent = true;
  }
  if (heartbeat && !sent) {
    // With appends in flight, the heartbeat names an entry the follower surely holds.
    const bool busy = !p.inflight.empty() && p.match_index >= snapshot_.last_index;
    send_append(peer, p, busy ? p.match_index + 1 : p.next_index, false);
  }
}

// Batching: everything proposed since the last output goes out in one append per follower.
void core::flush_appends() {
  if (!leader_->dirty && !leader_->heartbeat_due) return;
  const bool heartbeat = leader_->heartbeat_due;
  for (auto& [id, p] : leader_->peers) replicate(id, p, heartbeat);
  leader_->dirty = false;
  leader_->heartbeat_due = false;
  if (heartbeat) leader_->last_heartbeat = now_;
}

bool core::append_lost(const progress& p) const {
  constexpr std::size_t large_append = 64 * 1024;
  const auto& [seq, sent] = *p.inflight.begin();
  if (now_ - sent.at < 2 * opts_.heartbeat) return false;
  if (sent.bytes < large_append) return true;
  // A large append (a chunk of a roll) may keep a follower busy for longer than two heartbeats,
  // answering nothing meanwhile; resending would only bury it deeper. It is lost when a later
  // message (a heartbeat) was answered and it was not, or after two election timeouts.
  return p.acked_seq > seq || now_ - sent.at >= 2 * opts_.election_timeout;
}

void core::heartbeat_all() {
  for (auto& [id, p] : leader_->peers) {
    // An append unanswered for two heartbeats is presumed lost (a large one: see append_lost):
    // resend from match_index.
    if (!p.inflight.empty() && append_lost(p)) {
      p.inflight.clear();
      p.next_index = p.match_index + 1;
    }
    replicate(id, p, true);
  }
  leader_->last_heartbeat = now_;
  leader_->dirty = false;
}

void core::on_append_reply(const envelope& e, const append_reply& m) {
  observe_epoch(m.epoch);
  if (!leader_) return;
  if (m.epoch > epoch_) {  // any message showing a higher epoch ends leadership at once
    step_down();
    return;
  }
  if (m.epoch != epoch_ || !config_.knows(e.from, e.from_incarnation)) return;
  if (!m.ok && m.promised_to != 0 && m.promised_to != self_) {
    reassert_leadership();  // a member promised our epoch to a losing candidate
    return;
  }
  auto it = leader_->peers.find(e.from);
  if (it == leader_->peers.end()) return;
  progress& p = it->second;
  note_reply(p);
  p.acked_seq = std::max(p.acked_seq, m.seq);
  const bool current = p.inflight.erase(m.seq) > 0 || p.inflight.empty();
  if (m.ok) {
    p.probing = false;
    p.match_index = std::max(p.match_index, std::min(m.match_index, last_index()));
    p.next_index = std::max(p.next_index, p.match_index + 1);
    advance_leader_commit();
    if (leader_) maybe_promote_learners();
    if (leader_ && leader_->transfer_target == e.from) try_send_timeout_now();
  } else if (current) {
    // Log mismatch: fall back to the follower's hint (never below what it already matches).
    p.probing = true;
    p.inflight.clear();
    p.next_index = std::max(p.match_index + 1, std::min(p.next_index, m.last_index_hint + 1));
  }
  if (leader_) {
    replicate(e.from, p, false);
    check_reads();
  }
}

void core::note_reply(progress& p) {
  if (!p.live_since || now_ - p.last_reply > opts_.election_timeout) p.live_since = now_;
  p.last_reply = now_;
}

// Commits the highest index stored on a majority whose entry is of the current epoch.
void core::advance_leader_commit() {
  std::vector<std::uint64_t> matches;
  for (const member& v : config_.voters) {
    if (v.id == self_) {
      // We count ourselves only while our persisted promise is our epoch, up to what is durable.
      const bool ours = promised_epoch_ == epoch_ && promised_to_ == self_;
      matches.push_back(ours ? std::min(stable_index_, last_index()) : 0);
    } else {
      auto it = leader_->peers.find(v.id);
      matches.push_back(it == leader_->peers.end() ? 0 : it->second.match_index);
    }
  }
  if (matches.empty()) return;
  std::sort(matches.begin(), matches.end(), std::greater<>());
  const std::uint64_t n = matches[config_.quorum() - 1];
  if (n > commit_index_ && epoch_at(n) == epoch_) advance_commit_to(n);
  if (role_ != role::leader && commit_index_ >= leader_->epoch_start_index) {
    set_role(role::leader);  // epoch_start committed: serve
    failed_rounds_ = 0;
    report_leader({self_, epoch_, opts_.endpoint});
  }
  if (!config_.is_voter(self_) && config_index_ <= commit_index_) {
    step_down_after_removal();
  }
}

// A member promised our epoch to a candidate that lost it, so it can never accept our appends
// (§5.4): lead a new epoch, with the handover token so that our sticky followers promise it.
// At most once per election timeout.
void core::reassert_leadership() {
  if (now_ < reassert_after_) return;
  reassert_after_ = now_ + opts_.election_timeout;
  step_down();
  start_takeover(true);
}

bool core::has_quorum_contact() const {
  if (!leader_) return false;
  std::vector<node_id> live;
  if (config_.is_voter(self_)) live.push_back(self_);
  for (const auto& [id, p] : leader_->peers) {
    if (now_ - p.last_reply < opts_.election_timeout) live.push_back(id);
  }
  return config_.is_quorum(live);
}

void core::tick_leader() {
  // Check-quorum (§5.1): no responses of our epoch from a majority for an election timeout.
  if (now_ - leader_->since >= opts_.election_timeout && !has_quorum_contact()) {
    step_down();
    return;
  }
  if (now_ - leader_->last_heartbeat >= opts_.heartbeat) heartbeat_all();
  tick_transfer();
  if (leader_) maybe_hand_over_to_highest();
}

std::optional<entry_id> core::propose(entry_kind kind, std::string payload) {
  if (role_ != role::leader || !leader_ || leader_->transfer_target != 0 || stopping_ ||
      kind == entry_kind::epoch_start) {
    return std::nullopt;
  }
  if (kind == entry_kind::config) {  // one change at a time, through the membership rules
    auto c = decode_configuration(payload);
    if (!c || config_index_ > commit_index_ || !propose_config(*c)) return std::nullopt;
    return entry_id{last_index(), epoch_};
  }
  append_to_log(log_entry{last_index() + 1, epoch_, kind, std::move(payload)});
  leader_->dirty = true;
  return entry_id{last_index(), epoch_};
}

}  // namespace vote::consensus
