// The command payload codec and the JSON form of results: round trips and hostile input.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "vote/core/election.hpp"

namespace vote {
namespace {

using json = nlohmann::json;

command sample_register() {
  return {
      "req-\"1\"", 1'700'000'000'000,
      register_cmd{"wahl-\xC3\xBC", {"A", "B b", "\\C"}, {"v1", "v2"}, tie_break::first_listed}};
}
command sample_vote() {
  return {"r2", 42, vote_cmd{"e1", "J\xC3\xBCrgen", "A"}};
}
command sample_close() {
  return {"", -5, close_cmd{"e1"}};
}

// A valid vote payload with one field replaced (or erased when `value` is discarded).
std::string vote_with(const std::string& key, const json& value) {
  json j = json::parse(encode_command(sample_vote()));
  if (value.is_discarded()) {
    j.erase(key);
  } else {
    j[key] = value;
  }
  return j.dump();
}

TEST(CommandCodec, EveryCommandRoundTrips) {
  for (const command& c : {sample_register(), sample_vote(), sample_close()}) {
    const auto decoded = decode_command(encode_command(c));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, c);
  }
}

TEST(CommandCodec, VotePayloadHasTheDocumentedFields) {
  const json j = json::parse(encode_command(sample_vote()));
  EXPECT_EQ(j, json::parse(R"({"request_id":"r2","ts":42,"op":"vote","election_id":"e1",
                               "voter":"J\u00fcrgen","candidate":"A"})"));
}

TEST(CommandCodec, RegisterPayloadHasTheDocumentedFields) {
  const json j = json::parse(encode_command(sample_register()));
  EXPECT_EQ(j["op"], "register");
  EXPECT_EQ(j["candidates"], json({"A", "B b", "\\C"}));
  EXPECT_EQ(j["voters"], json({"v1", "v2"}));
  EXPECT_EQ(j["tie_break"], "first_listed");
  EXPECT_EQ(j.size(), 7U);
}

TEST(CommandCodec, EncodingIsDeterministic) {
  EXPECT_EQ(encode_command(sample_register()), encode_command(sample_register()));
}

TEST(CommandCodec, EveryTruncationIsRejected) {
  for (const command& c : {sample_register(), sample_vote(), sample_close()}) {
    const std::string full = encode_command(c);
    for (std::size_t n = 0; n < full.size(); ++n) {
      ASSERT_FALSE(decode_command(full.substr(0, n)).has_value()) << full.substr(0, n);
    }
  }
}

TEST(CommandCodec, NonObjectsAreRejected) {
  for (const char* bad : {"", " ", "null", "[]", "42", "\"vote\"", "{", "}{", "\xff"}) {
    EXPECT_FALSE(decode_command(bad).has_value()) << bad;
  }
}

TEST(CommandCodec, WrongTypesAreRejected) {
  EXPECT_FALSE(decode_command(vote_with("voter", 7)));
  EXPECT_FALSE(decode_command(vote_with("candidate", nullptr)));
  EXPECT_FALSE(decode_command(vote_with("election_id", json::array())));
  EXPECT_FALSE(decode_command(vote_with("request_id", false)));
  EXPECT_FALSE(decode_command(vote_with("ts", "42")));
  EXPECT_FALSE(decode_command(vote_with("ts", 4.5)));
  EXPECT_FALSE(decode_command(vote_with("op", 1)));
}

TEST(CommandCodec, HugeTimestampsAreRejected) {
  EXPECT_FALSE(decode_command(vote_with("ts", std::numeric_limits<std::uint64_t>::max())));
  const std::string big = R"({"request_id":"r","ts":123456789012345678901234567890,"op":"close",)"
                          R"("election_id":"e"})";
  EXPECT_FALSE(decode_command(big).has_value());
  const std::string inf = R"({"request_id":"r","ts":1e999,"op":"close","election_id":"e"})";
  EXPECT_FALSE(decode_command(inf).has_value());
  EXPECT_TRUE(decode_command(vote_with("ts", std::numeric_limits<std::int64_t>::max())));
}

TEST(CommandCodec, MissingAndExtraFieldsAreRejected) {
  for (const char* key : {"request_id", "ts", "op", "election_id", "voter", "candidate"}) {
    EXPECT_FALSE(decode_command(vote_with(key, json(json::value_t::discarded)))) << key;
  }
  EXPECT_FALSE(decode_command(vote_with("extra", 1)));
  EXPECT_FALSE(decode_command(vote_with("tie_break", "none")));
}

TEST(CommandCodec, UnknownOpAndTieBreakAreRejected) {
  EXPECT_FALSE(decode_command(vote_with("op", "delete")));
  json j = json::parse(encode_command(sample_register()));
  j["tie_break"] = "coin_flip";
  EXPECT_FALSE(decode_command(j.dump()));
  j["tie_break"] = "none";
  j["voters"] = json({"v1", 2});
  EXPECT_FALSE(decode_command(j.dump()));
}

TEST(CommandCodec, DeepNestingIsRejectedWithoutCrashing) {
  const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
  EXPECT_FALSE(decode_command(deep).has_value());
  const std::string nested = R"({"request_id":"r","ts":1,"op":"vote","election_id":"e",)"
                             R"("candidate":"A","voter":)" +
                             deep + "}";
  EXPECT_FALSE(decode_command(nested).has_value());
}

// The JSON reading policy (vote/core/strict_json.hpp) holds for log entries too: a repeated key
// or a raw NUL byte was once accepted here (the last value won, the NUL ended the text).
TEST(CommandCodec, RepeatedKeysAndNulBytesAreRejected) {
  const std::string valid = encode_command(sample_vote());
  ASSERT_TRUE(decode_command(valid));
  ASSERT_EQ(valid.rfind(R"({"candidate":"A",)", 0), 0u);
  EXPECT_FALSE(decode_command(R"({"candidate":"B","candidate":"A",)" + valid.substr(17)));
  EXPECT_FALSE(decode_command(valid + std::string(1, '\0') + "junk"));
  json nested = json::parse(encode_command(sample_register()));
  nested["voters"] = json::array({json::object()});
  std::string text = nested.dump();
  text.replace(text.find("{}"), 2, R"({"a":1,"a":2})");
  EXPECT_FALSE(decode_command(text));
}

election_result sample_result() {
  election_result r;
  r.election_id = "e1";
  r.tallies = {{"B", 2}, {"A", 2}, {"C", 0}};
  r.tie = true;
  r.tied = {"B", "A"};
  r.rule = tie_break::none;
  r.votes_cast = 4;
  r.eligible_voters = 9;
  r.closed = true;
  r.closed_at_ms = 1234;
  return r;
}

TEST(ResultJson, HasTheDocumentedShape) {
  const json j = result_to_json(sample_result());
  EXPECT_EQ(j["winner"], nullptr);
  EXPECT_EQ(j["candidates"], json({"B", "A", "C"}));
  EXPECT_EQ(j["tallies"], json({{"A", 2}, {"B", 2}, {"C", 0}}));
  EXPECT_EQ(j["tie_break"], "none");
  EXPECT_EQ(j["tied"], json({"B", "A"}));
  EXPECT_EQ(j["closed_at_ms"], 1234);
  EXPECT_EQ(j.size(), 11U);
}

TEST(ResultJson, RoundTripsWithAndWithoutWinner) {
  election_result r = sample_result();
  EXPECT_EQ(result_from_json(result_to_json(r)), r);
  r.winner = "B";
  r.rule = tie_break::first_listed;
  EXPECT_EQ(result_from_json(result_to_json(r)), r);
}

TEST(ResultJson, MalformedResultsAreRejected) {
  const json good = result_to_json(sample_result());
  std::vector<json> bad(8, good);
  bad[0].erase("votes_cast");
  bad[1]["winner"] = 3;
  bad[2]["tallies"]["D"] = 1;  // a tally for a candidate not listed
  bad[3]["tallies"]["A"] = -1;
  bad[4]["candidates"] = json({"B", "B", "C"});
  bad[5]["tie_break"] = "other";
  bad[6]["closed"] = "yes";
  bad[7] = json::array();
  for (std::size_t i = 0; i < bad.size(); ++i) {
    EXPECT_FALSE(result_from_json(bad[i]).has_value()) << i;
  }
}

}  // namespace
}  // namespace vote
