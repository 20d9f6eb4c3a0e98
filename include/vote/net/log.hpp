// Logging for the adapters and the node: the logger the net adapters write to ("net" if the
// program registered one, else the default logger), and the rate limit of repeated warnings.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>

namespace vote::net {

inline std::shared_ptr<spdlog::logger> log() {
  static auto logger = spdlog::get("net") ? spdlog::get("net") : spdlog::default_logger();
  return logger;
}

// Whether the n-th occurrence (counting from 1) of a repeated problem — a forged message, a
// stranger, a clash — is logged: the first, then every 100th, so a flood shows in the log
// without filling it.
inline bool worth_logging(std::uint64_t n) noexcept {
  return n % 100 == 1;
}

}  // namespace vote::net
