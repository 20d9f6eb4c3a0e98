// Node metadata in the data directory (DESIGN.md §2, §4, §5, §8; docs/storage.md):
//   - `node`: this node's identity: id, incarnation (random, made when the directory was
//     created), cluster_uuid (empty until the node joins or bootstraps a cluster);
//   - `promise`: the core's consensus::promise_record (keys `promised_epoch`, `promised_to`): the
//     highest epoch this node accepted and the candidate it accepted it from;
//   - `wal-manifest`: what the WAL has provably made durable (wal_manifest below), written by the
//     WAL itself at the moments it fsyncs anyway (segment roll, compaction, reset, truncation);
//   - `LOCK`: flock()ed while a server uses the directory.
// All three files are JSON with a format version and a `checksum` field (crc32c of the canonical
// content), written with write_file_atomically() (temp file, fsync, rename, directory fsync):
// after a crash a load sees the old or the new content, never a mix, and a damaged file throws
// corruption_error instead of being misread.
// Persist-before rules (for the node): the identity is saved before the node first talks to a
// peer; a promise is saved (and returned success) before the prepare/append it answers is
// answered; the cluster UUID is saved before a bootstrap is accepted.
// Threading: free functions; no state. Errors: I/O errors are returned as std::error_code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "vote/core/consensus_records.hpp"
#include "vote/storage/corruption_error.hpp"
#include "vote/storage/file_system.hpp"

namespace vote::storage {

inline constexpr std::uint32_t meta_format_version = 1;
inline constexpr const char* identity_file_name = "node";
inline constexpr const char* promise_file_name = "promise";
inline constexpr const char* lock_file_name = "LOCK";
inline constexpr const char* wal_manifest_file_name = "wal-manifest";

struct node_identity {
  std::uint64_t id = 0;
  std::uint64_t incarnation = 0;
  std::string cluster_uuid;  // empty: not yet a member of any cluster
  friend bool operator==(const node_identity&, const node_identity&) = default;
};

// The default node id: newer servers usually get higher ids. Pure: the caller passes the clock
// and the randomness. DESIGN.md §2 has (unix_ms << 16) | random16, about 1.2 × 10^17 today:
// over 2^53, so JSON readers that use doubles (jq, JavaScript) print a different id. Here the
// clock is counted in 8 ms steps and 13 random bits follow: below 2^53 until the year 2248
// (docs/storage.md "node").
inline constexpr std::uint64_t max_json_safe_id = (std::uint64_t{1} << 53) - 1;
constexpr std::uint64_t generate_node_id(std::uint64_t unix_ms, std::uint64_t random) noexcept {
  return (((unix_ms / 8) << 13) | (random & 0x1fff)) & max_json_safe_id;
}

// nullopt if `dir`/node does not exist; throws corruption_error if it is damaged or of an
// unknown format version, std::system_error if it cannot be read.
std::optional<node_identity> load_identity(file_system& fs, const std::string& dir);
std::error_code save_identity(file_system& fs, const std::string& dir, const node_identity& id);

// nullopt if `dir`/promise does not exist (a node that never promised: treat as {0, 0});
// same errors as load_identity().
std::optional<consensus::promise_record> load_promise(file_system& fs, const std::string& dir);
std::error_code save_promise(file_system& fs, const std::string& dir,
                             const consensus::promise_record& p);

// What the WAL has provably made durable (docs/storage.md "The WAL manifest"). Every field is a
// lower bound of what is on disk: a value is raised only after what it describes is durable, and
// lowered before anything it describes is removed. So a data directory holding less than its
// manifest says was damaged after the fact (a deleted segment, snapshot or log), never by a crash.
struct wal_manifest {
  std::uint64_t last_segment = 0;     // first index of the newest durable segment; 0: none
  std::uint64_t durable_index = 0;    // every index <= this is durable in the snapshot or the log
  std::uint64_t compacted_index = 0;  // a snapshot covering at least this index exists; 0: none
  friend bool operator==(const wal_manifest&, const wal_manifest&) = default;
};

// nullopt if `dir`/wal-manifest does not exist (a directory from before the manifest, or a new
// one); same errors as load_identity().
std::optional<wal_manifest> load_wal_manifest(file_system& fs, const std::string& dir);
std::error_code save_wal_manifest(file_system& fs, const std::string& dir, const wal_manifest& m);

// The canonical file contents (exposed for tests and tools).
std::string encode_identity(const node_identity& id);
std::string encode_promise(const consensus::promise_record& p);
std::string encode_wal_manifest(const wal_manifest& m);

// Exclusive use of a data directory: holds flock(LOCK_EX) on `dir`/LOCK until destroyed.
class data_dir_lock {
 public:
  data_dir_lock() = default;
  explicit data_dir_lock(int fd) : fd_(fd) {}
  data_dir_lock(data_dir_lock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  data_dir_lock& operator=(data_dir_lock&& other) noexcept;
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;
  ~data_dir_lock();
  bool held() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Creates `dir` if missing and locks it (POSIX directly: the lock is about real processes).
// Throws std::runtime_error naming the directory (and the holder's pid when known) if another
// process holds it, or if the lock file cannot be opened.
data_dir_lock lock_data_dir(const std::string& dir);

// For offline inspection: takes a shared flock on `dir`/LOCK without creating or writing
// anything (a server starting meanwhile is refused; nothing is modified). Returns a lock that is
// not held if there is no LOCK file. Throws std::runtime_error naming the holder's pid when a
// running server holds the directory, std::system_error when LOCK cannot be opened or locked.
data_dir_lock probe_data_dir_lock(const std::string& dir);

}  // namespace vote::storage
