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
  if (job.cluster_uuid) state_.cluster_uuid = *job.cluster_uuid;
  if (job.promise) {
    if (job.promise->epoch < state_.promised_epoch) {
      return "promise lowered from epoch " + std::to_string(state_.promised_epoch) + " to " +
             std::to_string(job.promise->epoch);
    }
    state_.promised_epoch = job.promise->epoch;
    state_.promised_to = job.promise->to;
  }
  if (job.install_snapshot) {
    state_.snapshot = job.install_snapshot->meta;
    state_.snapshot_data = job.install_snapshot->data;
    state_.log.clear();
  }
  if (job.truncate_from) {
    const auto from = *job.truncate_from;
    if (from < first_index()) {
      return "truncate_from " + std::to_string(from) + " is inside the snapshot";
    }
    if (from <= last_index()) state_.log.resize(from - first_index());
  }
  for (const auto& e : job.entries) {
    if (e.index != last_index() + 1) {
      return "entry " + std::to_string(e.index) + " appended after " +
             std::to_string(last_index()) + " (log not dense)";
    }
    state_.log.push_back(e);
  }
  return std::nullopt;
}

void disk::compact(const consensus::snapshot_meta& meta, std::shared_ptr<const std::string> data) {
  if (state_.snapshot && state_.snapshot->last_index >= meta.last_index) return;
  const auto drop = std::min<std::uint64_t>(
      state_.log.size(),
      meta.last_index >= first_index() ? meta.last_index - first_index() + 1 : 0);
  state_.log.erase(state_.log.begin(), state_.log.begin() + static_cast<std::ptrdiff_t>(drop));
  state_.snapshot = meta;
  state_.snapshot_data = std::move(data);
}

void disk::wipe(std::uint64_t new_incarnation) {
  incarnation_ = new_incarnation;
  fresh_ = true;
  state_ = consensus::persisted_state{};
}

}  // namespace vote::sim
