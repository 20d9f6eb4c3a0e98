// Snapshot and restore of the election state: the binary version 4 (canonical bytes, equality,
// validation of hostile bytes) and the JSON version 3 that older releases wrote (still restored,
// as strictly).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "unit/core/election_fixture.hpp"
#include "vote/core/election.hpp"

namespace vote::test {
namespace {

class SnapshotTest : public election_fixture {
 protected:
  // e1 open with votes (one without request id), e2 closed with a tie, e3 closed untouched.
  void given_busy_state() {
    given_open_election();
    ASSERT_TRUE(vote("e1", "v1", "A", "req-1").ok());
    ASSERT_TRUE(vote("e1", "v2", "C").ok());
    ASSERT_TRUE(
        register_election("e2", {"X", "Y"}, {"a", "b"}, tie_break::first_listed, "reg-2").ok());
    ASSERT_TRUE(vote("e2", "a", "Y", "req-a").ok());
    ASSERT_TRUE(vote("e2", "b", "X", "req-b").ok());
    ASSERT_TRUE(close("e2").ok());
    ASSERT_TRUE(register_election("e3", {"Q"}, {"z"}).ok());
    ASSERT_TRUE(close("e3").ok());
  }
  election_state restored() const {
    auto r = election_state::restore(state_.snapshot());
    EXPECT_TRUE(r.has_value());
    return r ? std::move(*r) : election_state{};
  }
  // The version-3 JSON snapshot with `edit` applied.
  using edit = std::function<void(nlohmann::json&)>;
  std::string edited_snapshot(const edit& edit_json) const {
    nlohmann::json j = nlohmann::json::parse(state_.snapshot_v3());
    edit_json(j);
    return j.dump();
  }
};

TEST_F(SnapshotTest, EmptyStateRoundTrips) {
  const auto r = election_state::restore(state_.snapshot());
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(*r == state_);
  EXPECT_EQ(r->election_count(), 0U);
}

TEST_F(SnapshotTest, RoundTripAfterVotesAndClosesIsEqualAndByteIdentical) {
  given_busy_state();
  const election_state copy = restored();
  EXPECT_TRUE(copy == state_);
  EXPECT_EQ(copy.snapshot(), state_.snapshot());
  EXPECT_EQ(copy.result_of("e1"), state_.result_of("e1"));
  EXPECT_EQ(copy.result_of("e2"), state_.result_of("e2"));
}

// Replicas apply the same log: the bytes depend on the state and the order of its log, never on
// the order in which the elections were created (they are written by id).
TEST_F(SnapshotTest, EqualStatesFromTheSameLogGiveEqualBytesWhateverTheElectionOrder) {
  register_election("b", {"A"}, {"v2", "v1"});
  register_election("a", {"A"}, {"v1"});
  vote("b", "v1", "A", "r1");
  vote("b", "v2", "A", "r2");
  election_state second;
  second.apply(command{"", 1, register_cmd{"a", {"A"}, {"v1"}, tie_break::none}});
  second.apply(command{"", 2, register_cmd{"b", {"A"}, {"v2", "v1"}, tie_break::none}});
  second.apply(command{"r1", 3, vote_cmd{"b", "v1", "A"}});
  // The snapshot also keeps the latest timestamp applied: the same one here.
  second.apply(command{"r2", state_.last_timestamp_ms(), vote_cmd{"b", "v2", "A"}});
  EXPECT_TRUE(second == state_);
  EXPECT_EQ(second.snapshot(), state_.snapshot());
  // The roll in another order is an equal state: the bytes keep each one's order.
  election_state third;
  third.apply(command{"", 1, register_cmd{"a", {"A"}, {"v1"}, tie_break::none}});
  third.apply(command{"", 2, register_cmd{"b", {"A"}, {"v1", "v2"}, tie_break::none}});
  third.apply(command{"r2", 3, vote_cmd{"b", "v2", "A"}});
  third.apply(command{"r1", state_.last_timestamp_ms(), vote_cmd{"b", "v1", "A"}});
  EXPECT_TRUE(third == state_);
  const auto restored = election_state::restore(third.snapshot());
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->snapshot(), third.snapshot());
}

// Snapshots of releases before version 4 load: the same state, which then writes version 4.
TEST_F(SnapshotTest, AVersion3SnapshotRestoresToTheSameState) {
  given_busy_state();
  const std::string v3 = state_.snapshot_v3();
  ASSERT_EQ(v3.front(), '{');
  const auto r = election_state::restore(v3);
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r == state_);
  EXPECT_EQ(r->last_timestamp_ms(), state_.last_timestamp_ms());
  EXPECT_EQ(r->result_of("e2"), state_.result_of("e2"));
  EXPECT_EQ(election_state::restore(r->snapshot())->snapshot(), r->snapshot());
}

// The node snapshots a copy of its state while it goes on applying (snapshot_job): the copy
// shares storage with the state and must keep exactly what it held.
TEST_F(SnapshotTest, ACopyKeepsTheStateItWasTakenFromWhileTheOriginalGoesOn) {
  given_busy_state();
  const std::string bytes = state_.snapshot();
  const election_state copy = state_;
  ASSERT_TRUE(vote("e1", "v3", "B", "req-3").ok());
  ASSERT_TRUE(close("e1").ok());
  ASSERT_TRUE(register_election("e4", {"A"}, {"x"}).ok());
  EXPECT_EQ(copy.snapshot(), bytes);
  EXPECT_EQ(copy.result_of("e1")->votes_cast, 2U);
  EXPECT_FALSE(copy.result_of("e1")->closed);
  EXPECT_FALSE(copy.result_of("e4").has_value());
  EXPECT_FALSE(copy == state_);
}

TEST_F(SnapshotTest, TheOriginalKeepsItsStateWhileACopyGoesOn) {
  given_busy_state();
  const std::string bytes = state_.snapshot();
  election_state copy = state_;
  ASSERT_TRUE(copy.apply(command{"req-4", 5'000, vote_cmd{"e1", "v4", "A"}}).ok());
  EXPECT_EQ(state_.snapshot(), bytes);
  EXPECT_EQ(copy.result_of("e1")->votes_cast, 3U);
}

TEST_F(SnapshotTest, StatesDifferingInOneRecordAreUnequal) {
  given_open_election();
  election_state other = state_;
  vote("e1", "v1", "A", "r1");
  other.apply(command{"r-other", 0, vote_cmd{"e1", "v1", "A"}});
  EXPECT_FALSE(other == state_);
  EXPECT_NE(other.snapshot(), state_.snapshot());
}

TEST_F(SnapshotTest, RestoredStateKeepsVoteDedup) {
  given_busy_state();
  state_ = restored();
  EXPECT_EQ(vote("e1", "v1", "A", "req-1").code, errc::ok);
  EXPECT_EQ(vote("e1", "v1", "A", "req-9").code, errc::already_voted);
  EXPECT_EQ(vote("e1", "v2", "C").code, errc::already_voted);
  EXPECT_EQ(votes_for("e1", "A"), 1U);
}

TEST_F(SnapshotTest, RestoredStateKeepsRegisterDedupAndClosedIds) {
  given_busy_state();
  state_ = restored();
  EXPECT_EQ(register_election("e2", {"X"}, {"a"}, tie_break::none, "reg-2").code, errc::ok);
  EXPECT_EQ(register_election("e3", {"Q"}, {"z"}).code, errc::election_exists);
  EXPECT_EQ(vote("e3", "z", "Q").code, errc::election_closed);
  EXPECT_EQ(close("e2").message.rfind(
                "Election e2 ended in a tie between 'X' and 'Y'; tie-break first_listed: the "
                "winner is X. (It was closed at ",
                0),
            0U);
}

TEST_F(SnapshotTest, GarbageIsRejected) {
  for (const char* bad : {"", "garbage", "{}", "[]", "null", "{\"elections\":[]}", "\xff\xfe"}) {
    EXPECT_FALSE(election_state::restore(bad).has_value()) << bad;
  }
}

TEST_F(SnapshotTest, EveryTruncationIsRejected) {
  given_busy_state();
  const std::string full = state_.snapshot();
  for (std::size_t n = 0; n < full.size(); ++n) {
    ASSERT_FALSE(election_state::restore(full.substr(0, n)).has_value()) << n;
  }
}

// Version 3 (JSON) from here on: the same checks as the binary version's below.
TEST_F(SnapshotTest, WrongVersionIsRejected) {
  EXPECT_FALSE(
      election_state::restore(edited_snapshot([](nlohmann::json& j) { j["version"] = 4; })));
  EXPECT_FALSE(
      election_state::restore(edited_snapshot([](nlohmann::json& j) { j["version"] = 0; })));
  EXPECT_FALSE(election_state::restore(edited_snapshot([](nlohmann::json& j) { j["extra"] = 1; })));
}

TEST_F(SnapshotTest, TamperedStoredResultIsRejected) {
  given_busy_state();
  const auto bump = [](nlohmann::json& j) { j["elections"][1]["result"]["tallies"]["X"] = 7; };
  EXPECT_FALSE(election_state::restore(edited_snapshot(bump)).has_value());
  const auto reopen = [](nlohmann::json& j) { j["elections"][1]["result"]["closed"] = false; };
  EXPECT_FALSE(election_state::restore(edited_snapshot(reopen)).has_value());
}

TEST_F(SnapshotTest, BadVoterRecordsAreRejected) {
  given_busy_state();
  const std::vector<edit> edits = {
      [](nlohmann::json& j) { j["elections"][0]["voters"][0][1] = 3; },  // no such candidate
      [](nlohmann::json& j) { j["elections"][0]["voters"][0][1] = UINT64_MAX; },
      [](nlohmann::json& j) { j["elections"][0]["voters"][0][1] = -2; },
      [](nlohmann::json& j) { j["elections"][0]["voters"][4][2] = "r"; },  // no vote, request id
      [](nlohmann::json& j) { j["elections"][0]["voters"][0][2] = "bad\n"; },
      [](nlohmann::json& j) {
        j["elections"][0]["voters"][1][0] = j["elections"][0]["voters"][0][0];
      },
      [](nlohmann::json& j) { j["elections"][0]["voters"][0].erase(2); },
      [](nlohmann::json& j) { j["elections"][0]["voters"][0][1] = "0"; },
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    EXPECT_FALSE(election_state::restore(edited_snapshot(edits[i])).has_value()) << i;
  }
}

TEST_F(SnapshotTest, DuplicateElectionIsRejected) {
  given_busy_state();
  const auto dup = [](nlohmann::json& j) { j["elections"].push_back(j["elections"][0]); };
  EXPECT_FALSE(election_state::restore(edited_snapshot(dup)).has_value());
}

// Snapshot bytes follow the one JSON reading policy (vote/core/strict_json.hpp): a repeated key
// or a raw NUL byte was once accepted here (the last value won, the NUL ended the text).
TEST_F(SnapshotTest, RepeatedKeysAndNulBytesAreRejected) {
  given_busy_state();
  const std::string full = state_.snapshot_v3();
  ASSERT_TRUE(election_state::restore(full));
  ASSERT_EQ(full.front(), '{');
  EXPECT_FALSE(election_state::restore(R"({"version":1,)" + full.substr(1)));
  std::string nested = full;
  nested.replace(nested.find(R"("tie_break":)"), 12, R"("tie_break":"none","tie_break":)");
  EXPECT_FALSE(election_state::restore(nested));
  EXPECT_FALSE(election_state::restore(full + std::string(1, '\0') + "junk"));
}

TEST_F(SnapshotTest, RestoreEnforcesTheLimits) {
  given_busy_state();
  EXPECT_FALSE(election_state::restore(state_.snapshot(), limits{.max_voters = 4}).has_value());
  const auto r = election_state::restore(state_.snapshot(), limits{.max_voters = 5});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->bounds().max_voters, 5U);
}

// Version 4 (binary), edited where its layout says (docs/state-machine.md "Snapshots").
class BinarySnapshotTest : public SnapshotTest {
 protected:
  void SetUp() override {
    given_busy_state();
    full_ = state_.snapshot();
    ASSERT_TRUE(election_state::restore(full_));
  }
  // Offset of the first `s` written as a str (u16 length, bytes).
  std::size_t str_at(const std::string& s) const {
    const std::string needle = std::string(1, static_cast<char>(s.size())) + '\0' + s;
    const std::size_t at = full_.find(needle);
    EXPECT_NE(at, std::string::npos) << s;
    return at;
  }
  bool restores_with(std::size_t offset, std::string_view bytes) const {
    std::string edited = full_;
    edited.replace(offset, bytes.size(), bytes);
    return election_state::restore(edited).has_value();
  }
  std::string full_;
};

TEST_F(BinarySnapshotTest, ItIsBinaryAndRoundTrips) {
  EXPECT_EQ(full_.substr(0, 10), "vote-state");
  EXPECT_EQ(full_[10], '\x04');
  EXPECT_EQ(election_state::restore(full_)->snapshot(), full_);
}

TEST_F(BinarySnapshotTest, ARollThatListsAVoterTwiceIsRejected) {
  // e1's roll is v1..v5: the second entry becomes v1.
  EXPECT_FALSE(restores_with(str_at("v2"), std::string("\x02\0v1", 4)));
  EXPECT_TRUE(restores_with(str_at("v2"), std::string("\x02\0w2", 4)));  // the edit itself is fine
}

TEST_F(BinarySnapshotTest, AVoterIdThatNoCommandCouldHoldIsRejected) {
  EXPECT_FALSE(restores_with(str_at("v2") + 2, "v\n"));
  EXPECT_FALSE(restores_with(str_at("v2") + 2, "v\xff"));
}

TEST_F(BinarySnapshotTest, AVoteByAVoterOffTheRollOrOneWhoVotedIsRejected) {
  // e2's votes: [voter index u32][request id str][nonce][candidate u16]; req-b is voter 1.
  const std::size_t voter = str_at("req-b") - 4;
  EXPECT_EQ(full_[voter], '\x01');
  EXPECT_FALSE(restores_with(voter, std::string("\x00", 1)));     // voter 0 already voted
  EXPECT_FALSE(restores_with(voter, "\x02"));                     // e2's roll has 2 voters
  EXPECT_FALSE(restores_with(str_at("req-b") + 2, "bad\n\x01"));  // a request id with a control
}

TEST_F(BinarySnapshotTest, AVoteForNoSuchCandidateIsRejected) {
  const std::size_t candidate = str_at("req-b") + 2 + 5 + 16;
  EXPECT_FALSE(restores_with(candidate, std::string("\x01\0", 2)));  // X -> Y: not e2's result
  EXPECT_FALSE(restores_with(candidate, std::string("\x02\0", 2)));
  EXPECT_FALSE(restores_with(candidate, "\xff\xff"));
}

TEST_F(BinarySnapshotTest, AStoredResultOtherThanTheRecountIsRejected) {
  const std::size_t at = full_.find("\"closed\":true");
  ASSERT_NE(at, std::string::npos);
  EXPECT_FALSE(restores_with(at, "\"closed\":null"));
  const std::size_t votes = full_.find("\"votes_cast\":2");
  ASSERT_NE(votes, std::string::npos);
  EXPECT_FALSE(restores_with(votes, "\"votes_cast\":3"));
}

TEST_F(BinarySnapshotTest, AnotherVersionTrailingBytesAndHugeCountsAreRejected) {
  EXPECT_FALSE(restores_with(10, "\x05"));
  EXPECT_FALSE(restores_with(10, "\x03"));
  EXPECT_FALSE(election_state::restore(full_ + '\0'));
  // The election count (after magic, version, timestamp) claims 2^32 - 1: refused before any
  // memory is reserved for them.
  EXPECT_FALSE(restores_with(10 + 4 + 8, "\xff\xff\xff\xff"));
}

TEST_F(BinarySnapshotTest, EveryByteFlipIsRejectedOrRestoresAStateThatRoundTrips) {
  for (std::size_t i = 0; i < full_.size(); ++i) {
    std::string edited = full_;
    edited[i] = static_cast<char>(edited[i] ^ 0x41);
    const auto r = election_state::restore(edited);
    if (r) {
      EXPECT_EQ(election_state::restore(r->snapshot())->snapshot(), r->snapshot()) << i;
    }
  }
}

TEST_F(BinarySnapshotTest, RankedWeightedElectionsRoundTrip) {
  register_cmd r{"r", {"A", "B", "C"}, {"x", "y", "z"}, tie_break::none};
  r.method = counting::method::irv;
  r.weights = {3, 1, 1};
  ASSERT_TRUE(state_.apply(command{"reg-r", 9'000, r}).ok());
  vote_cmd v{"r", "y", ""};
  v.choices = {"B", "C"};
  ASSERT_TRUE(state_.apply(command{"v-y", 9'001, v}).ok());
  v.voter = "x";
  v.choices = {"C"};
  ASSERT_TRUE(state_.apply(command{"v-x", 9'002, v}).ok());
  const auto restored = election_state::restore(state_.snapshot());
  ASSERT_TRUE(restored);
  EXPECT_TRUE(*restored == state_);
  EXPECT_EQ(restored->snapshot(), state_.snapshot());
  EXPECT_EQ(restored->result_of("r"), state_.result_of("r"));
  // The weights: every one 1 is not a weighted election.
  full_ = state_.snapshot();
  const std::size_t weight = str_at("x") + 3;
  EXPECT_EQ(full_[weight], '\x03');
  EXPECT_FALSE(restores_with(weight, "\x01"));
  EXPECT_FALSE(restores_with(weight, std::string("\0", 1)));  // a weight of 0
}

}  // namespace
}  // namespace vote::test
