// The peer messages of the consensus protocol (DESIGN.md §4, §5) and their codec.
//
// Every message travels in an `envelope` naming sender (id and incarnation), receiver and the
// cluster UUID; a core drops envelopes of another cluster and ignores promises and acks whose
// (from, from_incarnation) is not in its configuration. Field names are the algorithm's words
// (STYLE.md 10) and are also the JSON keys of the codec.
// Messages are built with designated initializers naming the fields they set, in declaration
// order (STYLE.md 17: `append_reply{.epoch = e, .ok = false, ...}`), so that a trace reads as
// the protocol; every field has a default (`{}` for lists and strings) so the others may be left
// out.
// Codec: encode_envelope() writes append and append_reply, the messages every vote costs, in a
// compact binary form (docs/protocol.md §7 "Peer links"), every other message as one JSON
// object (entry payloads and snapshot chunks in base64). decode_envelope() reads both forms (an
// append in JSON from an older peer too); it is pure and safe on hostile input: it never throws,
// refuses unknown types, wrong field types, lists over max_list_size and cluster UUIDs over
// max_cluster_uuid_size, and returns nullopt then.
// Threading: plain values. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vote/core/consensus_config.hpp"
#include "vote/core/log_entry.hpp"

namespace vote::consensus {

// §5.2 LCR ring round. `visited`: non-sticky nodes that saw this uid; `skipped`: members a hop
// skipped because they refused or did not acknowledge in time (their uid counts as lower).
struct election {
  std::uint64_t round = 0;
  node_id uid = 0;
  std::vector<node_id> visited{};
  std::vector<node_id> skipped{};
  friend bool operator==(const election&, const election&) = default;
};
// Hop acknowledgement of one `election` message (sent back to the previous hop at once).
struct election_ack {
  std::uint64_t round = 0;
  node_id uid = 0;
  friend bool operator==(const election_ack&, const election_ack&) = default;
};
// A serving leader's answer to a round message: "I am alive, reconnect instead".
struct leader_alive {
  node_id id = 0;
  std::uint64_t epoch = 0;
  std::string endpoint{};
  friend bool operator==(const leader_alive&, const leader_alive&) = default;
};

// §5.3 takeover. `handover`: sent after a timeout_now; bypasses stickiness.
struct prepare {
  std::uint64_t epoch = 0;
  node_id candidate = 0;
  bool handover = false;
  friend bool operator==(const prepare&, const prepare&) = default;
};
// Sent only after (epoch, candidate) and the log it describes are durable.
struct promise {
  std::uint64_t epoch = 0;
  std::uint64_t last_log_epoch = 0;
  std::uint64_t last_log_index = 0;
  friend bool operator==(const promise&, const promise&) = default;
};
// "Not you": the receiver's persisted promise (also the answer of a sticky node).
struct reject {
  std::uint64_t promised_epoch = 0;
  node_id promised_to = 0;
  friend bool operator==(const reject&, const reject&) = default;
};
// The candidate of `epoch` asks its best promiser for entries from `from_index` on.
struct fetch {
  std::uint64_t epoch = 0;
  std::uint64_t from_index = 0;
  friend bool operator==(const fetch&, const fetch&) = default;
};
// ok=false: the promiser no longer holds the promise of `epoch` to the asker, or
// `snapshot_needed` without a `snapshot` (from_index is compacted away and it has no snapshot
// to send). On ok, `entries` run from from_index to the promiser's last entry — or, when
// from_index is compacted away (`snapshot_needed` and `snapshot` set), from
// snapshot->last_index + 1, after the promiser's snapshot (`snapshot`, `snapshot_data`): the
// asker installs it first. A fetch_reply without the two snapshot fields (an older peer) decodes
// as before; an older asker treats a reply with a snapshot as a failed fetch (entries do not
// start at from_index) and hands the candidacy over as it did before.
struct fetch_reply {
  std::uint64_t epoch = 0;
  bool ok = false;
  bool snapshot_needed = false;
  std::vector<log_entry> entries{};
  std::optional<snapshot_meta> snapshot{};
  std::string snapshot_data{};
  friend bool operator==(const fetch_reply&, const fetch_reply&) = default;
};

// §5.4 replication. `seq` is a per-leader counter echoed by the reply (pipelining, read index).
struct append {
  std::uint64_t epoch = 0;
  node_id leader = 0;
  std::uint64_t prev_index = 0;
  std::uint64_t prev_epoch = 0;
  std::vector<log_entry> entries{};
  std::uint64_t commit_index = 0;
  std::uint64_t seq = 0;
  friend bool operator==(const append&, const append&) = default;
};
// ok: match_index = prev_index + entries.size() (never the follower's own last index).
// !ok: `epoch` is the follower's promised epoch (higher than the leader's: step down) or the
// leader's epoch with a log mismatch; last_index_hint is where the leader should retry from.
// promised_to: set (to the follower's promised_to) when the follower refused the leader's epoch
// itself — it promised that very epoch to another candidate; 0 otherwise.
struct append_reply {
  std::uint64_t epoch = 0;
  bool ok = false;
  std::uint64_t match_index = 0;
  std::uint64_t last_index_hint = 0;
  std::uint64_t seq = 0;
  node_id promised_to = 0;
  friend bool operator==(const append_reply&, const append_reply&) = default;
};
// Handover: "prepare epoch + 1 now, with the handover token".
struct timeout_now {
  std::uint64_t epoch = 0;
  friend bool operator==(const timeout_now&, const timeout_now&) = default;
};
// §5.5 snapshot transfer in chunks; `data` is bytes [offset, offset + data.size()).
struct install_snapshot {
  std::uint64_t epoch = 0;
  node_id leader = 0;
  snapshot_meta meta{};
  std::uint64_t offset = 0;
  std::string data{};
  bool done = false;
  friend bool operator==(const install_snapshot&, const install_snapshot&) = default;
};
// next_offset: bytes received so far (the next chunk the follower wants). done: the follower
// holds everything up to last_index (installed, or already committed there).
struct snapshot_reply {
  std::uint64_t epoch = 0;
  bool ok = false;
  std::uint64_t next_offset = 0;
  std::uint64_t last_index = 0;
  bool done = false;
  friend bool operator==(const snapshot_reply&, const snapshot_reply&) = default;
};

// §4 bootstrap: the proposer needs `accepted` from every listed member.
struct bootstrap_propose {
  std::string uuid{};
  std::vector<member> members{};
  friend bool operator==(const bootstrap_propose&, const bootstrap_propose&) = default;
};
struct bootstrap_reply {
  std::string uuid{};
  bool accepted = false;
  friend bool operator==(const bootstrap_reply&, const bootstrap_reply&) = default;
};

using message_body =
    std::variant<election, election_ack, leader_alive, prepare, promise, reject, fetch, fetch_reply,
                 append, append_reply, timeout_now, install_snapshot, snapshot_reply,
                 bootstrap_propose, bootstrap_reply>;

struct envelope {
  node_id from = 0;
  std::uint64_t from_incarnation = 0;
  node_id to = 0;
  std::string cluster_uuid{};  // empty only in bootstrap messages of a not-yet-formed cluster
  message_body body{};
  friend bool operator==(const envelope&, const envelope&) = default;
};

// The JSON "type" of a body, e.g. "append_reply" (also handy in logs).
std::string_view message_type(const message_body& body) noexcept;

// Longest list (entries, visited, skipped, members) a decoder accepts.
inline constexpr std::size_t max_list_size = 100'000;
// Longest cluster UUID a decoder accepts (a UUID is 36 characters).
inline constexpr std::size_t max_cluster_uuid_size = 64;

std::string encode_envelope(const envelope& e);
std::optional<envelope> decode_envelope(std::string_view bytes) noexcept;

}  // namespace vote::consensus
