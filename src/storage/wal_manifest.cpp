// wal: keeping wal-manifest (include/vote/storage/meta.hpp, docs/storage.md "The WAL manifest").
// Every value written is a lower bound of what is on disk: raised only after what it describes
// is durable, lowered before anything it describes is removed.
#include <algorithm>

#include "vote/storage/wal.hpp"

namespace vote::storage {

std::string wal::manifest_dir() const {
  return options_.manifest_dir.empty() ? dir_ : options_.manifest_dir;
}

std::error_code wal::save_manifest(const wal_manifest& m) {
  if (read_only_ || m == manifest_) return {};
  if (auto ec = save_wal_manifest(fs_, manifest_dir(), m)) return fail(ec);
  manifest_ = m;
  return {};
}

std::error_code wal::checkpoint() {
  if (auto ec = sync()) return ec;
  wal_manifest m = manifest_;
  m.last_segment = segments_.back().first_index;
  m.durable_index = std::max(m.durable_index, durable_index_);
  return save_manifest(m);
}

std::error_code wal::lower_manifest_for_truncation(std::uint64_t from_index) {
  // The segment that will be the last one: the newest that starts below from_index (or the
  // first, which truncate_suffix never removes).
  std::uint64_t last = segments_.front().first_index;
  for (const segment& seg : segments_) {
    if (seg.first_index < from_index) last = seg.first_index;
  }
  wal_manifest m = manifest_;
  m.last_segment = std::min(m.last_segment, last);
  m.durable_index = std::min(m.durable_index, from_index - 1);
  durable_index_ = std::min(durable_index_, from_index - 1);
  return save_manifest(m);
}

std::uint64_t wal::covered_index(std::uint64_t log_last) const {
  // What the log and the snapshot the caller opened it after (first_index - 1) hold together.
  return std::max(log_last, options_.first_index - 1);
}

}  // namespace vote::storage
