#include "vote/wire/frame.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "unit/wire/mutate.hpp"

namespace vote::wire {
namespace {

using status = frame_decode::status;

std::string framed(std::string_view payload, frame_type type = frame_type::json) {
  std::string out;
  encode_frame(payload, out, type);
  return out;
}

// A valid header with the given length and one byte replaced.
std::string header(std::uint32_t length, std::size_t poke_at = 99, char poke = 0) {
  std::string h = {'V', 'O', 'T', 'E', 1, 1, 0, 0};
  for (int shift = 24; shift >= 0; shift -= 8) h.push_back(static_cast<char>(length >> shift));
  if (poke_at < h.size()) h[poke_at] = poke;
  return h;
}

void expect_error(const frame_decode& d, errc code) {
  EXPECT_EQ(d.st, status::error);
  EXPECT_EQ(d.code, code);
  EXPECT_FALSE(d.error.empty());
}

TEST(Frame, EncodesTheDocumentedHeader) {
  EXPECT_EQ(framed("{}"), std::string("VOTE\x01\x01\x00\x00\x00\x00\x00\x02{}", 14));
  EXPECT_EQ(framed("x", frame_type::peer)[5], '\x02');
}

TEST(Frame, RoundTripsPayloadAndType) {
  for (frame_type type : {frame_type::json, frame_type::peer}) {
    const std::string payload = R"({"type":"status"})";
    const std::string bytes = framed(payload, type);
    const frame_decode d = decode_frame(bytes);
    ASSERT_EQ(d.st, status::frame);
    EXPECT_EQ(d.type, type);
    EXPECT_EQ(d.payload, payload);
    EXPECT_EQ(d.consumed, bytes.size());
  }
}

TEST(Frame, LengthIsBigEndian) {
  const std::string payload(0x010203, 'a');
  const std::string bytes = framed(payload);
  EXPECT_EQ(bytes.substr(8, 4), std::string("\x00\x01\x02\x03", 4));
  EXPECT_EQ(decode_frame(bytes).payload.size(), payload.size());
}

TEST(Frame, EveryProperPrefixNeedsMoreBytes) {
  const std::string bytes = framed(R"({"type":"vote","voter":"alice"})");
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const frame_decode d = decode_frame(std::string_view(bytes).substr(0, n));
    EXPECT_EQ(d.st, status::need_more) << "prefix of " << n << " bytes";
    EXPECT_EQ(d.consumed, 0u);
  }
  EXPECT_EQ(decode_frame(bytes).st, status::frame);
}

TEST(Frame, TwoFramesBackToBackDecodeOneAtATime) {
  const std::string bytes = framed("first") + framed("second!");
  const frame_decode a = decode_frame(bytes);
  ASSERT_EQ(a.st, status::frame);
  EXPECT_EQ(a.payload, "first");
  const frame_decode b = decode_frame(std::string_view(bytes).substr(a.consumed));
  ASSERT_EQ(b.st, status::frame);
  EXPECT_EQ(b.payload, "second!");
  EXPECT_EQ(a.consumed + b.consumed, bytes.size());
}

TEST(Frame, BadMagicIsRefusedFromItsFirstWrongByte) {
  for (std::size_t i = 0; i < 4; ++i) {
    const std::string h = header(1, i, 'X');
    expect_error(decode_frame(std::string_view(h).substr(0, i + 1)), errc::bad_request);
  }
  expect_error(decode_frame("GET / HTTP/1.1\r\n"), errc::bad_request);
}

TEST(Frame, OtherVersionIsUnsupported) {
  for (char v : {'\x00', '\x02', '\xff'}) {
    expect_error(decode_frame(header(1, 4, v).substr(0, 5)), errc::unsupported);
  }
}

TEST(Frame, UnknownTypeIsRefused) {
  for (char t : {'\x00', '\x03', '\xff'}) {
    expect_error(decode_frame(header(1, 5, t).substr(0, 6)), errc::bad_request);
  }
}

TEST(Frame, NonZeroReservedBitsAreRefused) {
  expect_error(decode_frame(header(1, 6, '\x01').substr(0, 7)), errc::bad_request);
  expect_error(decode_frame(header(1, 7, '\x80').substr(0, 8)), errc::bad_request);
}

TEST(Frame, LengthOverTheLimitIsRefusedBeforeThePayloadArrives) {
  expect_error(decode_frame(header(default_max_frame_payload + 1)), errc::too_large);
  expect_error(decode_frame(header(0xFFFFFFFFu)), errc::too_large);
  expect_error(decode_frame(header(101), 100), errc::too_large);
  EXPECT_EQ(decode_frame(header(100), 100).st, status::need_more);
  EXPECT_EQ(decode_frame(header(default_max_frame_payload)).st, status::need_more);
}

TEST(Frame, PayloadOfExactlyTheLimitIsAccepted) {
  const std::string bytes = framed(std::string(100, 'p'));
  const frame_decode d = decode_frame(bytes, 100);
  ASSERT_EQ(d.st, status::frame);
  EXPECT_EQ(d.payload.size(), 100u);
}

TEST(Frame, EmptyPayloadIsABadRequest) {
  expect_error(decode_frame(header(0)), errc::bad_request);
  std::string out;
  EXPECT_THROW(encode_frame("", out), std::invalid_argument);
}

TEST(Frame, EncodeAppendsToExistingBytes) {
  std::string out = "keep";
  encode_frame("ab", out);
  EXPECT_EQ(out.substr(0, 4), "keep");
  EXPECT_EQ(decode_frame(std::string_view(out).substr(4)).payload, "ab");
}

// Every outcome must stay inside the buffer; checked for garbage and for mutated frames.
void expect_sane(std::string_view bytes) {
  const frame_decode d = decode_frame(bytes, 4096);
  if (d.st == status::frame) {
    ASSERT_LE(d.consumed, bytes.size());
    ASSERT_EQ(d.consumed, frame_header_size + d.payload.size());
    ASSERT_EQ(d.payload.data(), bytes.data() + frame_header_size);
    ASSERT_FALSE(d.payload.empty());
  } else {
    ASSERT_EQ(d.consumed, 0u);
  }
}

TEST(Frame, RandomGarbageNeverCrashesOrOverreads) {
  std::mt19937 rng(test::fuzz_seed);
  for (int i = 0; i < 5000; ++i) {
    const std::string bytes = test::random_bytes(rng, 64);
    ASSERT_NO_FATAL_FAILURE(expect_sane(bytes)) << "iteration " << i;
  }
}

TEST(Frame, RandomMutationsOfValidFramesNeverCrashOrOverread) {
  std::mt19937 rng(test::fuzz_seed);
  const std::string valid = framed(R"({"type":"status"})") + framed("second");
  for (int i = 0; i < 5000; ++i) {
    const std::string bytes = test::mutate(valid, rng);
    ASSERT_NO_FATAL_FAILURE(expect_sane(bytes)) << "iteration " << i;
  }
}

}  // namespace
}  // namespace vote::wire
