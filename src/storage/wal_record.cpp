// WAL record codec: see include/vote/storage/wal_record.hpp and docs/storage.md.
#include "vote/storage/wal_record.hpp"
#include "numbered_file_name.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "vote/core/byte_order.hpp"
#include "vote/core/crc32c.hpp"

namespace vote::storage {
namespace {

constexpr std::string_view segment_magic{"VOTEWAL\0", 8};
constexpr std::size_t segment_header_payload_size = 8 + 4 + 8 + 8;
constexpr std::string_view name_prefix = "wal-";
constexpr std::string_view name_suffix = ".log";

std::uint32_t record_crc(std::uint8_t type, std::string_view payload) {
  std::uint32_t crc = crc32c_extend(0, &type, 1);
  return crc32c_extend(crc, payload.data(), payload.size());
}

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == '\0'; });
}

}  // namespace

void append_wal_record(wal_record_type type, std::string_view payload, std::string& out) {
  if (payload.size() > UINT32_MAX) throw std::length_error("wal record payload over 4 GiB");
  const auto raw_type = static_cast<std::uint8_t>(type);
  vote::detail::put_le<std::uint32_t>(out, static_cast<std::uint32_t>(payload.size()));
  vote::detail::put_le<std::uint32_t>(out, record_crc(raw_type, payload));
  out.push_back(static_cast<char>(raw_type));
  out.append(payload);
}

void append_entry_record(const log_entry& e, std::string& out) {
  // Encode in place after a placeholder header: no temporary copy of the payload.
  const std::size_t start = out.size();
  out.append(wal_record_header_size, '\0');
  encode_log_entry(e, out);
  const std::string_view payload(out.data() + start + wal_record_header_size,
                                 out.size() - start - wal_record_header_size);
  if (payload.size() > UINT32_MAX) throw std::length_error("wal record payload over 4 GiB");
  const auto raw_type = static_cast<std::uint8_t>(wal_record_type::entry);
  std::string header;
  vote::detail::put_le<std::uint32_t>(header, static_cast<std::uint32_t>(payload.size()));
  vote::detail::put_le<std::uint32_t>(header, record_crc(raw_type, payload));
  header.push_back(static_cast<char>(raw_type));
  out.replace(start, wal_record_header_size, header);
}

std::size_t entry_record_size(const log_entry& e) noexcept {
  return wal_record_header_size + log_entry_header_size + e.payload.size();
}

void append_segment_header_record(const wal_segment_header& h, std::string& out) {
  std::string payload(segment_magic);
  vote::detail::put_le<std::uint32_t>(payload, wal_format_version);
  vote::detail::put_le<std::uint64_t>(payload, h.first_index);
  vote::detail::put_le<std::uint64_t>(payload, h.prev_epoch);
  append_wal_record(wal_record_type::segment_header, payload, out);
}

std::optional<wal_segment_header> decode_segment_header(std::string_view payload) {
  if (payload.size() != segment_header_payload_size) return std::nullopt;
  if (payload.substr(0, segment_magic.size()) != segment_magic) return std::nullopt;
  if (vote::detail::get_le<std::uint32_t>(payload, 8) != wal_format_version) return std::nullopt;
  wal_segment_header h;
  h.first_index = vote::detail::get_le<std::uint64_t>(payload, 12);
  h.prev_epoch = vote::detail::get_le<std::uint64_t>(payload, 20);
  if (h.first_index == 0) return std::nullopt;
  return h;
}

wal_record_view read_wal_record(std::string_view data, std::uint64_t offset) {
  wal_record_view view;
  if (offset >= data.size()) return view;  // end
  view.status = wal_read_status::bad;
  const std::uint64_t left = data.size() - offset;
  if (left < wal_record_header_size) return view;
  const auto length = vote::detail::get_le<std::uint32_t>(data, offset);
  if (length > left - wal_record_header_size) return view;
  const auto crc = vote::detail::get_le<std::uint32_t>(data, offset + 4);
  const auto type = static_cast<std::uint8_t>(data[offset + 8]);
  const std::string_view payload = data.substr(offset + wal_record_header_size, length);
  if (record_crc(type, payload) != crc) return view;
  view.status = wal_read_status::ok;
  view.type = type;
  view.payload = payload;
  view.next_offset = offset + wal_record_header_size + length;
  return view;
}

bool is_torn_tail(std::string_view data, std::uint64_t offset) {
  if (offset >= data.size()) return false;
  const std::uint64_t left = data.size() - offset;
  if (left < wal_record_header_size) return true;  // the header itself is cut off
  const auto length = vote::detail::get_le<std::uint32_t>(data, offset);
  if (length > left - wal_record_header_size) return true;  // extends past the end
  if (all_zero(data.substr(offset))) return true;           // preallocated / zero-filled
  // The final record, possibly followed by zeros (the file grew before its data reached disk).
  return all_zero(data.substr(offset + wal_record_header_size + length));
}

std::string segment_file_name(std::uint64_t first_index) {
  return detail::numbered_file_name(name_prefix, first_index, name_suffix);
}

std::optional<std::uint64_t> parse_segment_file_name(std::string_view name) {
  return detail::parse_numbered_file_name(name, name_prefix, name_suffix);
}

}  // namespace vote::storage
