#include "vote/wire/frame.hpp"

#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

namespace vote::wire {
namespace {

constexpr std::size_t version_offset = 4;
constexpr std::size_t type_offset = 5;
constexpr std::size_t reserved_offset = 6;
constexpr std::size_t length_offset = 8;

std::uint8_t byte_at(std::string_view b, std::size_t i) noexcept {
  return static_cast<std::uint8_t>(b[i]);
}

frame_decode failure(errc code, const char* reason) noexcept {
  frame_decode d;
  d.st = frame_decode::status::error;
  d.code = code;
  try {
    d.error = reason;
  } catch (...) {  // allocation failure: the code alone still says what went wrong
  }
  return d;
}

bool known_type(std::uint8_t t) noexcept {
  return t == static_cast<std::uint8_t>(frame_type::json) ||
         t == static_cast<std::uint8_t>(frame_type::peer);
}

// Checks whatever part of the fixed header fields (magic .. reserved) has arrived.
std::optional<frame_decode> check_header_prefix(std::string_view b) noexcept {
  for (std::size_t i = 0; i < version_offset && i < b.size(); ++i) {
    if (b[i] != frame_magic[i]) return failure(errc::bad_request, "bad frame magic");
  }
  if (b.size() > version_offset && byte_at(b, version_offset) != frame_version) {
    return failure(errc::unsupported, "unsupported frame version");
  }
  if (b.size() > type_offset && !known_type(byte_at(b, type_offset))) {
    return failure(errc::bad_request, "unknown frame type");
  }
  for (std::size_t i = reserved_offset; i < length_offset && i < b.size(); ++i) {
    if (byte_at(b, i) != 0) return failure(errc::bad_request, "reserved frame bits are not zero");
  }
  return std::nullopt;
}

std::uint32_t read_u32_be(std::string_view b, std::size_t at) noexcept {
  return (std::uint32_t{byte_at(b, at)} << 24) | (std::uint32_t{byte_at(b, at + 1)} << 16) |
         (std::uint32_t{byte_at(b, at + 2)} << 8) | std::uint32_t{byte_at(b, at + 3)};
}

}  // namespace

frame_decode decode_frame(std::string_view buffer, std::size_t max_payload) noexcept {
  if (auto bad = check_header_prefix(buffer)) return std::move(*bad);
  if (buffer.size() < frame_header_size) return frame_decode{};
  const std::size_t length = read_u32_be(buffer, length_offset);
  if (length > max_payload) return failure(errc::too_large, "frame payload over the limit");
  if (length == 0) return failure(errc::bad_request, "empty frame payload");
  if (buffer.size() - frame_header_size < length) return frame_decode{};
  frame_decode d;
  d.st = frame_decode::status::frame;
  d.consumed = frame_header_size + length;
  d.type = static_cast<frame_type>(byte_at(buffer, type_offset));
  d.payload = buffer.substr(frame_header_size, length);
  return d;
}

void encode_frame(std::string_view payload, std::string& out, frame_type type) {
  if (payload.empty()) throw std::invalid_argument("a frame payload must not be empty");
  if (payload.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("frame payload does not fit a 32-bit length");
  }
  const auto length = static_cast<std::uint32_t>(payload.size());
  out.reserve(out.size() + frame_header_size + payload.size());
  out.append(frame_magic, sizeof frame_magic);
  out.push_back(static_cast<char>(frame_version));
  out.push_back(static_cast<char>(type));
  out.append(2, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((length >> shift) & 0xFFu));
  }
  out.append(payload);
}

}  // namespace vote::wire
