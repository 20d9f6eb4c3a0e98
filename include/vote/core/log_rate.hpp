// The rate limit of repeated warnings, shared by the node machine and the network adapters.
#pragma once

#include <cstdint>

namespace vote {

// Whether the n-th occurrence (counting from 1) of a repeated problem — a forged message, a
// stranger, a clash — is logged: the first, then every 100th, so a flood shows in the log
// without filling it.
inline bool worth_logging(std::uint64_t n) noexcept {
  return n % 100 == 1;
}

}  // namespace vote
