// Internal to vote_core: the private state structs of consensus::core, shared by the
// consensus_*.cpp files (split by concern like NuRaft's handle_*.cxx).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vote/core/consensus.hpp"

namespace vote::consensus {

// An election message sent to `target`, waiting for its hop ack until `deadline` (§5.2).
struct core::hop {
  election msg;
  node_id target = 0;
  milliseconds deadline{0};
};

// A candidate's takeover of `epoch` (§5.3).
struct core::takeover {
  enum class phase { preparing, fetching };
  std::uint64_t epoch = 0;
  bool handover = false;
  phase step = phase::preparing;
  // The configuration promises are counted in (step 5 re-prepares when the adopted log's differs).
  consensus::configuration counted;
  std::map<node_id, promise> promises;  // first promise of each member for `epoch`, self included
  // The incarnation each promise came from, and our own log tail when we stood (promises[self]
  // follows our log as it adopts): what the promisers' durable logs held (drop_unreachable_config).
  std::map<node_id, std::uint64_t> incarnations;
  promise own_first;
  node_id fetch_from = 0;  // the best promiser: the only one ever fetched from (step 4)
  std::uint64_t fetch_from_index = 0;
  milliseconds deadline{0};     // abandon when passed
  milliseconds next_resend{0};  // resend prepares to members that have not answered
};

// Leader's view of one follower or learner (§5.4).
struct core::progress {
  std::uint64_t next_index = 1;   // next entry to send (optimistic: advanced when sent)
  std::uint64_t match_index = 0;  // highest index known stored there
  struct sent_append {
    milliseconds at{0};
    std::size_t bytes = 0;  // the entries' payloads
  };
  std::map<std::uint64_t, sent_append> inflight;  // seq -> appends with entries
  bool probing = false;                    // after a mismatch: one append at a time until an ok
  std::uint64_t acked_seq = 0;             // highest seq answered in our epoch (read index)
  milliseconds last_reply{0};              // any reply of our epoch (check-quorum)
  std::optional<milliseconds> live_since;  // replying without a gap since (handover tenure)
  // Snapshot transfer (§5.5): active while snapshot_index != 0. The snapshot being sent is
  // pinned here, so a newer one taken meanwhile does not restart the transfer.
  std::uint64_t snapshot_index = 0;
  snapshot_meta snapshot;
  std::shared_ptr<const std::string> snapshot_data;
  std::uint64_t snapshot_offset = 0;  // bytes the follower holds (acknowledged)
  std::uint64_t snapshot_sent = 0;    // bytes sent (a window of chunks ahead of the offset)
  milliseconds snapshot_sent_at{0};
  std::optional<milliseconds> snapshot_rewound_at;  // at most one rewind per heartbeat
  // A transfer ended and the follower is catching up from the log (until it holds what we have
  // applied): compaction waits for it, see core::check_snapshot_wanted.
  bool catching_up = false;
};

struct core::pending_read {
  std::uint64_t id = 0;
  std::uint64_t index = 0;  // commit_index when the read arrived
  std::uint64_t seq = 0;    // first append seq sent after it arrived
};

struct core::leader_state {
  std::map<node_id, progress> peers;  // every member of the configuration but self
  std::uint64_t epoch_start_index = 0;
  milliseconds since{0};
  milliseconds last_heartbeat{0};
  std::uint64_t seq = 0;
  bool heartbeat_due = false;  // a read arrived: every peer gets an append at the next flush
  bool dirty = false;          // proposals not yet sent
  std::vector<pending_read> reads;
  node_id transfer_target = 0;    // handover in progress (§5.4): no proposals meanwhile
  bool timeout_now_sent = false;  // sent once the target holds our last index
  milliseconds transfer_deadline{0};
  std::set<node_id> transfer_failed;
  milliseconds next_highest_check{0};
};

struct core::snapshot_receive {
  snapshot_meta meta;
  std::uint64_t epoch = 0;
  std::string data;                            // the contiguous prefix received
  std::map<std::uint64_t, std::string> ahead;  // reordered chunks past a gap (bounded)
  std::optional<std::uint64_t> size;           // known once the `done` chunk arrived
};

struct core::bootstrap_state {
  std::string uuid;
  std::vector<member> members;
  std::set<node_id> accepted;
  milliseconds next_send{0};
};

}  // namespace vote::consensus
