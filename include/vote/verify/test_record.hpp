// An honest record of any size, for measuring vote-verify (the hidden
// `vote-verify --make-test-record N FILE`). It is made with the verifier's own encoder and hashes,
// so it proves nothing about them: the unit tests build their records with an independent encoder.
//
// Election "bench", candidates Alice, Bob, Carol, codes mode, a roll of N + N/10 + 1 public
// credentials, N of them used, N ballots with deterministic nonces.
#pragma once

#include <cstddef>

#include "vote/verify/record.hpp"

namespace vote::verify {

record make_test_record(std::size_t ballots);
void write_test_record(std::size_t ballots, const byte_sink& sink);

}  // namespace vote::verify
