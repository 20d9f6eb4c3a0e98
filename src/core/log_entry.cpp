// Binary codec of a log entry (include/vote/core/log_entry.hpp, docs/storage.md):
//   u64 index | u64 epoch | u8 kind | u32 payload_length | payload bytes   (all little-endian)
#include "vote/core/log_entry.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>

namespace vote {
namespace {

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
}

std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |=
        static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]))
        << (8 * i);
  }
  return v;
}

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
  put_le(out, e.index, 8);
  put_le(out, e.epoch, 8);
  put_le(out, static_cast<std::uint8_t>(e.kind), 1);
  put_le(out, e.payload.size(), 4);
  out.append(e.payload);
}

std::optional<log_entry> decode_log_entry(std::string_view bytes) {
  if (bytes.size() < log_entry_header_size) return std::nullopt;
  const auto kind = static_cast<std::uint8_t>(get_le(bytes, 16, 1));
  if (!known_kind(kind)) return std::nullopt;
  const std::uint64_t length = get_le(bytes, 17, 4);
  if (length != bytes.size() - log_entry_header_size) return std::nullopt;
  log_entry e;
  e.index = get_le(bytes, 0, 8);
  e.epoch = get_le(bytes, 8, 8);
  e.kind = static_cast<entry_kind>(kind);
  e.payload.assign(bytes.substr(log_entry_header_size));
  return e;
}

}  // namespace vote
