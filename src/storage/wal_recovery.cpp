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

void wal::recover(wal_recovery& out) {
  throw_if(fs_.create_dirs(dir_), "cannot create " + dir_);
  std::vector<std::string> names;
  throw_if(fs_.list_dir(dir_, names), "cannot list " + dir_);
  std::vector<std::pair<std::uint64_t, std::string>> found;
  for (auto& name : names) {
    if (auto index = parse_segment_file_name(name)) found.emplace_back(*index, std::move(name));
  }
  std::sort(found.begin(), found.end());
  for (std::size_t i = 0; i < found.size(); ++i) {
    load_segment(found[i].second, found[i].first, i + 1 == found.size(), out);
  }
  if (segments_.empty()) {
    throw_if(start_segment(options_.first_index, options_.prev_epoch, true),
             "cannot create the first segment in " + dir_);
  } else if (!active_) {
    throw_if(open_active(), "cannot open the last segment in " + dir_);
  }
  detail::logger()->info("wal: opened {}: entries [{}, {}], last_epoch {}, {} segment(s)", dir_,
                         first_index(), last_index(), last_epoch(), segments_.size());
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
      // Created, but its header never reached the disk: it holds no entry. Remove it durably.
      detail::logger()->warn("wal: removing {} ({} bytes): its header is torn", path, data.size());
      throw_if(fs_.remove(path), "cannot remove " + path);
      throw_if(fs_.sync_dir(dir_), "cannot sync " + dir_);
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
  if (end < data.size()) cut_torn_tail(path, end, data.size(), out);
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
    out.entries.push_back(std::move(*e));
    offset = rec.next_offset;
  }
}

void wal::cut_torn_tail(const std::string& path, std::uint64_t offset, std::uint64_t size,
                        wal_recovery& out) {
  detail::logger()->warn("wal: cutting a torn tail of {} bytes off {} at offset {}", size - offset,
                         path, offset);
  throw_if(fs_.truncate(path, offset), "cannot truncate " + path);
  throw_if(open_active(), "cannot open " + path);
  throw_if(active_->sync(), "cannot sync " + path);
  out.truncated_bytes += size - offset;
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

}  // namespace vote::storage
