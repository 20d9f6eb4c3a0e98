// check_data_dir(): is a data directory complete? (DESIGN.md §8, docs/storage.md "Missing data").
//
// A crash can only damage the unsynced end of the last WAL segment (the torn tail recovery cuts
// off). Anything else missing, a deleted segment, snapshot or log, was done to the directory
// after the fact and may hold acknowledged votes: a server must not start on it, because
// forming a majority with such servers silently loses what the cluster acknowledged. The check
// reports every such finding:
//   - a damaged file (corruption_error of any loader: WAL, snapshot, node, promise, manifest);
//   - the manifest records a snapshot up to C but the latest snapshot is older or missing;
//   - a gap between the snapshot (or index 0) and the first log index;
//   - a missing segment in the chain, or the manifest's last segment missing;
//   - the log (with the snapshot) ends below the manifest's durable_index;
//   - a cluster identity or a promise, but no log at all (and no manifest or no snapshot).
// It is read-only: it never creates, writes or removes anything (a torn tail that a start would
// cut is only reported), so it can run on a copy or on a stopped server's directory.
// Threading: a free function; no state. I/O errors (other than "missing") throw system_error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vote/storage/file_system.hpp"
#include "vote/storage/meta.hpp"
#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal.hpp"

namespace vote::storage {

struct data_dir_report {
  std::vector<std::string> damage;  // what is missing or damaged, one finding each; empty: healthy
  std::optional<node_identity> identity;
  bool has_promise = false;
  std::optional<std::uint64_t> snapshot_index;  // the latest snapshot's last index
  // That snapshot as read and checked, so that a starting server reads it once.
  std::optional<snapshot> latest_snapshot;
  wal_layout log;
  bool healthy() const { return damage.empty(); }
};

// Checks `data_dir` (its WAL in data_dir/wal, its manifest in data_dir) without modifying it.
data_dir_report check_data_dir(file_system& fs, const std::string& data_dir);

}  // namespace vote::storage
