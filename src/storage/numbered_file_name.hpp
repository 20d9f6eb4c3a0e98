// File names that carry a zero-padded 20-digit number ("wal-00000000000000000001.log",
// "snapshot-00000000000000000042.snap"), so that sorting names sorts numbers. Internal.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace vote::storage::detail {

inline constexpr std::size_t name_digits = 20;

inline std::string numbered_file_name(std::string_view prefix, std::uint64_t n,
                                      std::string_view suffix) {
  char digits[name_digits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(n));
  return std::string(prefix) + digits + std::string(suffix);
}

// The number in `name`, or nullopt unless it is exactly prefix + 20 digits + suffix.
inline std::optional<std::uint64_t> parse_numbered_file_name(std::string_view name,
                                                             std::string_view prefix,
                                                             std::string_view suffix) {
  if (name.size() != prefix.size() + name_digits + suffix.size()) return std::nullopt;
  if (!name.starts_with(prefix) || !name.ends_with(suffix)) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : name.substr(prefix.size(), name_digits)) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace vote::storage::detail
