#include "vote/wire/discovery.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "unit/wire/mutate.hpp"

namespace vote::wire {
namespace {

using nlohmann::json;

leader_is sample_answer() {
  return {
      .nonce = 0xDEADBEEFCAFEF00Du,
      .cluster = "lab",
      .cluster_uuid = "6f1c7c8e-2d1b-4b7e-9a55-0e3a1f2b9c44",
      .leader = {.id = 18'446'744'073'709'551'615u, .epoch = 12, .endpoint = "192.168.1.20:7000"}};
}

hello sample_hello() {
  return {.cluster = "lab",
          .cluster_uuid = "6f1c7c8e-2d1b-4b7e-9a55-0e3a1f2b9c44",
          .node_id = 112'233'445'566'778'899u,
          .incarnation = 18'446'744'073'709'551'615u,
          .endpoint = "10.0.0.7:9000",
          .role = "leader",
          .leader = {.id = 112'233'445'566'778'899u, .epoch = 4, .endpoint = "10.0.0.7:9000"},
          .voters = {112'233'445'566'778'899u, 3, 2}};
}

hello joining_hello() {
  hello m;
  m.cluster = "lab";
  m.node_id = 5;
  m.incarnation = 9;
  m.endpoint = "127.0.0.1:7005";
  m.role = "joining";
  return m;
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

json hello_body() {
  return json::parse(encode_datagram(sample_hello()).substr(6));
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

// The leader travels flat, under the keys it had before it was one leader_info.
TEST(Discovery, LeaderIsAndHelloHaveTheDocumentedForm) {
  const consensus::leader_info leader{.id = 1, .epoch = 3, .endpoint = "127.0.0.1:7001"};
  const leader_is answer{
      .nonce = 42, .cluster = "default", .cluster_uuid = "uuid", .leader = leader};
  EXPECT_EQ(encode_datagram(answer).substr(6),
            R"({"cluster":"default","cluster_uuid":"uuid","epoch":3,)"
            R"("leader_endpoint":"127.0.0.1:7001","leader_id":1,"nonce":42})");
  const hello h{.cluster = "default",
                .cluster_uuid = "uuid",
                .node_id = 1,
                .incarnation = 5,
                .endpoint = "127.0.0.1:7001",
                .role = "leader",
                .leader = leader,
                .voters = {1, 2, 3}};
  EXPECT_EQ(encode_datagram(h).substr(6),
            R"({"cluster":"default","cluster_uuid":"uuid","endpoint":"127.0.0.1:7001",)"
            R"("incarnation":5,"leader_endpoint":"127.0.0.1:7001","leader_epoch":3,"leader_id":1,)"
            R"("node_id":1,"role":"leader","voters":[1,2,3]})");
}

TEST(Discovery, LongestStringsStillFitOneDatagram) {
  leader_is m = sample_answer();
  m.cluster = std::string(max_datagram_string, 'c');
  m.cluster_uuid.clear();
  for (std::size_t i = 0; i < max_datagram_string / 2; ++i) m.cluster_uuid += "\xc3\xa9";  // é
  m.nonce = ~0ull;
  m.leader.epoch = ~0ull;
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

TEST(Discovery, UnknownTypesAreDropped) {
  for (std::uint8_t type : {0, 4, 255}) {
    EXPECT_TRUE(dropped(datagram_with(type, {{"nonce", 1}, {"cluster", ""}})));
    EXPECT_TRUE(dropped(datagram_with(type, hello_body())));
  }
  EXPECT_TRUE(dropped(datagram_with(3, {{"nonce", 1}, {"cluster", ""}})));  // who_is_leader body
  EXPECT_TRUE(dropped(datagram_with(1, hello_body())));
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

TEST(Discovery, BytesAfterTheBodyAreDroppedEvenAfterANul) {
  for (const std::string& good :
       {encode_datagram(who_is_leader{1, "lab"}), encode_datagram(sample_hello())}) {
    EXPECT_FALSE(dropped(good));
    EXPECT_TRUE(dropped(good + std::string(1, '\0')));
    EXPECT_TRUE(dropped(good + std::string("\0\0\x01\x8f trailer", 12)));  // like a seal
    EXPECT_TRUE(dropped(good + " x"));
  }
}

// Every field of `good` missing or of each wrong type, and an unknown extra field: all dropped.
void expect_strict_fields(std::uint8_t type, const json& good) {
  const json wrong[] = {json(),        json(-1),    json(1.5),        json("1"),     json(true),
                        json::array(), json(1e300), json::array({1}), json::object()};
  for (const auto& [key, value] : good.items()) {
    for (const json& w : wrong) {
      if (w.type() == value.type()) continue;
      json body = good;
      if (w.is_null()) {
        body.erase(key);
      } else {
        body[key] = w;
      }
      EXPECT_TRUE(dropped(datagram_with(type, body))) << body.dump();
    }
  }
  json extra = good;
  extra["hmac"] = "00";
  EXPECT_TRUE(dropped(datagram_with(type, extra)));
}

TEST(Discovery, MissingUnknownAndMistypedFieldsAreDropped) {
  expect_strict_fields(2, answer_body());
  // a leader_is body under the who_is_leader type
  EXPECT_TRUE(dropped(datagram_with(1, answer_body())));
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

TEST(Discovery, HelloRoundTrips) {
  hello follower = sample_hello();
  follower.role = "follower";
  follower.node_id = 1;
  follower.voters.clear();
  hello candidate = joining_hello();
  candidate.role = "candidate";
  candidate.cluster_uuid = "u";
  for (const hello& m : {sample_hello(), joining_hello(), follower, candidate}) {
    const std::string bytes = encode_datagram(m);
    EXPECT_EQ(bytes.substr(0, 6), std::string("VOTD\x01\x03", 6));
    EXPECT_EQ(decode_datagram(bytes), datagram(m)) << bytes;
  }
}

TEST(Discovery, HelloCarriesUpToMaxVoters) {
  hello m = sample_hello();
  m.voters.clear();
  for (std::uint64_t id = 1; id <= max_hello_voters; ++id) m.voters.push_back(id * 1000);
  EXPECT_EQ(decode_datagram(encode_datagram(m)), datagram(m));
  m.voters.push_back(1);
  EXPECT_THROW((void)encode_datagram(m), std::invalid_argument);
  json body = hello_body();
  body["voters"] = m.voters;
  EXPECT_TRUE(dropped(datagram_with(3, body)));
}

TEST(Discovery, HelloWithManyLongVoterIdsIsRefusedNotTruncated) {
  hello m = sample_hello();
  m.voters.clear();
  for (std::uint64_t i = 1; i <= 55; ++i) m.voters.push_back(170'000'000'000'000'000u + i);
  const std::string bytes = encode_datagram(m);  // the documented practical bound fits
  EXPECT_LE(bytes.size(), max_datagram);
  for (std::uint64_t i = 56; i <= max_hello_voters; ++i) {
    m.voters.push_back(18'000'000'000'000'000'000u + i);
  }
  EXPECT_THROW((void)encode_datagram(m), std::length_error);
}

TEST(Discovery, HelloMissingUnknownAndMistypedFieldsAreDropped) {
  expect_strict_fields(3, hello_body());
}

TEST(Discovery, HelloBreakingAnInvariantIsDroppedAndNotEncoded) {
  std::vector<std::pair<std::string, hello>> bad;
  const auto with = [&](std::string what, auto change) {
    hello m = sample_hello();
    change(m);
    bad.emplace_back(std::move(what), std::move(m));
  };
  with("node_id 0", [](hello& m) { m.node_id = 0; });
  with("endpoint empty", [](hello& m) { m.endpoint.clear(); });
  with("endpoint host name", [](hello& m) { m.endpoint = "leader.lan:9000"; });
  with("endpoint port 0", [](hello& m) { m.endpoint = "10.0.0.7:0"; });
  with("leader_endpoint no port", [](hello& m) { m.leader.endpoint = "10.0.0.7"; });
  with("role empty", [](hello& m) { m.role.clear(); });
  with("role capitalised", [](hello& m) { m.role = "Leader"; });
  with("role learner", [](hello& m) { m.role = "learner"; });
  with("follower lists voters", [](hello& m) { m.role = "follower"; });
  with("joining lists voters", [](hello& m) { m.role = "joining"; });
  with("voter 0", [](hello& m) { m.voters.push_back(0); });
  with("duplicate voter", [](hello& m) { m.voters.push_back(3); });
  for (const auto& [what, m] : bad) {
    EXPECT_THROW((void)encode_datagram(m), std::invalid_argument) << what;
    json body = hello_body();
    body["node_id"] = m.node_id;
    body["endpoint"] = m.endpoint;
    body["leader_endpoint"] = m.leader.endpoint;
    body["role"] = m.role;
    body["voters"] = m.voters;
    EXPECT_TRUE(dropped(datagram_with(3, body))) << what;
  }
  for (const json& voters : {json::array({-1}), json::array({1.5}), json::array({"1"}),
                             json::array({json::array({1})}), json::array({nullptr})}) {
    json body = hello_body();
    body["voters"] = voters;
    EXPECT_TRUE(dropped(datagram_with(3, body))) << voters.dump();
  }
}

TEST(Discovery, HelloStringsOverTheBoundAreRefused) {
  for (std::string hello::*field : {&hello::cluster, &hello::cluster_uuid}) {
    hello m = sample_hello();
    m.*field = std::string(max_datagram_string + 1, 'x');
    EXPECT_THROW((void)encode_datagram(m), std::length_error);
    json body = hello_body();
    body[field == &hello::cluster ? "cluster" : "cluster_uuid"] = m.*field;
    EXPECT_TRUE(dropped(datagram_with(3, body)));
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
                                 encode_datagram(who_is_leader{7, "lab"}),
                                 encode_datagram(sample_hello()), encode_datagram(joining_hello())};
  int hellos = 0;
  for (int i = 0; i < 12000; ++i) {
    const std::string bytes = test::mutate(samples[i % 4], rng);
    const datagram d = decode_datagram(bytes);
    if (const auto* a = std::get_if<leader_is>(&d)) {
      ASSERT_TRUE(is_endpoint(a->leader.endpoint)) << bytes;
      ASSERT_EQ(decode_datagram(encode_datagram(*a)), d) << bytes;
    } else if (const auto* w = std::get_if<who_is_leader>(&d)) {
      ASSERT_EQ(decode_datagram(encode_datagram(*w)), d) << bytes;
    } else if (const auto* h = std::get_if<hello>(&d)) {
      ++hellos;  // a decoded hello satisfies every invariant, so it encodes back to itself
      ASSERT_EQ(decode_datagram(encode_datagram(*h)), d) << bytes;
    }
  }
  EXPECT_GT(hellos, 0);  // some mutations (e.g. a changed digit) stay valid
}

}  // namespace
}  // namespace vote::wire
