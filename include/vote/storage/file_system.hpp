// The file seam (STYLE.md 6; LevelDB's Env): everything the storage layer does to disk goes
// through this interface, so tests can swap in memory_file_system, which can crash at any write
// point, lose unsynced data, tear writes and flip bits.
//
// Durability contract (the POSIX one, which memory_file_system models exactly):
//   - data appended to a file is durable only after that file's sync() returned success;
//   - a truncate() of a file is durable only after a sync() of that file returned success;
//   - a created, renamed or removed directory entry is durable only after sync_dir() of its
//     directory returned success;
//   - rename() replaces the target atomically.
// Thread-safety: one file_system may be used from several threads; one writable_file from one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace vote::storage {

class writable_file {
 public:
  virtual ~writable_file() = default;
  virtual std::error_code append(std::string_view data) = 0;
  virtual std::error_code sync() = 0;  // fdatasync
  virtual std::uint64_t size() const = 0;
};

class file_system {
 public:
  virtual ~file_system() = default;
  // Creates `dir` and its parents if missing.
  virtual std::error_code create_dirs(const std::string& dir) = 0;
  // Names (not paths) of the regular files in `dir`, sorted.
  virtual std::error_code list_dir(const std::string& dir, std::vector<std::string>& names) = 0;
  virtual bool exists(const std::string& path) = 0;
  virtual std::error_code read_file(const std::string& path, std::string& out) = 0;
  // Opens `path` for appending, creating it empty if missing.
  virtual std::error_code open_appendable(const std::string& path,
                                          std::unique_ptr<writable_file>& out) = 0;
  virtual std::error_code truncate(const std::string& path, std::uint64_t size) = 0;
  virtual std::error_code rename(const std::string& from, const std::string& to) = 0;
  virtual std::error_code remove(const std::string& path) = 0;
  virtual std::error_code sync_dir(const std::string& dir) = 0;
};

// The real thing (POSIX open/write/fdatasync/rename/fsync of directories).
std::unique_ptr<file_system> make_posix_file_system();

// Writes `content` to dir/name atomically and durably: temp file, sync, rename, sync_dir.
std::error_code write_file_atomically(file_system& fs, const std::string& dir,
                                      const std::string& name, std::string_view content);

}  // namespace vote::storage
