// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), software slice-by-8.
//
// The eight 256-entry tables are computed at compile time. Bytes are read one at a time and
// combined little-endian, so the result does not depend on the host's byte order or alignment.
#include "vote/core/crc32c.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace vote {
namespace {

constexpr std::uint32_t castagnoli = 0x82F63B78U;

using crc_tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr crc_tables make_tables() {
  crc_tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? (c >> 1) ^ castagnoli : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t s = 1; s < 8; ++s) {
    for (std::size_t i = 0; i < 256; ++i) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFU];
  }
  return t;
}

constexpr crc_tables tables = make_tables();

inline std::uint32_t load_le32(const unsigned char* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  while (size >= 8) {
    const std::uint32_t lo = load_le32(p) ^ c;
    const std::uint32_t hi = load_le32(p + 4);
    c = tables[7][lo & 0xFFU] ^ tables[6][(lo >> 8) & 0xFFU] ^ tables[5][(lo >> 16) & 0xFFU] ^
        tables[4][lo >> 24] ^ tables[3][hi & 0xFFU] ^ tables[2][(hi >> 8) & 0xFFU] ^
        tables[1][(hi >> 16) & 0xFFU] ^ tables[0][hi >> 24];
    p += 8;
    size -= 8;
  }
  while (size-- > 0) c = (c >> 8) ^ tables[0][(c ^ *p++) & 0xFFU];
  return ~c;
}

}  // namespace vote
