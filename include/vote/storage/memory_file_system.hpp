// An in-memory file_system for tests (STYLE.md 6; LevelDB's memenv) that models the POSIX
// durability contract of file_system.hpp exactly, and can fail and crash at any write point.
//
// Model:
//   - each file (inode) has durable bytes and, on top, a volatile state; sync() makes the current
//     content durable. truncate() changes only the volatile state until the next sync();
//   - directory entries live in two namespaces: the current one (what the process sees) and the
//     durable one. create (open_appendable of a missing file), rename and remove change the
//     current namespace at once and are queued; sync_dir(d) applies the queued changes of d to
//     the durable namespace. create_dirs() is durable at once;
//   - crash(seed) models power loss and restart: the durable namespace survives; the queued
//     directory changes are undone, or (chosen by the seed) a prefix of them survives in order, as
//     a journaling file system may have committed them; each file keeps its durable bytes and,
//     chosen by the seed, none, all or a random prefix of its unsynced appends (a torn write); a
//     file truncated since its last sync comes back either as it was or truncated. Handles opened
//     before the crash fail from then on (the process that held them is dead);
//   - fail_after(n): the next n mutating operations succeed, every later one returns EIO without
//     any effect: the process "dies" at that write point. crash() clears it.
// Mutating operations (counted by mutating_ops()): create_dirs, open_appendable, append, sync,
// truncate, rename, remove, sync_dir. Damage helpers (flip_bit, truncate_raw) model the disk
// itself changing: they edit the current bytes and make them the durable ones; they are not
// counted and ignore fail_after().
// Thread-safety: every method takes one mutex; files opened from it share that mutex.
// Paths are plain strings split at '/': use "dir/name" without trailing slashes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "vote/storage/file_system.hpp"

namespace vote::storage {

namespace detail {
struct memory_fs_state;
}

class memory_file_system final : public file_system {
 public:
  memory_file_system();
  ~memory_file_system() override;
  memory_file_system(const memory_file_system&) = delete;
  memory_file_system& operator=(const memory_file_system&) = delete;

  std::error_code create_dirs(const std::string& dir) override;
  std::error_code list_dir(const std::string& dir, std::vector<std::string>& names) override;
  bool exists(const std::string& path) override;
  std::error_code read_file(const std::string& path, std::string& out) override;
  std::error_code open_appendable(const std::string& path,
                                  std::unique_ptr<writable_file>& out) override;
  std::error_code truncate(const std::string& path, std::uint64_t size) override;
  std::error_code rename(const std::string& from, const std::string& to) override;
  std::error_code remove(const std::string& path) override;
  std::error_code sync_dir(const std::string& dir) override;

  // Fault injection.
  void fail_after(std::uint64_t n);
  void clear_failure();
  void crash(std::uint64_t seed);
  // Disk damage: flips bit `bit` (0..7) of byte `byte_offset`; sets the size (zero-filling when
  // growing). Both return an error if the file or the byte does not exist.
  std::error_code flip_bit(const std::string& path, std::uint64_t byte_offset, unsigned bit);
  std::error_code truncate_raw(const std::string& path, std::uint64_t size);

  // Mutating operations attempted since construction (failed ones included).
  std::uint64_t mutating_ops() const;

 private:
  std::shared_ptr<detail::memory_fs_state> state_;
};

}  // namespace vote::storage
