// Fuzz target: vote-verify's record parser and checks (include/vote/verify/verify.hpp), and the
// chunked-fetch reply decoder (include/vote/verify/fetch.hpp). A record is untrusted input.
// Properties: nothing throws or crashes; a record that parses re-encodes to bytes that parse to
// the same encoding (the encoder is canonical and idempotent); the canonical check passes exactly
// when the input equals that encoding.
#include <string>

#include "fuzz_util.hpp"
#include "vote/verify/fetch.hpp"
#include "vote/verify/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = vote::fuzz::as_view(data, size);
  const vote::verify::record_limits lim{
      .max_bytes = 1 << 20, .max_depth = 8, .max_string_bytes = 4096, .max_candidates = 64};
  const auto rc = vote::verify::check_record(input, lim);
  if (rc.parsed) {
    const std::string encoded = vote::verify::encode_record(*rc.parsed);
    auto again = vote::verify::parse_record(encoded, lim);
    FUZZ_CHECK(std::holds_alternative<vote::verify::record>(again));
    FUZZ_CHECK(vote::verify::encode_record(std::get<vote::verify::record>(again)) == encoded);
    bool canonical = false;
    for (const auto& c : rc.checks) {
      if (c.name == "canonical") canonical = c.passed;
    }
    FUZZ_CHECK(canonical == (encoded == input));
  }
  (void)vote::verify::decode_record_reply(input);
  return 0;
}
