// Snapshots of the election state machine (DESIGN.md §5.5, §8; docs/storage.md).
//
// A snapshot file `snapshot-<last_index, 20 digits>.snap` holds the applied state up to and
// including last_index, the epoch of that entry, and the configuration in force there: the core's
// consensus::snapshot_meta, persisted as is (no storage-side mirror). It is written with
// write_file_atomically() (temp file, fsync, rename, directory fsync); only then are older
// snapshot files removed. Format (little-endian):
//   magic "VOTESNAP" | u32 version | u64 last_index | u64 last_epoch | u32 config_length |
//   u64 state_length | u32 crc32c | config bytes | state bytes
// crc32c covers every byte of the file except the crc field itself. The config bytes are
// consensus::encode_configuration(meta.config); bytes that do not decode as a configuration make
// the file damaged, like a bad checksum.
// Persist-before rule (for the node): write_snapshot() must return success before
// wal::drop_prefix(last_index) — the WAL may drop only what a durable snapshot covers.
// A damaged latest snapshot throws corruption_error: there is deliberately no fallback to an
// older one, because the WAL may already have dropped the entries between the two.
// Threading: free functions; no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "vote/core/consensus_config.hpp"
#include "vote/storage/corruption_error.hpp"
#include "vote/storage/file_system.hpp"

namespace vote::storage {

inline constexpr std::uint32_t snapshot_format_version = 1;

// One snapshot file's content: what it covers and the encoded state machine.
struct snapshot {
  consensus::snapshot_meta meta;
  std::string state;  // encoded state machine (election snapshot)
  friend bool operator==(const snapshot&, const snapshot&) = default;
};

// Writes the snapshot durably, then removes older snapshot files (best effort: a failure there
// is logged, not returned, as the new snapshot is already durable), and temp files left by
// crashed writes. Returns the I/O errors of the write itself. Newer snapshot files are kept.
std::error_code write_snapshot(file_system& fs, const std::string& dir,
                               const consensus::snapshot_meta& meta, std::string_view state);

// The snapshot with the highest index in `dir` (nullopt if none; `dir` may be missing). Throws
// corruption_error if that file is damaged, std::system_error if it cannot be read.
std::optional<snapshot> load_latest_snapshot(file_system& fs, const std::string& dir);

// The codec, pure (exposed for tests, tools and fuzzing). decode returns nullopt if damaged
// (bad magic, version, lengths or checksum, or config bytes that are not a configuration).
std::string encode_snapshot(const consensus::snapshot_meta& meta, std::string_view state);
std::optional<snapshot> decode_snapshot(std::string_view bytes);
std::string snapshot_file_name(std::uint64_t last_index);
std::optional<std::uint64_t> parse_snapshot_file_name(std::string_view name);

}  // namespace vote::storage
