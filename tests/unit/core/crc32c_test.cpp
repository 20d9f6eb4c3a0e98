// CRC-32C: known vectors (RFC 3720 B.4) and incremental extension.
#include "vote/core/crc32c.hpp"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace vote {
namespace {

std::string bytes_from(int first, int step, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) s.push_back(static_cast<char>((first + i * step) & 0xFF));
  return s;
}

TEST(Crc32c, MatchesTheCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283U);
}

TEST(Crc32c, MatchesKnownVectors) {
  EXPECT_EQ(crc32c(""), 0U);
  EXPECT_EQ(crc32c("a"), 0xC1D04330U);
  EXPECT_EQ(crc32c(std::string(32, '\x00')), 0x8A9136AAU);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43U);
  EXPECT_EQ(crc32c(bytes_from(0, 1, 32)), 0x46DD794EU);
  EXPECT_EQ(crc32c(bytes_from(31, -1, 32)), 0x113FDB5CU);
}

TEST(Crc32c, ExtendingInPiecesEqualsTheWhole) {
  const std::string data = bytes_from(7, 13, 1000);
  const std::uint32_t whole = crc32c(data);
  for (std::size_t split = 0; split <= data.size(); split += 7) {
    const std::uint32_t first = crc32c_extend(0, data.data(), split);
    EXPECT_EQ(crc32c_extend(first, data.data() + split, data.size() - split), whole) << split;
  }
}

TEST(Crc32c, ResultDoesNotDependOnAlignment) {
  const std::string data = bytes_from(3, 5, 300);
  const std::uint32_t expected = crc32c(data);
  for (std::size_t offset = 1; offset < 9; ++offset) {
    const std::string shifted = std::string(offset, 'x') + data;
    EXPECT_EQ(crc32c_extend(0, shifted.data() + offset, data.size()), expected) << offset;
  }
}

TEST(Crc32c, DetectsASingleBitFlip) {
  std::string data = bytes_from(0, 1, 64);
  const std::uint32_t before = crc32c(data);
  data[40] = static_cast<char>(data[40] ^ 0x10);
  EXPECT_NE(crc32c(data), before);
}

}  // namespace
}  // namespace vote
