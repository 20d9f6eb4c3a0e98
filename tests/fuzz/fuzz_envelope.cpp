// Fuzz target: the consensus envelope and message codec (vote/core/consensus_messages.hpp,
// src/core/consensus_codec.cpp): what a peer parses after the frame and the HMAC.
// Properties: decode_envelope never throws or crashes; a decoded envelope re-encodes and decodes
// back to the same value; the encoding is canonical.
#include <string>

#include "fuzz_util.hpp"
#include "vote/core/consensus_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto e = vote::consensus::decode_envelope(vote::fuzz::as_view(data, size));
  if (!e) return 0;
  FUZZ_CHECK(!vote::consensus::message_type(e->body).empty());
  const std::string encoded = vote::consensus::encode_envelope(*e);
  const auto again = vote::consensus::decode_envelope(encoded);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == *e);
  FUZZ_CHECK(vote::consensus::encode_envelope(*again) == encoded);
  return 0;
}
