#include "vote/sim/disk.hpp"

#include <algorithm>
#include <utility>

namespace vote::sim {

std::uint64_t disk::first_index() const noexcept {
  return state_.snapshot ? state_.snapshot->last_index + 1 : 1;
}

std::uint64_t disk::last_index() const noexcept {
  return first_index() + state_.log.size() - 1;
}

bool disk::holds(std::uint64_t index, std::uint64_t epoch) const {
  if (state_.snapshot && index <= state_.snapshot->last_index) {
    return index < state_.snapshot->last_index || state_.snapshot->last_epoch == epoch;
  }
  if (index < first_index() || index > last_index()) return false;
  return state_.log[index - first_index()].epoch == epoch;
}

std::optional<std::uint64_t> disk::epoch_at(std::uint64_t index) const {
  if (state_.snapshot && index == state_.snapshot->last_index) return state_.snapshot->last_epoch;
  if (index == 0) return 0;
  if (index < first_index() || index > last_index()) return std::nullopt;
  return state_.log[index - first_index()].epoch;
}

std::uint64_t disk::last_epoch() const noexcept {
  if (!state_.log.empty()) return state_.log.back().epoch;
  return state_.snapshot ? state_.snapshot->last_epoch : 0;
}

std::optional<std::string> disk::write(const consensus::persist_job& job) {
  return consensus::persist_into(state_, job);
}

void disk::compact(const consensus::snapshot_meta& meta, std::shared_ptr<const std::string> data) {
  consensus::compact_into(state_, meta, std::move(data));
}

void disk::wipe(std::uint64_t new_incarnation) {
  incarnation_ = new_incarnation;
  fresh_ = true;
  state_ = consensus::persisted_state{};
}

}  // namespace vote::sim
