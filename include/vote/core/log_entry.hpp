// A log entry: the unit that is written to the WAL, replicated, committed and applied.
//
// Invariants: indexes start at 1 and are dense in a log; an entry keeps the epoch it was created
// in forever; (index, epoch) identifies an entry's content (log matching, DESIGN.md §5.6).
// The binary encoding is the on-disk and on-the-wire form (docs/storage.md):
//   u64 index | u64 epoch | u8 kind | u32 payload_length | payload bytes   (all little-endian)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vote {

enum class entry_kind : std::uint8_t {
  epoch_start = 1,  // appended by a new leader; its commit makes the leader serve (DESIGN §5.3)
  config = 2,       // membership configuration (cluster work)
  command = 3,      // an election state machine command (payload: encode_command())
};

struct log_entry {
  std::uint64_t index = 0;
  std::uint64_t epoch = 0;
  entry_kind kind = entry_kind::command;
  std::string payload;

  friend bool operator==(const log_entry&, const log_entry&) = default;
};

inline constexpr std::size_t log_entry_header_size = 8 + 8 + 1 + 4;

// Appends the binary encoding of `e` to `out`.
void encode_log_entry(const log_entry& e, std::string& out);
// The size of the encoded entry that starts `bytes` (header and payload), read from its header;
// 0 when `bytes` is shorter than a header. It may exceed bytes.size(): callers check.
std::size_t encoded_log_entry_size(std::string_view bytes) noexcept;
// Decodes exactly one entry occupying all of `bytes`; nullopt if malformed (bad kind, length
// mismatch). Pure: safe on hostile input.
std::optional<log_entry> decode_log_entry(std::string_view bytes);

}  // namespace vote
