// Logging for the adapters and the node: the logger the net adapters write to ("net" if the
// program registered one, else the default logger), and the rate limit of repeated warnings
// (core/log_rate.hpp).
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>

#include "vote/core/log_rate.hpp"

namespace vote::net {

inline std::shared_ptr<spdlog::logger> log() {
  static auto logger = spdlog::get("net") ? spdlog::get("net") : spdlog::default_logger();
  return logger;
}

using vote::worth_logging;

}  // namespace vote::net
