#include "vote/wire/discovery.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "unit/wire/mutate.hpp"

namespace vote::wire {
namespace {

using nlohmann::json;

leader_is sample_answer() {
  return {.nonce = 0xDEADBEEFCAFEF00Du,
          .cluster = "lab",
          .cluster_uuid = "6f1c7c8e-2d1b-4b7e-9a55-0e3a1f2b9c44",
          .leader_id = 18'446'744'073'709'551'615u,
          .leader_endpoint = "192.168.1.20:7000",
          .epoch = 12};
}

std::string datagram_with(std::uint8_t type, const json& body, std::uint8_t version = 1) {
  std::string out = "VOTD";
  out.push_back(static_cast<char>(version));
  out.push_back(static_cast<char>(type));
  return out + body.dump();
}

json answer_body() {
  return json::parse(encode_datagram(sample_answer()).substr(6));
}

bool dropped(std::string_view bytes) {
  return std::holds_alternative<std::monostate>(decode_datagram(bytes));
}

TEST(Discovery, WhoIsLeaderRoundTrips) {
  for (const who_is_leader& m : {who_is_leader{}, who_is_leader{42, "lab"},
                                 who_is_leader{~0ull, std::string(max_datagram_string, 'c')}}) {
    const std::string bytes = encode_datagram(m);
    EXPECT_EQ(bytes.substr(0, 6), std::string("VOTD\x01\x01", 6));
    EXPECT_EQ(decode_datagram(bytes), datagram(m));
  }
}

TEST(Discovery, LeaderIsRoundTrips) {
  const std::string bytes = encode_datagram(sample_answer());
  EXPECT_EQ(bytes.substr(0, 6), std::string("VOTD\x01\x02", 6));
  EXPECT_EQ(decode_datagram(bytes), datagram(sample_answer()));
}

TEST(Discovery, LongestStringsStillFitOneDatagram) {
  leader_is m = sample_answer();
  m.cluster = std::string(max_datagram_string, 'c');
  m.cluster_uuid.clear();
  for (std::size_t i = 0; i < max_datagram_string / 2; ++i) m.cluster_uuid += "\xc3\xa9";  // é
  m.nonce = ~0ull;
  m.epoch = ~0ull;
  const std::string bytes = encode_datagram(m);
  EXPECT_LE(bytes.size(), max_datagram);
  EXPECT_EQ(decode_datagram(bytes), datagram(m));
}

TEST(Discovery, EncodeRefusesStringsOverTheBound) {
  leader_is m = sample_answer();
  m.cluster_uuid = std::string(max_datagram_string + 1, 'u');
  EXPECT_THROW((void)encode_datagram(m), std::length_error);
  EXPECT_THROW((void)encode_datagram(who_is_leader{1, std::string(257, 'c')}), std::length_error);
}

TEST(Discovery, EncodeRefusesADatagramOverTheLimit) {
  leader_is m = sample_answer();
  m.cluster = std::string(max_datagram_string, '\x01');  // each escapes to 6 bytes
  EXPECT_THROW((void)encode_datagram(m), std::length_error);
}

TEST(Discovery, HeaderErrorsAreDropped) {
  const std::string good = encode_datagram(who_is_leader{1, "lab"});
  EXPECT_FALSE(dropped(good));
  for (std::size_t i = 0; i < 6; ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    EXPECT_TRUE(dropped(bad)) << "byte " << i;
  }
  for (std::size_t n = 0; n <= 6; ++n) EXPECT_TRUE(dropped(good.substr(0, n)));
  EXPECT_TRUE(dropped(datagram_with(1, {{"nonce", 1}, {"cluster", ""}}, 2)));
}

TEST(Discovery, HelloAndUnknownTypesAreDropped) {
  for (std::uint8_t type : {0, 3, 4, 255}) {
    EXPECT_TRUE(dropped(datagram_with(type, {{"nonce", 1}, {"cluster", ""}})));
  }
}

TEST(Discovery, OverlongDatagramIsDropped) {
  json body = {{"nonce", 1}, {"cluster", "lab"}};
  std::string bytes = datagram_with(1, body);
  bytes.append(max_datagram - bytes.size(), ' ');  // trailing JSON whitespace is fine
  EXPECT_FALSE(dropped(bytes));
  bytes.push_back(' ');
  EXPECT_TRUE(dropped(bytes));
}

TEST(Discovery, MalformedBodiesAreDropped) {
  for (const char* body : {"", "{", "[]", "null", R"({"nonce":1,"cluster":"a"} x)",
                           R"({"nonce":1,"nonce":1,"cluster":"a"})", "[[[[[[[[[[[[]]]]]]]]]]]]",
                           "{\"nonce\":1,\"cluster\":\"\xff\"}"}) {
    EXPECT_TRUE(dropped(std::string("VOTD\x01\x01", 6) + body)) << body;
  }
}

TEST(Discovery, MissingUnknownAndMistypedFieldsAreDropped) {
  const json wrong[] = {json(),     json(-1),      json(1.5),  json("1"),
                        json(true), json::array(), json(1e300)};
  const json good = answer_body();
  for (const auto& [key, value] : good.items()) {
    for (const json& w : wrong) {
      if (w.type() == value.type()) continue;
      json body = good;
      if (w.is_null()) {
        body.erase(key);
      } else {
        body[key] = w;
      }
      EXPECT_TRUE(dropped(datagram_with(2, body))) << body.dump();
    }
  }
  json extra = good;
  extra["hmac"] = "00";
  EXPECT_TRUE(dropped(datagram_with(2, extra)));
  EXPECT_TRUE(dropped(datagram_with(1, good)));  // a leader_is body under the who_is_leader type
}

TEST(Discovery, OverlongStringsAreDropped) {
  json body = answer_body();
  body["cluster_uuid"] = std::string(max_datagram_string + 1, 'u');
  EXPECT_TRUE(dropped(datagram_with(2, body)));
  body["cluster_uuid"] = std::string(max_datagram_string, 'u');
  EXPECT_FALSE(dropped(datagram_with(2, body)));
}

TEST(Discovery, LeaderEndpointMustBeIpAndPort) {
  for (const char* bad : {"", "leader", "10.0.0.1", "10.0.0.1:", ":80", "host.lan:80", "10.0.0.1:0",
                          "10.0.0.1:65536", "256.0.0.1:80", "[::1]:80"}) {
    json body = answer_body();
    body["leader_endpoint"] = bad;
    EXPECT_TRUE(dropped(datagram_with(2, body))) << bad;
  }
}

TEST(Discovery, EndpointSyntax) {
  for (const char* good : {"0.0.0.0:1", "127.0.0.1:52342", "255.255.255.255:65535"}) {
    EXPECT_TRUE(is_endpoint(good)) << good;
  }
  for (const char* bad : {"1.2.3:4", "1.2.3.4.5:6", "01.2.3.4:5", "1.2.3.4:05", "1.2.3.4:+5",
                          "1..3.4:5", "1.2.3.4:5:6", "1.2.3.4 :5", " 1.2.3.4:5", "1.2.3.4:123456",
                          "1.2.3.-4:5", "1.2.3.4:99999", "a.b.c.d:1", "1.2.3.4"}) {
    EXPECT_FALSE(is_endpoint(bad)) << bad;
  }
}

TEST(Discovery, RandomGarbageIsDropped) {
  std::mt19937 rng(test::fuzz_seed);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = test::random_bytes(rng, 40);
    if (i % 2 == 0) bytes = std::string("VOTD\x01\x02", 6) + bytes;  // past the header check
    EXPECT_TRUE(dropped(bytes)) << "iteration " << i;
  }
}

TEST(Discovery, RandomMutationsNeverCrashAndYieldOnlyValidMessages) {
  std::mt19937 rng(test::fuzz_seed);
  const std::string samples[] = {encode_datagram(sample_answer()),
                                 encode_datagram(who_is_leader{7, "lab"})};
  for (int i = 0; i < 6000; ++i) {
    const std::string bytes = test::mutate(samples[i % 2], rng);
    const datagram d = decode_datagram(bytes);
    if (const auto* a = std::get_if<leader_is>(&d)) {
      ASSERT_TRUE(is_endpoint(a->leader_endpoint)) << bytes;
      ASSERT_EQ(decode_datagram(encode_datagram(*a)), d) << bytes;
    } else if (const auto* w = std::get_if<who_is_leader>(&d)) {
      ASSERT_EQ(decode_datagram(encode_datagram(*w)), d) << bytes;
    }
  }
}

}  // namespace
}  // namespace vote::wire
