// The peer codec: what a peer frame may carry, authenticated (with a key) and decoded before
// anything reaches the node; everything else is refused with a reason.
#include "vote/net/peer_message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vote::net {
namespace {

constexpr std::int64_t now = 1'700'000'000'000;

consensus::envelope an_envelope() {
  return consensus::envelope{.from = 3,
                             .from_incarnation = 4,
                             .to = 7,
                             .cluster_uuid = "u",
                             .body = consensus::append_reply{}};
}

std::optional<peer_refusal> refusal(const std::variant<peer_input, peer_refusal>& r) {
  if (const auto* why = std::get_if<peer_refusal>(&r)) return *why;
  return std::nullopt;
}

TEST(PeerCodecTest, WithoutAKeyEnvelopesLeavesAndOpeningsDecode) {
  const peer_codec codec;
  const auto e = an_envelope();
  auto r = codec.open(codec.seal(consensus::encode_envelope(e), now), now);
  ASSERT_FALSE(refusal(r));
  EXPECT_EQ(std::get<consensus::envelope>(std::get<peer_input>(r)), e);
  const leave_request leave{.from = 7, .incarnation = 9, .cluster_uuid = "u"};
  r = codec.open(encode_leave(leave), now);
  ASSERT_FALSE(refusal(r));
  EXPECT_EQ(std::get<leave_request>(std::get<peer_input>(r)), leave);
  r = codec.open(encode_opening({.from = 5}), now);
  ASSERT_FALSE(refusal(r));
  EXPECT_EQ(std::get<link_opening>(std::get<peer_input>(r)).from, 5u);
}

TEST(PeerCodecTest, AnythingElseIsUndecodable) {
  const peer_codec codec;
  const std::vector<std::string> junk = {
      "x", R"({"control":1})",
      R"({"control":"leave","from":"x","incarnation":1,"cluster_uuid":"u"})",
      R"({"control":"leave","from":7,"incarnation":70,"cluster_uuid":5})",
      R"({"control":"leave","from":7,"incarnation":70,"cluster_uuid":"u","more":1})",
      R"({"control":"open","from":0})", R"({"control":"open"})", R"({"control":"launch","from":1})",
      "[1,2]", "null", std::string("{\"control\":\"open\",\"from\":1}\0tail", 32), "\xff\xfe",
      std::string(100, '[') + std::string(100, ']'),
      // A repeated key (the one JSON reading policy; once the last value won).
      R"({"control":"open","from":1,"from":2})",
      R"({"control":"leave","from":7,"incarnation":70,"cluster_uuid":"u","cluster_uuid":"v"})",
      R"({"from":1,"from_incarnation":2,"to":7,"cluster_uuid":"u","type":"append","body":{}})"};
  for (const auto& bytes : junk) {
    EXPECT_EQ(refusal(codec.open(bytes, now)), peer_refusal::undecodable) << bytes;
  }
}

TEST(PeerCodecTest, WithAKeyOnlySealedFreshMessagesOpen) {
  const cluster_key key(std::string(32, 'k'));
  const cluster_key other(std::string(32, 'o'));
  const peer_codec codec(&key);
  const std::string opening = encode_opening({.from = 5});
  EXPECT_FALSE(refusal(codec.open(codec.seal(opening, now), now)));
  EXPECT_EQ(refusal(codec.open(opening, now)), peer_refusal::malformed) << "unsealed, short";
  const std::string leave = encode_leave({.from = 7, .incarnation = 9, .cluster_uuid = "u"});
  EXPECT_EQ(refusal(codec.open(leave, now)), peer_refusal::forged) << "unsealed";
  EXPECT_EQ(refusal(codec.open("short", now)), peer_refusal::malformed);
  EXPECT_EQ(refusal(codec.open(other.seal(opening, now), now)), peer_refusal::forged);
  EXPECT_EQ(refusal(codec.open(codec.seal(opening, now - 31'000), now)), peer_refusal::stale);
  EXPECT_EQ(refusal(codec.open(codec.seal("garbage", now), now)), peer_refusal::undecodable);
}

TEST(PeerCodecTest, RefusalsHaveNames) {
  EXPECT_EQ(to_string(peer_refusal::forged), "forged");
  EXPECT_EQ(to_string(peer_refusal::undecodable), "undecodable");
}

}  // namespace
}  // namespace vote::net
