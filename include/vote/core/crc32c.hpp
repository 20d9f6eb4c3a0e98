// CRC-32C (Castagnoli), the checksum of every WAL record and snapshot file (DESIGN.md §8).
// Pure and thread-safe. crc32c("123456789") == 0xE3069283.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vote {

// Extends `crc` (the value returned for the preceding bytes, 0 to start) over [data, data+size).
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size) noexcept;
inline std::uint32_t crc32c(std::string_view bytes) noexcept {
  return crc32c_extend(0, bytes.data(), bytes.size());
}

}  // namespace vote
