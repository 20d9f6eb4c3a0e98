// The configuration and envelope codecs: round trips and hostile input.
#include <gtest/gtest.h>

#include "consensus_fixture.hpp"

namespace vote::consensus::test {
namespace {

TEST(ConsensusConfig, QuorumIsAMajorityOfVoters) {
  EXPECT_EQ(config_of({1}).quorum(), 1u);
  EXPECT_EQ(config_of({1, 2}).quorum(), 2u);
  EXPECT_EQ(config_of({1, 2, 3}, {4, 5}).quorum(), 2u);
  EXPECT_TRUE(config_of({1, 2, 3}).is_quorum({1, 3}));
  EXPECT_FALSE(config_of({1, 2, 3}, {4}).is_quorum({1, 4}));  // learners never count
  EXPECT_FALSE(config_of({1, 2, 3}).is_quorum({1, 1}));
}

TEST(ConsensusConfig, KnowsChecksTheIncarnation) {
  const configuration c = config_of({1, 2});
  EXPECT_TRUE(c.knows(1, m(1).incarnation));
  EXPECT_FALSE(c.knows(1, m(1).incarnation + 1));
  EXPECT_FALSE(c.knows(3, m(3).incarnation));
}

TEST(ConsensusConfig, EncodingRoundTripsAndIsDeterministic) {
  configuration a = config_of({3, 1, 2}, {9});
  const std::string bytes = encode_configuration(a);
  EXPECT_EQ(decode_configuration(bytes), a);
  EXPECT_EQ(encode_configuration(config_of({1, 2, 3}, {9})), bytes);
}

TEST(ConsensusConfig, MalformedPayloadsAreRefused) {
  for (const char* bad : {"", "{", "[]", "{\"voters\":[],\"learners\":[]}",
                          "{\"cluster_uuid\":\"u\",\"voters\":[{\"id\":0,\"incarnation\":1,"
                          "\"endpoint\":\"e\"}],\"learners\":[]}",
                          "{\"cluster_uuid\":\"u\",\"voters\":[{\"id\":1,\"incarnation\":1,"
                          "\"endpoint\":\"e\"}],\"learners\":[{\"id\":1,\"incarnation\":1,"
                          "\"endpoint\":\"e\"}]}"}) {
    EXPECT_FALSE(decode_configuration(bad)) << bad;
  }
}

std::vector<message_body> one_of_each() {
  const std::string binary("\0\xff\x01 zero and high bytes", 24);
  return {
      election{3, 9, {9, 4}, {5}},
      election_ack{3, 9},
      leader_alive{9, 4, "127.0.0.9:7000"},
      prepare{7, 9, true},
      promise{7, 6, 120},
      reject{8, 4},
      fetch{7, 100},
      fetch_reply{7, true, false, {cmd(100, 6, binary), start(101, 6)}},
      append{7, 9, 99, 6, {config_entry(100, 7, config_of({4, 9}))}, 98, 12},
      append_reply{7, false, 0, 50, 12, 4},
      timeout_now{7},
      install_snapshot{7, 9, snapshot_meta{90, 6, config_of({4, 9}, {5})}, 64, binary, true},
      snapshot_reply{7, true, 128, 90, true},
      bootstrap_propose{"u-1", {m(1), m(2)}},
      bootstrap_reply{"u-1", true},
      fetch_reply{7, true, true, {cmd(91, 6)}, snapshot_meta{90, 6, config_of({4, 9})}, binary}};
}

TEST(ConsensusCodec, FetchReplyOfAnOlderPeerDecodesWithoutASnapshot) {
  const auto e = decode_envelope(
      R"({"from":1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"fetch_reply","body":{"epoch":4,"ok":false,"snapshot_needed":true,"entries":[]}})");
  ASSERT_TRUE(e);
  EXPECT_EQ(std::get<fetch_reply>(e->body), (fetch_reply{4, false, true, {}}));
}

TEST(ConsensusCodec, EveryMessageRoundTrips) {
  for (const message_body& body : one_of_each()) {
    const envelope e{9, 1009, 4, test_uuid, body};
    const auto back = decode_envelope(encode_envelope(e));
    ASSERT_TRUE(back) << message_type(body);
    EXPECT_EQ(*back, e) << message_type(body);
  }
}

TEST(ConsensusCodec, HostileInputIsRefusedWithoutThrowing) {
  const std::string good = encode_envelope(envelope{1, 2, 3, "u", prepare{1, 1, false}});
  std::vector<std::string> bad = {
      "",
      "null",
      "[]",
      "{}",
      std::string(100000, '['),
      "{\"from\":1}",
      good.substr(0, good.size() / 2),
      R"({"from":1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"nope","body":{}})",
      R"({"from":-1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"timeout_now","body":{"epoch":1}})",
      R"({"from":1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"timeout_now","body":{"epoch":"1"}})",
      R"({"from":1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"append","body":{"epoch":1,"leader":1,"prev_index":0,"prev_epoch":0,"entries":[{"index":1,"epoch":1,"kind":9,"payload":""}],"commit_index":0,"seq":1}})",
      R"({"from":1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"append","body":{"epoch":1,"leader":1,"prev_index":0,"prev_epoch":0,"entries":[{"index":1,"epoch":1,"kind":3,"payload":"not base64!"}],"commit_index":0,"seq":1}})",
      R"({"from":1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"fetch_reply","body":{"epoch":4,"ok":true,"snapshot_needed":true,"entries":[],"snapshot":{"last_index":3,"last_epoch":1,"data":""}}})",
      R"({"from":1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"fetch_reply","body":{"epoch":4,"ok":true,"snapshot_needed":true,"entries":[],"snapshot":"all of it"}})",
  };
  for (const std::string& b : bad) EXPECT_FALSE(decode_envelope(b)) << b.substr(0, 80);
  // nlohmann stops at a NUL byte: bytes smuggled after one must not pass unnoticed.
  ASSERT_TRUE(decode_envelope(good));
  EXPECT_FALSE(decode_envelope(good + std::string(1, '\0') + "junk"));
  // Every truncation and every single-byte flip of a valid message decodes or is refused.
  const std::string full = encode_envelope(envelope{9, 1009, 4, test_uuid, one_of_each()[8]});
  for (std::size_t i = 0; i < full.size(); ++i) {
    (void)decode_envelope(full.substr(0, i));
    std::string flipped = full;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    (void)decode_envelope(flipped);
  }
}

// Peer bytes follow the one JSON reading policy (vote/core/strict_json.hpp): a repeated key, at
// any depth, and a "-0" where a u64 belongs were once accepted here (the last value won).
TEST(ConsensusCodec, RepeatedKeysAndNegativeZeroAreRefused) {
  const std::string good = encode_envelope(envelope{9, 1009, 4, test_uuid, timeout_now{7}});
  ASSERT_TRUE(decode_envelope(good));
  ASSERT_EQ(good.front(), '{');
  EXPECT_FALSE(decode_envelope(R"({"to":5,)" + good.substr(1)));
  std::string nested = good;
  nested.replace(nested.find(R"({"epoch":7})"), 11, R"({"epoch":1,"epoch":7})");
  EXPECT_FALSE(decode_envelope(nested));
  std::string negative_zero = good;
  negative_zero.replace(negative_zero.find(R"("to":4)"), 6, R"("to":-0)");
  EXPECT_FALSE(decode_envelope(negative_zero));
  const std::string config = encode_configuration(config_of({1, 2}));
  ASSERT_TRUE(decode_configuration(config));
  EXPECT_FALSE(decode_configuration(R"({"cluster_uuid":"other",)" + config.substr(1)));
  EXPECT_FALSE(decode_configuration(config + std::string(1, '\0') + "junk"));
}

}  // namespace
}  // namespace vote::consensus::test
