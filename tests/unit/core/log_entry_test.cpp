// The binary log entry codec: layout, round trips and rejection of malformed bytes.
#include "vote/core/log_entry.hpp"

#include <string>

#include <gtest/gtest.h>

namespace vote {
namespace {

std::string encoded(const log_entry& e) {
  std::string out;
  encode_log_entry(e, out);
  return out;
}

const log_entry sample{0x0102030405060708ULL, 0x1122334455667788ULL, entry_kind::command,
                       std::string("pay\0load", 8)};

TEST(LogEntry, LayoutIsLittleEndianHeaderThenPayload) {
  const std::string bytes = encoded(sample);
  ASSERT_EQ(bytes.size(), log_entry_header_size + 8);
  EXPECT_EQ(bytes.substr(0, 8), "\x08\x07\x06\x05\x04\x03\x02\x01");
  EXPECT_EQ(bytes.substr(8, 8), "\x88\x77\x66\x55\x44\x33\x22\x11");
  EXPECT_EQ(bytes[16], '\x03');
  EXPECT_EQ(bytes.substr(17, 4), std::string("\x08\x00\x00\x00", 4));
  EXPECT_EQ(bytes.substr(21), sample.payload);
}

TEST(LogEntry, EveryKindRoundTrips) {
  for (const entry_kind kind : {entry_kind::epoch_start, entry_kind::config, entry_kind::command}) {
    log_entry e = sample;
    e.kind = kind;
    EXPECT_EQ(decode_log_entry(encoded(e)), e);
  }
}

TEST(LogEntry, EmptyPayloadRoundTrips) {
  const log_entry e{1, 1, entry_kind::epoch_start, ""};
  EXPECT_EQ(encoded(e).size(), log_entry_header_size);
  EXPECT_EQ(decode_log_entry(encoded(e)), e);
}

TEST(LogEntry, EncodeAppendsToExistingBytes) {
  std::string out = "prefix";
  encode_log_entry(sample, out);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  EXPECT_EQ(decode_log_entry(std::string_view(out).substr(6)), sample);
}

TEST(LogEntry, UnknownKindsAreRejected) {
  for (const char kind : {'\x00', '\x04', '\xff'}) {
    std::string bytes = encoded(sample);
    bytes[16] = kind;
    EXPECT_FALSE(decode_log_entry(bytes).has_value()) << static_cast<int>(kind);
  }
}

TEST(LogEntry, EveryTruncationIsRejected) {
  const std::string bytes = encoded(sample);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_log_entry(bytes.substr(0, n)).has_value()) << n;
  }
}

TEST(LogEntry, TrailingBytesAreRejected) {
  EXPECT_FALSE(decode_log_entry(encoded(sample) + "x").has_value());
}

TEST(LogEntry, LengthFieldLargerThanTheBytesIsRejected) {
  std::string bytes = encoded(sample);
  bytes[20] = '\xff';  // payload_length ~ 4 GiB
  EXPECT_FALSE(decode_log_entry(bytes).has_value());
}

}  // namespace
}  // namespace vote
