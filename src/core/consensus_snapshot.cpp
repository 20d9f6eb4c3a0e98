// §5.5 snapshots: log compaction after the owner snapshots the state machine, and the chunked
// transfer of the latest snapshot to a far-behind or new member.
#include <algorithm>

#include "consensus_state.hpp"
#include "vote/core/invariant.hpp"

namespace vote::consensus {

void core::snapshot_taken(const snapshot_meta& meta, std::shared_ptr<const std::string> data) {
  // Not newer than ours: we installed a leader's snapshot while the owner was writing this one.
  if (meta.last_index <= snapshot_.last_index) return;
  // The owner snapshots what it applied: entries we handed out in output.committed.
  if (!VOTE_INVARIANT(meta.last_index <= emitted_index_,
                      "snapshot_taken at index " + std::to_string(meta.last_index) +
                          " beyond the last index handed out to apply, " +
                          std::to_string(emitted_index_))) {
    return;
  }
  if (!VOTE_INVARIANT(epoch_at(meta.last_index) == meta.last_epoch,
                      "snapshot_taken at index " + std::to_string(meta.last_index) + " epoch " +
                          std::to_string(meta.last_epoch) +
                          ": our committed entry there has epoch " +
                          std::to_string(epoch_at(meta.last_index).value_or(0)))) {
    return;
  }
  log_.erase(log_.begin(),
             log_.begin() + static_cast<std::ptrdiff_t>(meta.last_index - snapshot_.last_index));
  snapshot_ = meta;
  snapshot_data_ = std::move(data);
  stable_index_ = std::max(stable_index_, meta.last_index);
  recompute_config();
}

// Starts a transfer of the latest snapshot to `peer`, or continues the one in progress: keeps
// up to max_inflight_appends chunks in flight, and resends from the acknowledged offset when
// nothing was answered for two heartbeats.
void core::send_snapshot_chunk(node_id peer, progress& p) {
  if (p.snapshot_index == 0) {
    if (!snapshot_data_) return;  // nothing to send: the peer waits for the next snapshot
    p.snapshot_index = snapshot_.last_index;
    p.snapshot = snapshot_;
    p.snapshot_data = snapshot_data_;
    p.snapshot_offset = p.snapshot_sent = 0;
    p.snapshot_sent_at = milliseconds{0};
  } else if (now_ - p.snapshot_sent_at >= 2 * opts_.heartbeat) {
    p.snapshot_sent = p.snapshot_offset;  // presumed lost
  }
  const std::string& data = *p.snapshot_data;
  const std::uint64_t chunk = std::max<std::uint64_t>(opts_.snapshot_chunk_size, 1);
  const std::uint64_t window = chunk * std::max<std::size_t>(opts_.max_inflight_appends, 1);
  bool first = p.snapshot_sent == p.snapshot_offset;
  while ((p.snapshot_sent < data.size() || (first && data.empty())) &&
         p.snapshot_sent < p.snapshot_offset + window) {
    const std::uint64_t offset = p.snapshot_sent;
    const std::uint64_t n = std::min<std::uint64_t>(chunk, data.size() - offset);
    send(peer, install_snapshot{.epoch = epoch_,
                                .leader = self_,
                                .meta = p.snapshot,
                                .offset = offset,
                                .data = data.substr(offset, n),
                                .done = offset + n == data.size()});
    p.snapshot_sent = offset + n;
    p.snapshot_sent_at = now_;
    first = false;
  }
}

void core::on_snapshot_reply(const envelope& e, const snapshot_reply& m) {
  observe_epoch(m.epoch);
  if (!leader_) return;
  if (m.epoch > epoch_) {
    step_down();
    return;
  }
  if (m.epoch != epoch_ || !config_.knows(e.from, e.from_incarnation)) return;
  auto it = leader_->peers.find(e.from);
  if (it == leader_->peers.end()) return;
  progress& p = it->second;
  note_reply(p);
  if (p.snapshot_index == 0 || m.last_index != p.snapshot_index) return;  // stale
  if (m.ok && m.done) {
    p.snapshot_index = 0;
    p.snapshot_data.reset();
    p.catching_up = true;
    p.match_index = std::max(p.match_index, m.last_index);
    p.next_index = p.match_index + 1;
    p.inflight.clear();
    p.probing = false;
    advance_leader_commit();
    if (leader_) replicate(e.from, p, false);
    return;
  }
  if (m.ok && m.next_offset >= p.snapshot_offset) {
    p.snapshot_offset = m.next_offset;
    p.snapshot_sent = std::max(p.snapshot_sent, p.snapshot_offset);
  } else {
    // The follower holds less than we thought (a lost chunk, or it lost the partial transfer
    // in a restart): resend from what it holds. At most once per heartbeat: the replies to the
    // rest of the window, or reordered older replies, would rewind again and again.
    if (p.snapshot_rewound_at && now_ - *p.snapshot_rewound_at < opts_.heartbeat) return;
    p.snapshot_rewound_at = now_;
    p.snapshot_offset = p.snapshot_sent = m.next_offset;
  }
  p.snapshot_sent_at = now_;
  send_snapshot_chunk(e.from, p);
}

namespace {
constexpr std::size_t max_chunks_ahead = 64;
}  // namespace

// Adds a chunk to the transfer: in order it extends the prefix (and drains buffered chunks),
// ahead of a gap it waits in `ahead`. false when it is too far ahead to keep.
bool core::receive_chunk(snapshot_receive& in, const install_snapshot& m) {
  if (m.done) in.size = m.offset + m.data.size();
  if (m.offset > in.data.size()) {
    if (in.ahead.size() >= max_chunks_ahead && !in.ahead.contains(m.offset)) return false;
    in.ahead.emplace(m.offset, m.data);
    return true;
  }
  if (m.offset + m.data.size() > in.data.size()) in.data.append(m.data, in.data.size() - m.offset);
  for (auto it = in.ahead.begin(); it != in.ahead.end() && it->first <= in.data.size();) {
    if (it->first + it->second.size() > in.data.size()) {
      in.data.append(it->second, in.data.size() - it->first);
    }
    it = in.ahead.erase(it);
  }
  return true;
}

void core::on_install_snapshot(const envelope& e, const install_snapshot& m) {
  if (m.leader != e.from) return;
  const std::uint64_t last = m.meta.last_index;
  if (!accept_leader(m.leader, m.epoch)) {
    send(e.from, snapshot_reply{.epoch = promised_epoch_,
                                .ok = false,
                                .next_offset = 0,
                                .last_index = last,
                                .done = false});
    return;
  }
  // We already hold all of it: committed there, or our log holds its last entry (then, by log
  // matching, everything before it too). Installing would discard entries we may have acked.
  if (last <= commit_index_ || epoch_at(last) == m.meta.last_epoch) {
    snapshot_in_.reset();
    send(e.from, snapshot_reply{.epoch = m.epoch,
                                .ok = true,
                                .next_offset = m.offset + m.data.size(),
                                .last_index = last,
                                .done = true});
    return;
  }
  if (!snapshot_in_ || snapshot_in_->meta != m.meta || snapshot_in_->epoch != m.epoch) {
    snapshot_in_ = std::make_unique<snapshot_receive>();
    snapshot_in_->meta = m.meta;
    snapshot_in_->epoch = m.epoch;
  }
  if (!receive_chunk(*snapshot_in_, m)) {  // too far ahead: ask for what we lack
    send(e.from, snapshot_reply{.epoch = m.epoch,
                                .ok = false,
                                .next_offset = snapshot_in_->data.size(),
                                .last_index = last,
                                .done = false});
    return;
  }
  if (snapshot_in_->data.size() != snapshot_in_->size) {
    send(e.from, snapshot_reply{.epoch = m.epoch,
                                .ok = true,
                                .next_offset = snapshot_in_->data.size(),
                                .last_index = last,
                                .done = false});
    return;
  }
  // Install: the snapshot replaces the whole log (persisted before the reply is sent).
  auto data = std::make_shared<const std::string>(std::move(snapshot_in_->data));
  snapshot_in_.reset();
  install_snapshot_locally(m.meta, data);
  send(e.from, snapshot_reply{.epoch = m.epoch,
                              .ok = true,
                              .next_offset = data->size(),
                              .last_index = last,
                              .done = true});
}

// The snapshot replaces the whole log; it covers only committed entries. Persisted (step 1 of
// the owner's contract) before anything queued with it is sent.
void core::install_snapshot_locally(const snapshot_meta& meta,
                                    std::shared_ptr<const std::string> data) {
  // commit_index_ and emitted_index_ never decrease: both callers install only a snapshot beyond
  // our commit index (a follower that holds it answers `done`, a candidate fetches past it).
  if (!VOTE_INVARIANT(meta.last_index > commit_index_,
                      "snapshot install at index " + std::to_string(meta.last_index) +
                          " would move commit index " + std::to_string(commit_index_) + " back")) {
    return;
  }
  snapshot_in_.reset();
  out_.persist.install_snapshot = snapshot_install{meta, data};
  out_.persist.truncate_from.reset();
  out_.persist.entries.clear();
  log_.clear();
  snapshot_ = meta;
  snapshot_data_ = std::move(data);
  commit_index_ = emitted_index_ = stable_index_ = meta.last_index;
  snapshot_wanted_at_ = meta.last_index;
  recompute_config();
}

}  // namespace vote::consensus
