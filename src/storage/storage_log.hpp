// The "storage" spdlog logger (STYLE.md: named loggers per module). Internal to src/storage.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace vote::storage::detail {

// The registered "storage" logger; created from the default logger's sinks on first use.
std::shared_ptr<spdlog::logger> logger();

}  // namespace vote::storage::detail
