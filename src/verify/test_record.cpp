// An honest record of any size (include/vote/verify/test_record.hpp).
#include "vote/verify/test_record.hpp"

#include <algorithm>
#include <string>

#include "vote/verify/codes.hpp"
#include "vote/verify/verify.hpp"

namespace vote::verify {

record make_test_record(std::size_t ballots) {
  record r;
  r.election_id = "bench";
  r.format = "vote-record/1";
  r.candidates = {"Alice", "Bob", "Carol"};
  r.closed_at_ms = 1764800000000;
  r.settings = {
      .live_results = false, .method = "plurality", .tie_break = "none", .voters = "codes"};
  sha256 h;
  const std::size_t roll_size = ballots + ballots / 10 + 1;
  std::vector<std::string> roll;
  roll.reserve(roll_size);
  for (std::size_t i = 0; i < roll_size; ++i) {
    h.update("code " + std::to_string(i));
    const sha256_digest d = h.finish();
    roll.push_back(public_credential(r.election_id, base32(d.data(), 10)));
  }
  // The first `ballots` credentials voted; then everything is sorted.
  std::vector<std::string> used(roll.begin(), roll.begin() + static_cast<std::ptrdiff_t>(ballots));
  std::sort(roll.begin(), roll.end());
  std::sort(used.begin(), used.end());
  for (const auto& s : roll) r.roll.push_back(s);
  for (const auto& s : used) r.used.push_back(s);
  tracker_maker make;
  r.ballots.reserve(ballots);
  for (std::size_t i = 0; i < ballots; ++i) {
    h.update("nonce " + std::to_string(i));
    const sha256_digest d = h.finish();
    record_ballot b;
    b.nonce = hex(d.data(), 16);
    b.candidate = r.candidates[d[31] % 3 == 0 ? 0 : (d[30] % 2 == 0 ? 1 : 2)];
    b.tracker = make(r.election_id, b.nonce, canonical_plurality_ballot(b.candidate));
    r.ballots.push_back(std::move(b));
  }
  std::sort(r.ballots.begin(), r.ballots.end(),
            [](const record_ballot& a, const record_ballot& b) { return a.tracker < b.tracker; });
  const summary s = recount(r);
  r.result = {.eligible_voters = r.roll.size(),
              .tallies = s.tallies,
              .tie = s.tie,
              .tied = s.tied,
              .votes_cast = r.ballots.size(),
              .winner = s.winner};
  encode_record(r, false, [&h](std::string_view piece) { h.update(piece); });
  r.digest = hex(h.finish());
  return r;
}

void write_test_record(std::size_t ballots, const byte_sink& sink) {
  encode_record(make_test_record(ballots), true, sink);
}

}  // namespace vote::verify
