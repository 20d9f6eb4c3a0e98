// Fuzz target: the client response codec (vote/wire/messages.hpp, src/wire/response_codec.cpp),
// what a client parses from a possibly hostile server.
// Properties: decode_response never throws or crashes; what decodes re-encodes and decodes back
// to the same response; the encoding is canonical.
#include <string>
#include <variant>

#include "fuzz_util.hpp"
#include "vote/wire/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto decoded = vote::wire::decode_response(vote::fuzz::as_view(data, size));
  if (const auto* err = std::get_if<vote::wire::decode_error>(&decoded)) {
    FUZZ_CHECK(err->code != vote::errc::ok && !err->message.empty());
    return 0;
  }
  const auto& r = std::get<vote::wire::client_response>(decoded);
  const std::string encoded = vote::wire::encode_response(r);
  const auto again = vote::wire::decode_response(encoded);
  FUZZ_CHECK(std::holds_alternative<vote::wire::client_response>(again));
  FUZZ_CHECK(std::get<vote::wire::client_response>(again) == r);
  FUZZ_CHECK(vote::wire::encode_response(std::get<vote::wire::client_response>(again)) == encoded);
  return 0;
}
