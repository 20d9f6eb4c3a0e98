// wal recovery: opening a WAL directory, checking every segment, cutting off a torn tail.
// The rules (docs/storage.md, "Recovery"): only the last segment may end in a torn record,
// which is cut off durably; anything else that fails a check throws corruption_error.
#include <algorithm>
#include <stdexcept>

#include "storage_log.hpp"
#include "vote/storage/wal.hpp"
#include "vote/storage/wal_record.hpp"

namespace vote::storage {
namespace {

void throw_if(std::error_code ec, const std::string& what) {
  if (ec) throw std::system_error(ec, "wal: " + what);
}

[[noreturn]] void corrupt(const std::string& path, std::uint64_t offset, const std::string& what) {
  detail::logger()->critical("wal: corruption in {} at offset {}: {}", path, offset, what);
  throw corruption_error(path, offset, what);
}

// Reads the segment header record at offset 0; nullopt if it is missing or bad.
std::optional<wal_segment_header> read_header(std::string_view data, std::uint64_t& next) {
  const wal_record_view rec = read_wal_record(data, 0);
  if (rec.status != wal_read_status::ok) return std::nullopt;
  if (rec.type != static_cast<std::uint8_t>(wal_record_type::segment_header)) {
    return std::nullopt;
  }
  next = rec.next_offset;
  return decode_segment_header(rec.payload);
}

}  // namespace

std::unique_ptr<wal> wal::open(file_system& fs, std::string dir, wal_options options,
                               wal_recovery& out) {
  if (options.segment_bytes == 0 || options.first_index == 0) {
    throw std::invalid_argument("wal_options: segment_bytes and first_index must be positive");
  }
  out = wal_recovery{};
  std::unique_ptr<wal> log(new wal(fs, std::move(dir), options));
  log->recover(out);
  return log;
}

wal_layout wal::inspect(file_system& fs, std::string dir, wal_options options) {
  if (options.first_index == 0) throw std::invalid_argument("wal_options: first_index is 0");
  std::unique_ptr<wal> log(new wal(fs, std::move(dir), options));
  log->read_only_ = true;
  wal_recovery rec;
  log->recover(rec);
  wal_layout layout;
  layout.segments = log->segments_.size();
  if (!log->segments_.empty()) {
    layout.first_index = log->first_index();
    layout.last_segment = log->segments_.back().first_index;
    layout.last_index = log->last_index();
  }
  layout.manifest = log->loaded_manifest_;
  layout.truncated_bytes = rec.truncated_bytes;
  layout.removed_files = std::move(rec.removed_files);
  return layout;
}

void wal::recover(wal_recovery& out) {
  std::vector<std::string> names;
  if (!read_only_) throw_if(fs_.create_dirs(dir_), "cannot create " + dir_);
  if (auto ec = fs_.list_dir(dir_, names)) {
    if (!read_only_ || ec != std::errc::no_such_file_or_directory) {
      throw_if(ec, "cannot list " + dir_);
    }
  }
  loaded_manifest_ = load_wal_manifest(fs_, manifest_dir());
  manifest_ = loaded_manifest_.value_or(wal_manifest{});
  std::vector<std::pair<std::uint64_t, std::string>> found;
  for (auto& name : names) {
    if (auto index = parse_segment_file_name(name)) found.emplace_back(*index, std::move(name));
  }
  std::sort(found.begin(), found.end());
  for (std::size_t i = 0; i < found.size(); ++i) {
    load_segment(found[i].second, found[i].first, i + 1 == found.size(), out);
  }
  check_manifest();
  if (read_only_) return;
  finish_open();
  detail::logger()->info("wal: opened {}: entries [{}, {}], last_epoch {}, {} segment(s)", dir_,
                         first_index(), last_index(), last_epoch(), segments_.size());
}

void wal::finish_open() {
  if (segments_.empty()) {
    throw_if(start_segment(options_.first_index, options_.prev_epoch, true),
             "cannot create the first segment in " + dir_);
  } else {
    if (!active_) throw_if(open_active(), "cannot open the last segment in " + dir_);
    // What a crashed process wrote may be in the page cache only: durable before it is claimed.
    throw_if(active_->sync(), "cannot sync the last segment in " + dir_);
    throw_if(fs_.sync_dir(dir_), "cannot sync " + dir_);
    durable_index_ = last_index();
  }
  wal_manifest m = manifest_;
  m.last_segment = segments_.back().first_index;
  m.durable_index = std::max(m.durable_index, covered_index(last_index()));
  m.compacted_index = std::max(m.compacted_index, first_index() - 1);
  throw_if(save_manifest(m), "cannot write the manifest in " + manifest_dir());
}

void wal::load_segment(const std::string& name, std::uint64_t name_index, bool is_last,
                       wal_recovery& out) {
  const std::string path = dir_ + "/" + name;
  std::string data;
  throw_if(fs_.read_file(path, data), "cannot read " + path);
  std::uint64_t offset = 0;
  const std::optional<wal_segment_header> header = read_header(data, offset);
  if (!header) {
    if (is_last && (data.empty() || is_torn_tail(data, 0))) {
      // Created, but its header never reached the disk: it holds no entry. Remove it durably,
      // unless the manifest says it was durable (then a crash cannot explain it).
      if (loaded_manifest_ && name_index <= loaded_manifest_->last_segment) {
        corrupt(path, 0,
                "the header of a segment that the manifest records as durable is missing or "
                "damaged");
      }
      if (!read_only_) {
        detail::logger()->warn("wal: removing {} ({} bytes): its header is torn", path,
                               data.size());
        throw_if(fs_.remove(path), "cannot remove " + path);
        throw_if(fs_.sync_dir(dir_), "cannot sync " + dir_);
      }
      out.removed_files.push_back(path);
      out.truncated_bytes += data.size();
      return;
    }
    corrupt(path, 0, "missing or damaged segment header");
  }
  if (header->first_index != name_index) {
    corrupt(path, 0,
            "the header says first index " + std::to_string(header->first_index) +
                " but the file name says " + std::to_string(name_index));
  }
  segment seg{header->first_index, header->prev_epoch, 0, {}};
  check_chain(seg, path);
  seg.size = scan_entries(path, data, offset, is_last, seg, out);
  const std::uint64_t end = seg.size;
  segments_.push_back(std::move(seg));
  if (end < data.size()) {
    check_cut(segments_.back(), path, end);
    cut_torn_tail(path, end, data.size(), out);
  }
}

std::uint64_t wal::scan_entries(const std::string& path, std::string_view data,
                                std::uint64_t offset, bool is_last, segment& seg,
                                wal_recovery& out) {
  for (;;) {
    const wal_record_view rec = read_wal_record(data, offset);
    if (rec.status == wal_read_status::end) return offset;
    if (rec.status == wal_read_status::bad) {
      if (is_last && is_torn_tail(data, offset)) return offset;
      corrupt(path, offset,
              is_last ? "a damaged record followed by more data (not a torn tail)"
                      : "a damaged record in a segment that is not the last one");
    }
    if (rec.type != static_cast<std::uint8_t>(wal_record_type::entry)) {
      corrupt(path, offset, "unexpected record type " + std::to_string(rec.type));
    }
    std::optional<log_entry> e = decode_log_entry(rec.payload);
    if (!e) corrupt(path, offset, "a record with a valid checksum holds no valid log entry");
    const std::uint64_t expected = seg.first_index + seg.entries.size();
    if (e->index != expected) {
      corrupt(path, offset,
              "entry index " + std::to_string(e->index) + " where " + std::to_string(expected) +
                  " was expected (indexes must be dense)");
    }
    seg.entries.push_back({offset, e->epoch});
    if (!read_only_) out.entries.push_back(std::move(*e));
    offset = rec.next_offset;
  }
}

void wal::cut_torn_tail(const std::string& path, std::uint64_t offset, std::uint64_t size,
                        wal_recovery& out) {
  out.truncated_bytes += size - offset;
  if (read_only_) return;
  detail::logger()->warn("wal: cutting a torn tail of {} bytes off {} at offset {}", size - offset,
                         path, offset);
  throw_if(fs_.truncate(path, offset), "cannot truncate " + path);
  throw_if(open_active(), "cannot open " + path);
  throw_if(active_->sync(), "cannot sync " + path);
}

void wal::check_chain(const segment& seg, const std::string& path) const {
  if (segments_.empty()) return;
  const segment& prev = segments_.back();
  if (seg.first_index != prev.last_index() + 1) {
    corrupt(path, 0,
            "the segment starts at index " + std::to_string(seg.first_index) +
                " but the previous one ends at " + std::to_string(prev.last_index()) +
                " (a segment is missing or extra)");
  }
  if (seg.prev_epoch != prev.last_epoch()) {
    corrupt(path, 0,
            "the header says the previous entry has epoch " + std::to_string(seg.prev_epoch) +
                " but it has epoch " + std::to_string(prev.last_epoch()));
  }
}

void wal::check_cut(const segment& seg, const std::string& path, std::uint64_t offset) const {
  // A torn tail holds only what was never synced; the manifest's durable_index was synced.
  if (!loaded_manifest_ || covered_index(seg.last_index()) >= loaded_manifest_->durable_index) {
    return;
  }
  corrupt(path, offset,
          "a damaged record after index " + std::to_string(seg.last_index()) +
              ", but the manifest records every index up to " +
              std::to_string(loaded_manifest_->durable_index) +
              " as durable: this is not a torn tail of an interrupted write");
}

void wal::check_manifest() const {
  if (!loaded_manifest_) return;
  const wal_manifest& m = *loaded_manifest_;
  const std::string path = manifest_dir() + "/" + wal_manifest_file_name;
  const std::uint64_t last_segment = segments_.empty() ? 0 : segments_.back().first_index;
  if (m.last_segment > last_segment) {
    corrupt(dir_, 0,
            "the WAL segment " + segment_file_name(m.last_segment) + " is missing: " + path +
                " records it as durable, but the log " +
                (segments_.empty() ? std::string("has no segment at all")
                                   : "ends with segment " + segment_file_name(last_segment)));
  }
  const std::uint64_t log_last = segments_.empty() ? 0 : last_index();
  const std::uint64_t covered = covered_index(log_last);
  if (covered < m.durable_index) {
    corrupt(dir_, 0,
            "the log (with the snapshot) ends at index " + std::to_string(covered) + " but " +
                path + " records every index up to " + std::to_string(m.durable_index) +
                " as durable: entries " + std::to_string(covered + 1) + ".." +
                std::to_string(m.durable_index) + " are missing");
  }
}

}  // namespace vote::storage
