// Fuzz target: the TCP frame decoder (vote/wire/frame.hpp).
// Properties: decode_frame never reads past the buffer; a decoded frame re-encodes to exactly the
// bytes it consumed; every proper prefix of a frame is need_more; an error carries a code.
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "vote/wire/frame.hpp"

namespace {

using vote::wire::frame_decode;

void check_frames(std::string_view buffer, std::size_t max_payload) {
  for (int i = 0; i < 64; ++i) {
    const frame_decode d = vote::wire::decode_frame(buffer, max_payload);
    if (d.st == frame_decode::status::error) {
      FUZZ_CHECK(d.code != vote::errc::ok && !d.error.empty());
      return;
    }
    if (d.st == frame_decode::status::need_more) return;
    FUZZ_CHECK(d.consumed <= buffer.size());
    FUZZ_CHECK(d.consumed == vote::wire::frame_header_size + d.payload.size());
    FUZZ_CHECK(d.payload.size() <= max_payload);
    FUZZ_CHECK(d.payload.data() == buffer.data() + vote::wire::frame_header_size);
    if (!d.payload.empty()) {
      std::string again;
      vote::wire::encode_frame(d.payload, again, d.type);
      FUZZ_CHECK(again == buffer.substr(0, d.consumed));
    }
    const auto cut = vote::wire::decode_frame(buffer.substr(0, d.consumed - 1), max_payload);
    FUZZ_CHECK(cut.st == frame_decode::status::need_more);
    buffer.remove_prefix(d.consumed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = vote::fuzz::as_view(data, size);
  check_frames(bytes, 64);  // small limit: reaches the too_large path with small inputs
  check_frames(bytes, vote::wire::default_max_frame_payload);
  return 0;
}
