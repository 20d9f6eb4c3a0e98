// Registers the "storage" logger with no sink before vote_storage creates it, so fuzzing
// damaged files does not print a critical line per input.
#pragma once
#include <memory>

#include <spdlog/spdlog.h>

namespace vote::fuzz {

inline void quiet_storage_log() {
  static const bool done = [] {
    if (!spdlog::get("storage"))
      spdlog::register_logger(std::make_shared<spdlog::logger>("storage"));
    return true;
  }();
  (void)done;
}

}  // namespace vote::fuzz
