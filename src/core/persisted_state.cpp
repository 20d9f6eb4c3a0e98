// Carrying out persist jobs on a persisted_state (include/vote/core/consensus.hpp).
#include <algorithm>

#include "vote/core/consensus.hpp"

namespace vote::consensus {
namespace {

std::uint64_t first_index(const persisted_state& s) noexcept {
  return s.snapshot ? s.snapshot->last_index + 1 : 1;
}

std::uint64_t last_index(const persisted_state& s) noexcept {
  return first_index(s) + s.log.size() - 1;
}

}  // namespace

std::optional<std::string> persist_into(persisted_state& state, const persist_job& job) {
  if (job.cluster_uuid) state.cluster_uuid = *job.cluster_uuid;
  if (job.promise) {
    if (job.promise->epoch < state.promise.epoch) {
      return "promise lowered from epoch " + std::to_string(state.promise.epoch) + " to " +
             std::to_string(job.promise->epoch);
    }
    state.promise = *job.promise;
  }
  if (job.install_snapshot) {
    state.snapshot = job.install_snapshot->meta;
    state.snapshot_data = job.install_snapshot->data;
    state.log.clear();
  }
  if (job.truncate_from) {
    const auto from = *job.truncate_from;
    if (from < first_index(state)) {
      return "truncate_from " + std::to_string(from) + " is inside the snapshot";
    }
    if (from <= last_index(state)) state.log.resize(from - first_index(state));
  }
  for (const auto& e : job.entries) {
    if (e.index != last_index(state) + 1) {
      return "entry " + std::to_string(e.index) + " appended after " +
             std::to_string(last_index(state)) + " (log not dense)";
    }
    state.log.push_back(e);
  }
  return std::nullopt;
}

void compact_into(persisted_state& state, const snapshot_meta& meta,
                  std::shared_ptr<const std::string> data) {
  if (state.snapshot && state.snapshot->last_index >= meta.last_index) return;
  const auto first = first_index(state);
  const auto drop = std::min<std::uint64_t>(
      state.log.size(), meta.last_index >= first ? meta.last_index - first + 1 : 0);
  state.log.erase(state.log.begin(), state.log.begin() + static_cast<std::ptrdiff_t>(drop));
  state.snapshot = meta;
  state.snapshot_data = std::move(data);
}

}  // namespace vote::consensus
