// Binary codec of a log entry (include/vote/core/log_entry.hpp, docs/storage.md):
//   u64 index | u64 epoch | u8 kind | u32 payload_length | payload bytes   (all little-endian)
#include "vote/core/log_entry.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "vote/core/byte_order.hpp"

namespace vote {
namespace {

bool known_kind(std::uint8_t k) noexcept {
  return k == static_cast<std::uint8_t>(entry_kind::epoch_start) ||
         k == static_cast<std::uint8_t>(entry_kind::config) ||
         k == static_cast<std::uint8_t>(entry_kind::command);
}

}  // namespace

void encode_log_entry(const log_entry& e, std::string& out) {
  // A payload over 4 GiB cannot be framed; frames and limits keep payloads far below that.
  if (e.payload.size() > std::numeric_limits<std::uint32_t>::max()) std::abort();
  out.reserve(out.size() + log_entry_header_size + e.payload.size());
  detail::put_le<std::uint64_t>(out, e.index);
  detail::put_le<std::uint64_t>(out, e.epoch);
  detail::put_le<std::uint8_t>(out, static_cast<std::uint8_t>(e.kind));
  detail::put_le<std::uint32_t>(out, static_cast<std::uint32_t>(e.payload.size()));
  out.append(e.payload);
}

std::size_t encoded_log_entry_size(std::string_view bytes) noexcept {
  if (bytes.size() < log_entry_header_size) return 0;
  return log_entry_header_size + detail::get_le<std::uint32_t>(bytes, 17);
}

std::optional<log_entry> decode_log_entry(std::string_view bytes) {
  if (bytes.size() < log_entry_header_size) return std::nullopt;
  const auto kind = detail::get_le<std::uint8_t>(bytes, 16);
  if (!known_kind(kind)) return std::nullopt;
  if (encoded_log_entry_size(bytes) != bytes.size()) return std::nullopt;
  log_entry e;
  e.index = detail::get_le<std::uint64_t>(bytes, 0);
  e.epoch = detail::get_le<std::uint64_t>(bytes, 8);
  e.kind = static_cast<entry_kind>(kind);
  e.payload.assign(bytes.substr(log_entry_header_size));
  return e;
}

}  // namespace vote
