// The simulator's own copy of one node's log, rebuilt from the core's outputs (DESIGN.md §5.6).
//
// The checker never reads the core's internals: it sees what the core told the driver to
// persist (truncate, append, install or compact to a snapshot). A node keeps two of these: the
// log as the core believes it (updated when an output is taken) and the durable one (updated
// when the simulated disk completes that output's write); a crash keeps only the durable one.
//
// Invariant: entries are dense, entries_[k].index == base_index_ + 1 + k; the snapshot covers
// every index <= base_index_, and base_epoch_ is the epoch of entry base_index_ (0 if none).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vote/core/log_entry.hpp"

namespace vote::sim {

// A 64-bit digest of an entry's kind and payload: with (index, epoch) it names the entry.
std::uint64_t entry_digest(const log_entry& e);

class log_model {
 public:
  std::uint64_t base_index() const noexcept { return base_index_; }
  std::uint64_t base_epoch() const noexcept { return base_epoch_; }
  std::uint64_t last_index() const noexcept { return base_index_ + entries_.size(); }
  std::uint64_t last_epoch() const noexcept;
  // The epoch of `index`: from the entry, or base_epoch() at base_index(); nullopt otherwise.
  std::optional<std::uint64_t> epoch_at(std::uint64_t index) const;
  // nullptr when compacted or beyond the end.
  const log_entry* entry_at(std::uint64_t index) const;
  const std::vector<log_entry>& entries() const noexcept { return entries_; }

  // Drops every entry with index >= `index` (no-op past the end). Returns false when `index` is
  // inside the snapshot (a committed prefix cannot be truncated).
  bool truncate_from(std::uint64_t index);
  // Appends `e`, which must be at last_index() + 1 (else returns false and changes nothing).
  bool append(const log_entry& e);
  // A snapshot up to (index, epoch): keeps the entries after it when the log holds (index, epoch),
  // otherwise the log becomes empty after the snapshot.
  void install_snapshot(std::uint64_t index, std::uint64_t epoch);
  // An empty log continuing after a snapshot up to (index, epoch).
  void reset(std::uint64_t index, std::uint64_t epoch);

 private:
  std::uint64_t base_index_ = 0;
  std::uint64_t base_epoch_ = 0;
  std::vector<log_entry> entries_;
};

}  // namespace vote::sim
