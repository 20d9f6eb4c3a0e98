// Fuzz target: the log entry codec (vote/core/log_entry.hpp) and, for command entries, the
// command codec (src/core/command_codec.cpp) and for config entries the configuration codec.
// Properties: decoding never throws or crashes; a decoded entry re-encodes to exactly the input
// (the format is exact-length); a decoded payload round-trips through its codec.
#include <string>

#include "fuzz_util.hpp"
#include "vote/core/consensus_config.hpp"
#include "vote/core/election.hpp"
#include "vote/core/log_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = vote::fuzz::as_view(data, size);
  const auto e = vote::decode_log_entry(bytes);
  if (!e) return 0;
  std::string encoded;
  vote::encode_log_entry(*e, encoded);
  FUZZ_CHECK(encoded == bytes);
  if (e->kind == vote::entry_kind::command) {
    if (const auto c = vote::decode_command(e->payload)) {
      const auto again = vote::decode_command(vote::encode_command(*c));
      FUZZ_CHECK(again.has_value() && *again == *c);
    }
  } else if (e->kind == vote::entry_kind::config) {
    if (const auto c = vote::consensus::decode_configuration(e->payload)) {
      const auto again =
          vote::consensus::decode_configuration(vote::consensus::encode_configuration(*c));
      FUZZ_CHECK(again.has_value() && *again == *c);
    }
  }
  return 0;
}
