// The WAL record codec (docs/storage.md, "WAL segment"): pure functions over bytes, safe on
// hostile input, so the reader can be fuzzed.
//
// A segment file is a sequence of records; the first one is a segment header:
//   u32 length | u32 crc32c | u8 type | payload[length]          (little-endian)
// crc32c covers type and payload. Types: 1 entry (payload = encode_log_entry()), 2 reserved for a
// truncate marker (never written: truncation rewrites files), 3 segment header (payload: 8-byte
// magic "VOTEWAL\0", u32 format version, u64 first_index, u64 prev_epoch).
// Segment files are named wal-<first index, 20 decimal digits>.log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vote/core/log_entry.hpp"

namespace vote::storage {

inline constexpr std::size_t wal_record_header_size = 4 + 4 + 1;
inline constexpr std::uint32_t wal_format_version = 1;

enum class wal_record_type : std::uint8_t { entry = 1, truncate = 2, segment_header = 3 };

struct wal_segment_header {
  std::uint64_t first_index = 1;  // index of the segment's first entry
  std::uint64_t prev_epoch = 0;   // epoch of entry first_index - 1 (0 if none)
  friend bool operator==(const wal_segment_header&, const wal_segment_header&) = default;
};

void append_wal_record(wal_record_type type, std::string_view payload, std::string& out);
void append_entry_record(const log_entry& e, std::string& out);
void append_segment_header_record(const wal_segment_header& h, std::string& out);
// Bytes append_entry_record() adds for `e`.
std::size_t entry_record_size(const log_entry& e) noexcept;
std::optional<wal_segment_header> decode_segment_header(std::string_view payload);

enum class wal_read_status {
  ok,   // a whole record with a matching checksum
  end,  // offset == data.size(): no more records
  bad,  // incomplete header, length past the end, or checksum mismatch
};

struct wal_record_view {
  wal_read_status status = wal_read_status::end;
  std::uint8_t type = 0;  // raw: the caller decides what an unknown type means
  std::string_view payload;
  std::uint64_t next_offset = 0;  // where the following record starts (status ok)
};

// Reads the record starting at `offset` (<= data.size()).
wal_record_view read_wal_record(std::string_view data, std::uint64_t offset);

// The torn-tail rule for a bad record at `offset` of the LAST segment: it is the remains of an
// interrupted write (and may be cut off) iff it extends past the end of the data, or it is the
// final record, or every byte from `offset` on is zero. Anything else is corruption.
bool is_torn_tail(std::string_view data, std::uint64_t offset);

std::string segment_file_name(std::uint64_t first_index);
// The first index named by a segment file name; nullopt for any other name.
std::optional<std::uint64_t> parse_segment_file_name(std::string_view name);

}  // namespace vote::storage
