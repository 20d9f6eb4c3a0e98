// An honest record of any size, for measuring vote-verify (the hidden
// `vote-verify --make-test-record N FILE`). It is made with the verifier's own encoder and hashes,
// so it proves nothing about them: the unit tests build their records with an independent encoder.
//
// Election "bench", candidates Alice, Bob, Carol, codes mode, a roll of N + N/10 + 1 public
// credentials, N of them used, N ballots with deterministic nonces.
//
// make_test_record(election) builds an honest record of any method and format (docs/record.md
// "Format 2"), for tests: ids mode, voters "v0001", "v0002", ... (one per ballot, then the
// abstainers), trackers, canonical ballots (approvals and scores sorted by bytes), weights, the
// result as this verifier recounts it, and the digest. A test tampers with it and calls
// seal_test_record() to make the digest match again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vote/verify/record.hpp"

namespace vote::verify {

record make_test_record(std::size_t ballots);
void write_test_record(std::size_t ballots, const byte_sink& sink);

struct test_ballot {
  std::vector<std::string> names;     // the candidate, the approved, the ranking or the scored
  std::vector<std::uint64_t> scores;  // score, star: parallel to names
  std::uint64_t weight = 1;
};

struct test_election {
  std::string id = "test-2026";
  std::vector<std::string> candidates{"A", "B", "C"};
  std::string method = "plurality";
  std::string tie_break = "none";
  std::uint64_t seats = 1;
  std::uint64_t max_score = 5;
  std::vector<test_ballot> ballots;
  std::size_t abstainers = 1;  // voters on the roll who did not vote
  bool format_2 = true;
};

record make_test_record(const test_election& e);
void seal_test_record(record& r);  // sets the digest from the rest

}  // namespace vote::verify
