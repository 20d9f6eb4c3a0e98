// wal: the segmented write-ahead log of log entries (DESIGN.md §8, docs/storage.md).
//
// What it is: the durable copy of this node's log. Entries are dense (index == last_index() + 1
// on append), so the WAL is always one contiguous run [first_index(), last_index()], possibly
// empty (then first_index() == last_index() + 1). Entries below first_index() were compacted
// into a snapshot; every segment header records the epoch of the entry just before it, so
// last_epoch() stays known after compaction.
//
// Durability (what is fsynced before what):
//   - append() hands bytes to the OS only; nothing is durable until sync() returns success.
//     The caller acknowledges (acks, promises, commits counted on itself) only after sync();
//   - truncate_suffix(), drop_prefix() and reset() are durable when they return success
//     (truncate_suffix() also makes every earlier append durable: it syncs the log);
//   - rolling to a new segment first syncs the old one and its directory entry, so a later
//     segment never exists on disk while an earlier one still misses its tail.
// The manifest (wal-manifest in wal_options::manifest_dir; meta.hpp, docs/storage.md): the WAL
// records what it has provably made durable only at moments it fsyncs anyway (after a segment
// roll became durable, on compaction, reset and truncation; never per append), raising a value
// only after what it describes is durable and lowering one before anything is removed. open()
// and inspect() refuse (corruption_error) a log that holds less than its manifest says.
// Errors: every std::error_code returned is an I/O failure and is FATAL: the WAL refuses every
// later call (EIO) and the caller must stop the process (never retry an fsync: DESIGN.md §8).
// Programming errors (non-dense append, truncating below first_index) throw std::logic_error.
// Recovery (open) throws corruption_error for damage a crash cannot explain, and
// std::system_error for I/O errors.
// Threading: one thread (the node's writer thread) uses a wal; the file_system must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "vote/core/log_entry.hpp"
#include "vote/storage/corruption_error.hpp"
#include "vote/storage/file_system.hpp"
#include "vote/storage/meta.hpp"

namespace vote::storage {

struct wal_options {
  // A segment is rolled once the next record would take it past this size (a single record
  // larger than this gets a segment of its own). Default 64 MiB.
  std::uint64_t segment_bytes = 64ull << 20;
  // Where a WAL starts when the directory holds no segment (first start, or a crash during
  // reset()): pass the snapshot's last_index + 1 and last_epoch. Defaults: an empty log at 1.
  std::uint64_t first_index = 1;
  std::uint64_t prev_epoch = 0;
  // Where wal-manifest lives; empty: the WAL directory itself. The server keeps it in the data
  // directory, beside (not inside) wal/, so that losing wal/ is noticed.
  std::string manifest_dir;
};

// The name of the WAL directory inside a data directory.
inline constexpr const char* wal_dir_name = "wal";

struct wal_recovery {
  std::vector<log_entry> entries;          // every entry held after recovery, in index order
  std::uint64_t truncated_bytes = 0;       // torn-tail bytes cut off the last segment
  std::vector<std::string> removed_files;  // a last segment whose header was torn
};

// What a read-only look at a WAL directory found (wal::inspect), as open() would leave it: a torn
// tail counted in truncated_bytes, a torn last header in removed_files, neither touched.
struct wal_layout {
  std::size_t segments = 0;
  std::uint64_t first_index = 0;   // of the first segment (0: no segment)
  std::uint64_t last_segment = 0;  // first index of the last segment (0: no segment)
  std::uint64_t last_index = 0;    // last entry (first_index - 1 if none)
  std::optional<wal_manifest> manifest;
  std::uint64_t truncated_bytes = 0;
  std::vector<std::string> removed_files;
};

class wal {
 public:
  // Opens (creating `dir` and a first segment if needed) and recovers the log: a torn tail of the
  // last segment is cut off durably; any other damage throws corruption_error.
  static std::unique_ptr<wal> open(file_system& fs, std::string dir, wal_options options,
                                   wal_recovery& out);
  // Checks `dir` as open() would, without creating, writing or removing anything (a missing
  // directory is an empty log). Throws corruption_error for the same damage as open().
  static wal_layout inspect(file_system& fs, std::string dir, wal_options options);

  wal(const wal&) = delete;
  wal& operator=(const wal&) = delete;
  ~wal();

  // Appends a batch (one write() per segment touched, normally one). Not durable until sync().
  std::error_code append(const std::vector<log_entry>& entries);
  // Makes every append durable: one fdatasync (plus a directory fsync after a segment roll).
  std::error_code sync();
  // sync(), then records the whole log as durable in the manifest (one atomic write). For a
  // clean shutdown: afterwards a log cut anywhere is noticed at the next open, not only one cut
  // below the last segment roll.
  std::error_code checkpoint();
  // Removes entries >= from_index (no-op if from_index > last_index()). Durable on return.
  // Throws std::logic_error if from_index < first_index() (those are compacted).
  std::error_code truncate_suffix(std::uint64_t from_index);
  // Deletes whole segments whose entries are all <= up_to_index (after a snapshot covering
  // them). If that is every entry, first starts an empty segment at last_index() + 1, so the
  // next index continues. The removals are durable on return; earlier appends still need
  // sync() (only that roll syncs them).
  std::error_code drop_prefix(std::uint64_t up_to_index);
  // Discards every entry and continues at next_index, the entry before it having prev_epoch
  // (after installing a snapshot that is ahead of this log). Durable on return.
  std::error_code reset(std::uint64_t next_index, std::uint64_t prev_epoch);

  std::uint64_t first_index() const;
  std::uint64_t last_index() const;
  // Epoch of the entry at last_index() (also when that entry was compacted away); 0 if none.
  std::uint64_t last_epoch() const;
  // Epoch of the entry at `index`, if the WAL holds it or it is the one just before
  // first_index().
  std::optional<std::uint64_t> epoch_at(std::uint64_t index) const;
  std::size_t segment_count() const { return segments_.size(); }
  const std::string& dir() const { return dir_; }

 private:
  struct entry_pos {
    std::uint64_t offset;  // of the record in its segment file
    std::uint64_t epoch;
  };
  struct segment {
    std::uint64_t first_index = 1;
    std::uint64_t prev_epoch = 0;
    std::uint64_t size = 0;  // bytes in the file
    std::vector<entry_pos> entries;
    std::uint64_t last_index() const { return first_index + entries.size() - 1; }
    std::uint64_t last_epoch() const { return entries.empty() ? prev_epoch : entries.back().epoch; }
  };

  wal(file_system& fs, std::string dir, wal_options options);

  // Recovery (wal_recovery.cpp).
  void recover(wal_recovery& out);
  void load_segment(const std::string& name, std::uint64_t name_index, bool is_last,
                    wal_recovery& out);
  std::uint64_t scan_entries(const std::string& path, std::string_view data, std::uint64_t offset,
                             bool is_last, segment& seg, wal_recovery& out);
  void cut_torn_tail(const std::string& path, std::uint64_t offset, std::uint64_t size,
                     wal_recovery& out);
  void check_chain(const segment& seg, const std::string& path) const;
  void check_manifest() const;
  void check_cut(const segment& seg, const std::string& path, std::uint64_t offset) const;
  void finish_open();
  std::uint64_t covered_index(std::uint64_t log_last) const;

  // The manifest (wal_manifest.cpp).
  std::string manifest_dir() const;
  std::error_code save_manifest(const wal_manifest& m);
  std::error_code lower_manifest_for_truncation(std::uint64_t from_index);

  // Writing (wal.cpp).
  std::string path_of(const segment& seg) const;
  std::error_code start_segment(std::uint64_t first_index, std::uint64_t prev_epoch, bool durable);
  std::error_code roll();
  std::error_code write_batch(const std::vector<log_entry>& entries, std::size_t from,
                              std::size_t to);
  std::error_code remove_segment_file(const segment& seg);
  std::error_code open_active();
  std::error_code fail(std::error_code ec);
  std::error_code check_usable() const;

  file_system& fs_;
  std::string dir_;
  wal_options options_;
  std::vector<segment> segments_;  // ascending; the last is the active one; never empty when open
  std::unique_ptr<writable_file> active_;
  bool unsynced_ = false;   // appended since the last sync of the active segment
  bool dir_dirty_ = false;  // a segment was created since the last sync_dir
  bool failed_ = false;
  bool read_only_ = false;                       // inspect(): never touch the disk
  std::optional<wal_manifest> loaded_manifest_;  // as found at open
  wal_manifest manifest_;                        // as last written (or loaded)
  std::uint64_t durable_index_ = 0;              // last_index() at the last successful sync
};

}  // namespace vote::storage
