// TCP framing (DESIGN.md §4, §7; docs/protocol.md).
//
//   offset 0  4 bytes  magic "VOTE"
//   offset 4  u8       version (frame_version)
//   offset 5  u8       type (frame_type)
//   offset 6  u16      reserved, must be 0
//   offset 8  u32      payload length, big-endian, <= max_payload
//   offset 12          payload
//
// decode_frame() is a pure function over the bytes received so far, so it can be fuzzed: it
// never reads past `buffer`, never allocates for a length it has not checked, and reports
// need_more, one frame, or an error after which the connection must be closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vote/core/error.hpp"

namespace vote::wire {

inline constexpr char frame_magic[4] = {'V', 'O', 'T', 'E'};
inline constexpr std::uint8_t frame_version = 1;
inline constexpr std::size_t frame_header_size = 12;
inline constexpr std::size_t default_max_frame_payload = 1u << 20;  // 1 MiB

enum class frame_type : std::uint8_t {
  json = 1,  // a client request or response (JSON object, UTF-8)
  peer = 2,  // reserved for peer messages (cluster work)
};

struct frame_decode {
  enum class status { need_more, frame, error };
  status st = status::need_more;
  std::size_t consumed = 0;  // bytes of `buffer` used by this frame (status::frame only)
  frame_type type = frame_type::json;
  std::string_view payload;  // points into `buffer` (status::frame only)
  errc code = errc::ok;      // bad_request / too_large / unsupported (status::error only)
  std::string error;         // human-readable reason (status::error only)
};

// Decodes the first frame in `buffer`. An error is reported as soon as the header shows it (bad
// magic, version, type, reserved bits, or a length over `max_payload`), before the payload arrives.
frame_decode decode_frame(std::string_view buffer,
                          std::size_t max_payload = default_max_frame_payload) noexcept;

// Appends one frame carrying `payload` to `out`. Throws std::invalid_argument for an empty payload
// and std::length_error for one over 2^32-1 bytes (neither could be decoded); the caller keeps
// payloads within the peer's max_payload.
void encode_frame(std::string_view payload, std::string& out, frame_type type = frame_type::json);

}  // namespace vote::wire
