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
      election{.round = 3, .uid = 9, .visited = {9, 4}, .skipped = {5}},
      election_ack{.round = 3, .uid = 9},
      leader_alive{.id = 9, .epoch = 4, .endpoint = "127.0.0.9:7000"},
      prepare{.epoch = 7, .candidate = 9, .handover = true},
      promise{.epoch = 7, .last_log_epoch = 6, .last_log_index = 120},
      reject{.promised_epoch = 8, .promised_to = 4},
      fetch{.epoch = 7, .from_index = 100},
      fetch_reply{.epoch = 7,
                  .ok = true,
                  .snapshot_needed = false,
                  .entries = {cmd(100, 6, binary), start(101, 6)}},
      append{.epoch = 7,
             .leader = 9,
             .prev_index = 99,
             .prev_epoch = 6,
             .entries = {config_entry(100, 7, config_of({4, 9}))},
             .commit_index = 98,
             .seq = 12},
      append_reply{.epoch = 7,
                   .ok = false,
                   .match_index = 0,
                   .last_index_hint = 50,
                   .seq = 12,
                   .promised_to = 4},
      timeout_now{.epoch = 7},
      install_snapshot{
          .epoch = 7,
          .leader = 9,
          .meta =
              snapshot_meta{.last_index = 90, .last_epoch = 6, .config = config_of({4, 9}, {5})},
          .offset = 64,
          .data = binary,
          .done = true},
      snapshot_reply{.epoch = 7, .ok = true, .next_offset = 128, .last_index = 90, .done = true},
      bootstrap_propose{.uuid = "u-1", .members = {m(1), m(2)}},
      bootstrap_reply{.uuid = "u-1", .accepted = true},
      fetch_reply{
          .epoch = 7,
          .ok = true,
          .snapshot_needed = true,
          .entries = {cmd(91, 6)},
          .snapshot = snapshot_meta{.last_index = 90, .last_epoch = 6, .config = config_of({4, 9})},
          .snapshot_data = binary}};
}

TEST(ConsensusCodec, FetchReplyOfAnOlderPeerDecodesWithoutASnapshot) {
  const auto e = decode_envelope(
      R"({"from":1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"fetch_reply","body":{"epoch":4,"ok":false,"snapshot_needed":true,"entries":[]}})");
  ASSERT_TRUE(e);
  EXPECT_EQ(std::get<fetch_reply>(e->body),
            (fetch_reply{.epoch = 4, .ok = false, .snapshot_needed = true}));
}

TEST(ConsensusCodec, EveryMessageRoundTrips) {
  for (const message_body& body : one_of_each()) {
    const envelope e{
        .from = 9, .from_incarnation = 1009, .to = 4, .cluster_uuid = test_uuid, .body = body};
    const auto back = decode_envelope(encode_envelope(e));
    ASSERT_TRUE(back) << message_type(body);
    EXPECT_EQ(*back, e) << message_type(body);
  }
}

TEST(ConsensusCodec, HostileInputIsRefusedWithoutThrowing) {
  const std::string good =
      encode_envelope(envelope{.from = 1,
                               .from_incarnation = 2,
                               .to = 3,
                               .cluster_uuid = "u",
                               .body = prepare{.epoch = 1, .candidate = 1, .handover = false}});
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
  const std::string full = encode_envelope(envelope{.from = 9,
                                                    .from_incarnation = 1009,
                                                    .to = 4,
                                                    .cluster_uuid = test_uuid,
                                                    .body = one_of_each()[8]});
  for (std::size_t i = 0; i < full.size(); ++i) {
    (void)decode_envelope(full.substr(0, i));
    std::string flipped = full;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    (void)decode_envelope(flipped);
  }
}

// The messages every vote costs travel in binary (docs/consensus.md "Binary messages"); an append
// in JSON, as an older peer sends it, still decodes.
TEST(ConsensusCodec, AppendsAndTheirRepliesTravelInBinary) {
  const append a{.epoch = 7,
                 .leader = 9,
                 .prev_index = 89,
                 .prev_epoch = 6,
                 .entries = {cmd(90, 7), cmd(91, 7)},
                 .commit_index = 88,
                 .seq = 12};
  const envelope e{
      .from = 9, .from_incarnation = 1009, .to = 4, .cluster_uuid = test_uuid, .body = a};
  const std::string bytes = encode_envelope(e);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.front(), '\x01');
  EXPECT_EQ(decode_envelope(bytes), e);
  const envelope r{.from = 4,
                   .from_incarnation = 1004,
                   .to = 9,
                   .cluster_uuid = test_uuid,
                   .body = append_reply{.epoch = 7, .ok = true, .match_index = 91, .seq = 12}};
  EXPECT_EQ(encode_envelope(r).front(), '\x01');
  EXPECT_EQ(decode_envelope(encode_envelope(r)), r);

  const auto from_json = decode_envelope(
      R"({"from":1,"from_incarnation":2,"to":3,"cluster_uuid":"u","type":"append","body":{"epoch":1,"leader":1,"prev_index":0,"prev_epoch":0,"entries":[{"index":1,"epoch":1,"kind":3,"payload":"eyJ9"}],"commit_index":0,"seq":1}})");
  ASSERT_TRUE(from_json);
  EXPECT_EQ(std::get<append>(from_json->body).entries.at(0).payload, "{\"}");
}

TEST(ConsensusCodec, HostileBinaryIsRefused) {
  const envelope e{.from = 9,
                   .from_incarnation = 1009,
                   .to = 4,
                   .cluster_uuid = test_uuid,
                   .body = append{.epoch = 7, .leader = 9, .entries = {cmd(1, 7), cmd(2, 7)}}};
  const std::string good = encode_envelope(e);
  ASSERT_TRUE(decode_envelope(good));
  // Every truncation, and a byte more.
  for (std::size_t i = 0; i < good.size(); ++i) EXPECT_FALSE(decode_envelope(good.substr(0, i)));
  EXPECT_FALSE(decode_envelope(good + "x"));
  // Offsets: 0 marker, 1 type, 2..25 from/incarnation/to, 26..27 uuid length.
  std::string unknown_type = good;
  unknown_type[1] = 0;  // "election" has no binary form
  EXPECT_FALSE(decode_envelope(unknown_type));
  std::string long_uuid = good;
  long_uuid[26] = static_cast<char>(max_cluster_uuid_size + 1);
  EXPECT_FALSE(decode_envelope(long_uuid));
  // An entry count far over what the bytes hold is refused without reserving for it.
  const std::size_t count_at = 28 + test_uuid.size() + 6 * 8;
  std::string huge_count = good;
  huge_count.replace(count_at, 4, std::string("\xff\xff\x01\x00", 4));
  EXPECT_FALSE(decode_envelope(huge_count));
  std::string bad_kind = good;
  bad_kind[count_at + 4 + 16] = 9;
  EXPECT_FALSE(decode_envelope(bad_kind));
  // append_reply's ok is 0 or 1.
  std::string reply = encode_envelope(envelope{.from = 4,
                                               .from_incarnation = 1004,
                                               .to = 9,
                                               .cluster_uuid = test_uuid,
                                               .body = append_reply{.epoch = 7, .ok = true}});
  reply[28 + test_uuid.size() + 8] = 2;
  EXPECT_FALSE(decode_envelope(reply));
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
