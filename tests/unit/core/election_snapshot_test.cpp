// Snapshot and restore of the election state: canonical bytes, equality, validation.
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
  // The snapshot with `edit` applied to its JSON form.
  using edit = std::function<void(nlohmann::json&)>;
  std::string edited_snapshot(const edit& edit_json) const {
    nlohmann::json j = nlohmann::json::parse(state_.snapshot());
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

TEST_F(SnapshotTest, EqualStatesGiveEqualBytesWhateverTheApplyOrder) {
  register_election("b", {"A"}, {"v2", "v1"});
  register_election("a", {"A"}, {"v1"});
  vote("b", "v1", "A", "r1");
  vote("b", "v2", "A", "r2");
  election_state second;
  second.apply(command{"", 1, register_cmd{"a", {"A"}, {"v1"}, tie_break::none}});
  second.apply(command{"", 2, register_cmd{"b", {"A"}, {"v1", "v2"}, tie_break::none}});
  second.apply(command{"r2", 3, vote_cmd{"b", "v2", "A"}});
  // The snapshot also keeps the latest timestamp applied: the same one here.
  second.apply(command{"r1", state_.last_timestamp_ms(), vote_cmd{"b", "v1", "A"}});
  EXPECT_TRUE(second == state_);
  EXPECT_EQ(second.snapshot(), state_.snapshot());
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
  const std::string full = state_.snapshot();
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

}  // namespace
}  // namespace vote::test
