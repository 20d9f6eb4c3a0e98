// wal: appending, syncing, truncating and compacting (recovery is in wal_recovery.cpp).
#include "vote/storage/wal.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "storage_log.hpp"
#include "vote/storage/wal_record.hpp"

namespace vote::storage {

wal::wal(file_system& fs, std::string dir, wal_options options)
    : fs_(fs), dir_(std::move(dir)), options_(options) {}

wal::~wal() = default;

std::uint64_t wal::first_index() const {
  return segments_.empty() ? 0 : segments_.front().first_index;
}

std::uint64_t wal::last_index() const {
  return segments_.empty() ? 0 : segments_.back().last_index();
}

std::uint64_t wal::last_epoch() const {
  return segments_.empty() ? 0 : segments_.back().last_epoch();
}

std::optional<std::uint64_t> wal::epoch_at(std::uint64_t index) const {
  if (segments_.empty() || index + 1 < first_index() || index > last_index()) return std::nullopt;
  if (index + 1 == first_index()) return segments_.front().prev_epoch;
  auto it = std::upper_bound(segments_.begin(), segments_.end(), index,
                             [](std::uint64_t i, const segment& s) { return i < s.first_index; });
  const segment& seg = *std::prev(it);
  return seg.entries[index - seg.first_index].epoch;
}

std::error_code wal::append(const std::vector<log_entry>& entries) {
  if (auto ec = check_usable()) return ec;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    if (entries[k].index != last_index() + 1 + k) {
      throw std::logic_error("wal::append: entry index " + std::to_string(entries[k].index) +
                             " is not dense after " + std::to_string(last_index()));
    }
  }
  std::size_t i = 0;
  while (i < entries.size()) {
    // Take as many entries as fit in the active segment; roll when not even one fits.
    const segment& seg = segments_.back();
    std::size_t j = i;
    std::uint64_t bytes = 0;
    for (; j < entries.size(); ++j) {
      const std::uint64_t size = entry_record_size(entries[j]);
      const bool has_entries = !seg.entries.empty() || j > i;
      if (has_entries && seg.size + bytes + size > options_.segment_bytes) break;
      bytes += size;
    }
    if (j == i) {
      if (auto ec = roll()) return ec;
      continue;
    }
    if (auto ec = write_batch(entries, i, j)) return ec;
    i = j;
  }
  return {};
}

std::error_code wal::write_batch(const std::vector<log_entry>& entries, std::size_t from,
                                 std::size_t to) {
  // One buffer, one write(): a batch is the unit of group commit.
  segment& seg = segments_.back();
  std::string buffer;
  std::size_t bytes = 0;
  for (std::size_t k = from; k < to; ++k) bytes += entry_record_size(entries[k]);
  buffer.reserve(bytes);
  for (std::size_t k = from; k < to; ++k) {
    seg.entries.push_back({seg.size + buffer.size(), entries[k].epoch});
    append_entry_record(entries[k], buffer);
  }
  if (auto ec = active_->append(buffer)) return fail(ec);
  seg.size += buffer.size();
  unsynced_ = true;
  return {};
}

std::error_code wal::sync() {
  if (auto ec = check_usable()) return ec;
  if (unsynced_) {
    if (auto ec = active_->sync()) return fail(ec);
    unsynced_ = false;
  }
  durable_index_ = last_index();
  if (dir_dirty_) {
    if (auto ec = fs_.sync_dir(dir_)) return fail(ec);
    dir_dirty_ = false;
    // A new segment is durable now: the manifest may say so (once per roll, never per append).
    wal_manifest m = manifest_;
    m.last_segment = segments_.back().first_index;
    m.durable_index = std::max(m.durable_index, durable_index_);
    if (auto ec = save_manifest(m)) return ec;
  }
  return {};
}

std::error_code wal::roll() {
  // The old segment, whole and durable, and its directory entry come first: a later segment
  // must never be on disk while an earlier one may still lose its tail (that would be a gap).
  if (auto ec = sync()) return ec;
  return start_segment(last_index() + 1, last_epoch(), false);
}

std::error_code wal::start_segment(std::uint64_t first_index, std::uint64_t prev_epoch,
                                   bool durable) {
  segment seg{first_index, prev_epoch, 0, {}};
  std::unique_ptr<writable_file> file;
  if (auto ec = fs_.open_appendable(path_of(seg), file)) return fail(ec);
  std::string header;
  append_segment_header_record({first_index, prev_epoch}, header);
  if (auto ec = file->append(header)) return fail(ec);
  seg.size = header.size();
  segments_.push_back(std::move(seg));
  active_ = std::move(file);
  unsynced_ = true;
  dir_dirty_ = true;
  return durable ? sync() : std::error_code{};
}

std::error_code wal::truncate_suffix(std::uint64_t from_index) {
  if (auto ec = check_usable()) return ec;
  if (from_index > last_index()) return {};
  if (from_index < first_index()) {
    throw std::logic_error("wal::truncate_suffix: index " + std::to_string(from_index) +
                           " is below first_index " + std::to_string(first_index()));
  }
  // The manifest is lowered first: it must never claim what is about to be removed.
  if (auto ec = lower_manifest_for_truncation(from_index)) return ec;
  // Newest segment first, each removal durable before the next: what is left is always dense.
  while (segments_.size() > 1 && segments_.back().first_index >= from_index) {
    active_.reset();
    if (auto ec = remove_segment_file(segments_.back())) return ec;
    segments_.pop_back();
  }
  segment& seg = segments_.back();
  const std::uint64_t keep = from_index - seg.first_index;
  if (keep < seg.entries.size()) {
    const std::uint64_t offset = seg.entries[keep].offset;
    if (auto ec = fs_.truncate(path_of(seg), offset)) return fail(ec);
    seg.entries.resize(keep);
    seg.size = offset;
  }
  if (!active_) {
    if (auto ec = open_active()) return ec;
  }
  // Durable now: later appends reuse these offsets, and a crash must never mix old and new bytes.
  unsynced_ = true;
  return sync();
}

std::error_code wal::drop_prefix(std::uint64_t up_to_index) {
  if (auto ec = check_usable()) return ec;
  if (up_to_index >= last_index() && !segments_.back().entries.empty()) {
    // Everything goes: an empty segment at last_index() + 1 keeps the next index and its epoch.
    if (auto ec = roll()) return ec;
    if (auto ec = sync()) return ec;
  }
  // Oldest segment first, each removal durable before the next: what is left is always dense.
  while (segments_.size() > 1 && segments_.front().last_index() <= up_to_index) {
    if (auto ec = remove_segment_file(segments_.front())) return ec;
    segments_.erase(segments_.begin());
  }
  // The caller's snapshot covers up_to_index (it was durable before this call).
  wal_manifest m = manifest_;
  m.compacted_index = std::max(m.compacted_index, up_to_index);
  m.durable_index = std::max(m.durable_index, durable_index_);
  return save_manifest(m);
}

std::error_code wal::reset(std::uint64_t next_index, std::uint64_t prev_epoch) {
  if (auto ec = check_usable()) return ec;
  if (next_index == 0) throw std::logic_error("wal::reset: next_index must be positive");
  // First the manifest forgets the segments (the caller's snapshot at next_index - 1 is durable).
  wal_manifest m = manifest_;
  m.last_segment = 0;
  m.compacted_index = std::max(m.compacted_index, next_index - 1);
  m.durable_index = next_index - 1;
  if (auto ec = save_manifest(m)) return ec;
  durable_index_ = next_index - 1;
  // Newest first: a crash part-way leaves a dense prefix, or nothing (then open() starts at
  // wal_options::first_index, which the caller takes from the snapshot).
  active_.reset();
  while (!segments_.empty()) {
    if (auto ec = remove_segment_file(segments_.back())) return ec;
    segments_.pop_back();
  }
  unsynced_ = false;
  return start_segment(next_index, prev_epoch, true);
}

std::string wal::path_of(const segment& seg) const {
  return dir_ + "/" + segment_file_name(seg.first_index);
}

std::error_code wal::remove_segment_file(const segment& seg) {
  if (auto ec = fs_.remove(path_of(seg))) return fail(ec);
  if (auto ec = fs_.sync_dir(dir_)) return fail(ec);
  dir_dirty_ = false;
  return {};
}

std::error_code wal::open_active() {
  if (auto ec = fs_.open_appendable(path_of(segments_.back()), active_)) return fail(ec);
  return {};
}

std::error_code wal::fail(std::error_code ec) {
  failed_ = true;
  detail::logger()->critical("wal: I/O error in {}: {}; the log refuses further use", dir_,
                             ec.message());
  return ec;
}

std::error_code wal::check_usable() const {
  return failed_ ? std::make_error_code(std::errc::io_error) : std::error_code{};
}

}  // namespace vote::storage
