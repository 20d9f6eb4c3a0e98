// The small records the consensus core shares with every other layer: storage persists them,
// the node machine carries them, the wire and the status views report them. One type per concept
// (STYLE.md 16): nothing else in the tree mirrors these.
//
// `persist_job` is the one description of "what to persist": the persist part of a core output
// (consensus.hpp "1. Persist"), carried out in its field order by the log writer (the product)
// and the simulated disk (the simulator) alike.
// Threading: plain values. Pure: no I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vote/core/consensus_config.hpp"
#include "vote/core/log_entry.hpp"

namespace vote::consensus {

// A log position: the entry at `index`, created in `epoch`.
struct entry_id {
  std::uint64_t index = 0;
  std::uint64_t epoch = 0;
  friend bool operator==(const entry_id&, const entry_id&) = default;
};

// The leader a node follows (or is), and the epoch in which it saw it lead. id 0: none known.
// Discovery answers (`leader_is`), hellos, the status views and the client's discovery result
// carry this record (the wire codecs map it to their JSON keys).
struct leader_info {
  node_id id = 0;
  std::uint64_t epoch = 0;
  std::string endpoint;  // "ip:port" of its listener; may be empty when only the id is known
  friend bool operator==(const leader_info&, const leader_info&) = default;
};

// (promised_epoch, promised_to): the highest epoch this node accepted and the candidate it
// accepted it from (DESIGN.md §5). Persisted in the data directory's `promise` file.
struct promise_record {
  std::uint64_t epoch = 0;
  node_id to = 0;  // 0: none
  friend bool operator==(const promise_record&, const promise_record&) = default;
};

// A snapshot to install (received from the leader, or a candidate's adopted log): write it, then
// restart the log right after meta.last_index.
struct snapshot_install {
  snapshot_meta meta;
  std::shared_ptr<const std::string> data;
};

// What one core output makes durable, in the order it must be made durable: the cluster UUID
// (joined or bootstrapped: before anything else), the promise, a snapshot install (which
// discards the whole log), a truncation (delete entries with index >= truncate_from), then the
// new entries (dense, continuing the log after the truncation).
struct persist_job {
  std::optional<std::string> cluster_uuid;
  std::optional<promise_record> promise;
  std::optional<snapshot_install> install_snapshot;
  std::optional<std::uint64_t> truncate_from;
  std::vector<log_entry> entries;

  bool empty() const noexcept { return !has_meta() && entries.empty(); }
  // Something other than log entries: what no message may describe before it is durable (the
  // node machine's send-ahead rule never lets a message pass such a job).
  bool has_meta() const noexcept {
    return cluster_uuid || promise || install_snapshot || truncate_from;
  }
  // The last entry appended, 0 when none.
  std::uint64_t last_entry() const noexcept { return entries.empty() ? 0 : entries.back().index; }
};

}  // namespace vote::consensus
