#include "storage_log.hpp"

namespace vote::storage::detail {

std::shared_ptr<spdlog::logger> logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    if (auto existing = spdlog::get("storage")) return existing;
    auto created = spdlog::default_logger()->clone("storage");
    try {
      spdlog::register_logger(created);
    } catch (const spdlog::spdlog_ex&) {
      if (auto existing = spdlog::get("storage")) return existing;  // registered concurrently
    }
    return created;
  }();
  return instance;
}

}  // namespace vote::storage::detail
