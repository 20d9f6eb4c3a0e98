// One node's simulated storage: what survives a crash (DESIGN.md §8, STYLE.md 5).
//
// The disk holds the durable `persisted_state` a restarted core is built from. It changes only
// when a write completes: write() applies the persist part of one core output in the contract's
// order (cluster_uuid, promise, install_snapshot, truncate_from, entries), and compact() records
// a snapshot the node took. The node (node.hpp) decides *when* a write completes — after a random
// delay, in output order — and holds the output's messages until then, so a crash loses every
// write not yet completed together with the messages that depended on it.
//
// Invariant: state().log is dense and starts right after state().snapshot (or at index 1).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "vote/core/consensus.hpp"

namespace vote::sim {

class disk {
 public:
  explicit disk(std::uint64_t incarnation = 0) : incarnation_(incarnation) {}

  std::uint64_t incarnation() const noexcept { return incarnation_; }
  const consensus::persisted_state& state() const noexcept { return state_; }
  std::uint64_t last_index() const noexcept;
  // True when entry (index, epoch) is durable: in the log, or covered by the snapshot.
  bool holds(std::uint64_t index, std::uint64_t epoch) const;
  // Epoch of the durable entry at `index` (the snapshot's last included too); nullopt if none.
  std::optional<std::uint64_t> epoch_at(std::uint64_t index) const;
  std::uint64_t last_epoch() const noexcept;

  // Applies the persist part of `out`. Returns an error text when the output breaks the persist
  // contract (entries not dense after truncation, truncating into the snapshot), else nullopt.
  std::optional<std::string> write(const consensus::output& out);
  // The node wrote a snapshot of its state machine: the log prefix it covers is dropped.
  void compact(const consensus::snapshot_meta& meta, std::shared_ptr<const std::string> data);
  // Disk loss: a new empty data directory with a new incarnation.
  void wipe(std::uint64_t new_incarnation);

 private:
  std::uint64_t first_index() const noexcept;

  std::uint64_t incarnation_;
  consensus::persisted_state state_;
};

// True when the output asks for anything to be persisted.
bool has_persist(const consensus::output& out) noexcept;

}  // namespace vote::sim
