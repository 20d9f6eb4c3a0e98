// Internal to vote_net: the logger every adapter writes to ("net" if the program registered
// one, else the default logger).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace vote::net {

inline std::shared_ptr<spdlog::logger> log() {
  static auto logger = spdlog::get("net") ? spdlog::get("net") : spdlog::default_logger();
  return logger;
}

}  // namespace vote::net
