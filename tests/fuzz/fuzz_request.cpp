// Fuzz target: the client request codec (vote/wire/messages.hpp, src/wire/request_codec.cpp).
// Properties: decode_request never throws or crashes; what decodes re-encodes and decodes back
// to the same request, and the encoding is canonical (encode(decode(encode(r))) == encode(r)).
#include <string>
#include <variant>

#include "fuzz_util.hpp"
#include "vote/wire/messages.hpp"

namespace {

void check(std::string_view json, const vote::limits& lim) {
  const auto decoded = vote::wire::decode_request(json, lim);
  if (const auto* err = std::get_if<vote::wire::decode_error>(&decoded)) {
    FUZZ_CHECK(err->code != vote::errc::ok && !err->message.empty());
    return;
  }
  const auto& r = std::get<vote::wire::client_request>(decoded);
  const std::string encoded = vote::wire::encode_request(r);
  const auto again = vote::wire::decode_request(encoded, lim);
  FUZZ_CHECK(std::holds_alternative<vote::wire::client_request>(again));
  FUZZ_CHECK(std::get<vote::wire::client_request>(again) == r);
  FUZZ_CHECK(vote::wire::encode_request(std::get<vote::wire::client_request>(again)) == encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto json = vote::fuzz::as_view(data, size);
  check(json, vote::limits{});
  check(json, vote::limits{.max_id_bytes = 8, .max_candidates = 3, .max_voters = 4});
  return 0;
}
