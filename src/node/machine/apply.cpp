// The node machine: applying committed entries and installed snapshots, answering the requests
// they settle, the core's reports, and the snapshots the machine takes.
#include <algorithm>

#include "internal.hpp"
#include "vote/core/invariant.hpp"

namespace vote::node {

void node_machine::install(const consensus::snapshot_install& snap) {
  auto restored = snap.data ? election_state::restore(*snap.data, state_.bounds()) : std::nullopt;
  // The snapshot passed the leader's state machine and our checksums: not decoding is a broken
  // invariant, never hostile input (peers are authenticated; their chunks are checksummed).
  if (!VOTE_INVARIANT(restored.has_value(), "an installed snapshot decodes")) return;
  state_ = std::move(*restored);
  applied_index_ = snapshot_index_ = snap.meta.last_index;
  applied_epoch_ = snap.meta.last_epoch;
  applied_config_ = snap.meta.config;
  fx_.observe_installed(snap);
  for (auto it = pending_.begin(); it != pending_.end() && it->first <= applied_index_;) {
    it->second.reply(unknown_outcome(it->second.request_id));
    it = pending_.erase(it);
  }
  note(note_level::info, "installed a snapshot up to index " + std::to_string(applied_index_));
}

void node_machine::apply(const log_entry& e) {
  if (e.index <= applied_index_) return;  // covered by an installed snapshot
  VOTE_INVARIANT(e.index == applied_index_ + 1, "committed entries are applied in index order");
  VOTE_INVARIANT(e.index <= core_.commit_index(), "only committed entries are applied");
  std::optional<outcome> result;
  std::string request_id;
  const auto it = pending_.find(e.index);
  // The entry is this leader's own proposal when the epochs match (one leader per epoch).
  const bool own = it != pending_.end() && it->second.epoch == e.epoch;
  if (e.kind == entry_kind::command) {
    auto cmd =
        own && it->second.proposed ? std::move(it->second.proposed) : decode_command(e.payload);
    if (cmd) {
      last_timestamp_ms_ = std::max(last_timestamp_ms_, cmd->timestamp_ms);
      request_id = cmd->request_id;
      result = state_.apply(*cmd);
      fx_.observe_applied(e, &*cmd, &*result);
    } else {
      // Every server decodes the same bytes the same way: skipping is deterministic, and one
      // bad entry must not stop every server of the cluster on every restart.
      note(note_level::error,
           "committed entry " + std::to_string(e.index) + " does not decode; it changes nothing");
      fx_.observe_applied(e, nullptr, nullptr);
    }
  } else {
    if (e.kind == entry_kind::config) {
      if (auto c = consensus::decode_configuration(e.payload)) applied_config_ = std::move(*c);
    }
    fx_.observe_applied(e, nullptr, nullptr);
  }
  applied_index_ = e.index;
  applied_epoch_ = e.epoch;
  if (it == pending_.end()) return;
  auto p = std::move(it->second);
  pending_.erase(it);
  // The reply is this entry's outcome only if this entry is the proposal: the same index (the
  // key), the same epoch and the same request. Another leader's entry may have taken the index.
  if (p.epoch != e.epoch || !result || request_id != p.request_id) {
    p.reply(unknown_outcome(p.request_id));
  } else {
    p.reply(encode_outcome(p.request_id, *result));
  }
}

void node_machine::report(const consensus::output& out) {
  if (out.role_changed) {
    note(note_level::info, "role=" + std::string(consensus::to_string(*out.role_changed)) +
                               " epoch=" + std::to_string(core_.epoch()) +
                               " members=" + describe_members(core_.configuration()));
    if (*out.role_changed != consensus::role::leader) fail_pending("leadership lost");
    fx_.hello_now();
  }
  if (out.leader_changed && out.leader_changed->id != 0 && !out.leader_changed->endpoint.empty()) {
    note(note_level::info, "leader=" + std::to_string(out.leader_changed->id) + " at " +
                               out.leader_changed->endpoint +
                               " epoch=" + std::to_string(out.leader_changed->epoch));
  }
  for (const auto& lost : out.proposals_lost) {
    const auto it = pending_.find(lost.index);
    if (it == pending_.end()) continue;
    it->second.reply(unknown_outcome(it->second.request_id));
    pending_.erase(it);
  }
  for (const auto& ready : out.reads_ready) {
    const auto it = reads_.find(ready.id);
    if (it != reads_.end()) it->second.index = std::max<std::uint64_t>(ready.index, 1);
  }
  for (const auto id : out.reads_failed) {
    const auto it = reads_.find(id);
    if (it == reads_.end()) continue;
    it->second.reply(read_lost(it->second.request_id));
    reads_.erase(it);
  }
  answer_ready_reads();
  if (out.snapshot_wanted) maybe_snapshot(*out.snapshot_wanted);
  if (out.bootstrap) {
    bootstrapping_ = false;
    if (*out.bootstrap == consensus::bootstrap_result::formed) {
      note(note_level::info, "formed cluster " + core_.cluster_uuid() + " (" +
                                 describe_members(core_.configuration()) + ")");
    } else {
      bootstrap_retry_at_ = now() + settings_.hello_interval +
                            milliseconds(static_cast<std::int64_t>(settings_.id % 500));
      note(note_level::info, "bootstrap refused; rediscovering");
    }
  }
  if (out.stop_ready) handed_over_ = true;
}

void node_machine::answer_ready_reads() {
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (it->second.index == 0 || it->second.index > applied_index_) {
      ++it;
      continue;
    }
    pending_read r = std::move(it->second);
    it = reads_.erase(it);
    if (r.judged) {
      answer_judged(std::move(*r.judged), r.reply);  // may propose: reads_ is not touched
    } else {
      r.reply(read_reply(state_, r.type, r.request_id, r.election_id, fx_.unix_now_ms()));
    }
  }
}

void node_machine::fail_pending(const std::string& why) {
  for (auto& [index, p] : pending_) p.reply(unknown_outcome(p.request_id));
  for (auto& [id, r] : reads_) r.reply(read_lost(r.request_id));
  if (!pending_.empty() || !reads_.empty()) {
    note(note_level::info, why + ": " + std::to_string(pending_.size() + reads_.size()) +
                               " pending requests answered 'outcome unknown'");
  }
  pending_.clear();
  reads_.clear();
}

// The snapshot is the applied state at the applied index (<= commit index), copied: the copy
// shares the state's large immutable parts (voter_table.hpp), so it costs the machine's thread
// little; node_effects::save_snapshot serialises it off this thread.
void node_machine::maybe_snapshot(std::uint64_t wanted) {
  if (snapshot_in_flight_ || applied_index_ <= snapshot_index_ || wanted <= snapshot_index_) return;
  snapshot_in_flight_ = consensus::snapshot_meta{applied_index_, applied_epoch_, applied_config_};
  note(note_level::info, "snapshot at index " + std::to_string(applied_index_));
  // The effects keep the only share of the frozen state: it is freed where it is serialised.
  fx_.save_snapshot(
      snapshot_job{*snapshot_in_flight_, std::make_shared<const election_state>(state_)});
}

void node_machine::snapshot_saved(std::shared_ptr<const std::string> data) {
  if (!VOTE_INVARIANT(snapshot_in_flight_.has_value(), "snapshot_saved() follows save_snapshot()"))
    return;
  VOTE_INVARIANT(data != nullptr, "snapshot_saved() hands back the snapshot's bytes");
  const consensus::snapshot_meta meta = std::move(*snapshot_in_flight_);
  snapshot_in_flight_.reset();
  // A leader's snapshot installed while this one was written is newer: it stays the base.
  snapshot_index_ = std::max(snapshot_index_, meta.last_index);
  note(note_level::info, "snapshot up to index " + std::to_string(meta.last_index) + " saved (" +
                             std::to_string(data ? data->size() : 0) + " bytes)");
  core_.snapshot_taken(meta, std::move(data));
  pump();
  maybe_finish_stop();
}

std::shared_ptr<const std::string> serialise(const snapshot_job& job) {
  return std::make_shared<const std::string>(job.state->snapshot());
}

}  // namespace vote::node
