// Fuzz target: the command codec (src/core/command_codec.cpp) driving the election state
// machine (vote/core/election.hpp). The input is a list of command payloads separated by 0x1e
// (RS); each decoded command is applied in order to one election_state.
// Properties: decode_command never throws or crashes; decode(encode(c)) == c; judge(c)'s answer
// equals apply(c)'s whenever judge settles it; the state snapshot restores to an equal state and
// re-encodes canonically.
#include <string>
#include <utility>
#include <vector>

#include "fuzz_util.hpp"
#include "vote/core/election.hpp"

namespace {

// Commands judge() called settled forever, with the answer apply() gave.
using settled_list = std::vector<std::pair<vote::command, vote::outcome>>;

void check_command(vote::election_state& state, std::string_view payload, settled_list& forever) {
  const auto c = vote::decode_command(payload);
  if (!c) return;
  const std::string encoded = vote::encode_command(*c);
  const auto again = vote::decode_command(encoded);
  FUZZ_CHECK(again.has_value() && *again == *c);
  const vote::judgement j = state.judge(*c);
  const vote::outcome o = state.apply(*c);
  if (j.how != vote::settled::no) {
    FUZZ_CHECK(j.answer.code == o.code && j.answer.message == o.message);
    FUZZ_CHECK(j.answer.result == o.result);
  }
  if (j.how == vote::settled::forever) forever.emplace_back(*c, o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vote::limits lim{.max_id_bytes = 16, .max_candidates = 8, .max_voters = 16};
  vote::election_state state(lim);
  settled_list forever;
  vote::fuzz::for_each_part(vote::fuzz::as_view(data, size), '\x1e', 64,
                            [&](std::string_view p) { check_command(state, p, forever); });
  const std::string snap = state.snapshot();
  for (const auto& [c, o] : forever) {  // still the answer, and still changes nothing
    const vote::outcome now = state.apply(c);
    FUZZ_CHECK(now.code == o.code && now.message == o.message && now.result == o.result);
  }
  FUZZ_CHECK(state.snapshot() == snap);
  const auto restored = vote::election_state::restore(snap, lim);
  FUZZ_CHECK(restored.has_value());
  FUZZ_CHECK(*restored == state);
  FUZZ_CHECK(restored->snapshot() == snap);
  return 0;
}
