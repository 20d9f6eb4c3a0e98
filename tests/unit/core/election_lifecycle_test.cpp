// The election state machine of issue 11 (DESIGN.md §11): deadlines and opening times judged by
// entry timestamps, exactly one close, close when all voted, rolls in chunks, weighted voters,
// every counting method's ballots, and the snapshot and record of all of it.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "unit/core/election_fixture.hpp"
#include "vote/core/election.hpp"
#include "vote/core/time_text.hpp"

namespace vote {
namespace {

using counting::method;

class LifecycleTest : public test::election_fixture {
 protected:
  outcome at(std::int64_t ts, command_body body, const std::string& request_id = "") {
    now_ms_ = ts;
    return state_.apply(command{request_id, ts, std::move(body)});
  }
  register_cmd election(std::string id, std::vector<std::string> voters = {"v1", "v2", "v3"}) {
    register_cmd r;
    r.election_id = std::move(id);
    r.candidates = {"A", "B", "C"};
    r.voters = std::move(voters);
    return r;
  }
  static vote_cmd ranked(std::string e, std::string voter, std::vector<std::string> ranking) {
    vote_cmd v{std::move(e), std::move(voter), ""};
    v.choices = std::move(ranking);
    return v;
  }
  phase phase_of(const std::string& id, std::int64_t now) const {
    for (const election_summary& s : state_.summaries(now)) {
      if (s.election_id == id) return s.state;
    }
    ADD_FAILURE() << "no election " << id;
    return phase::closed;
  }
};

TEST_F(LifecycleTest, AVoteStampedAtOrAfterTheDeadlineIsRefused) {
  register_cmd r = election("e");
  r.closes_at_ms = 10'000;
  ASSERT_TRUE(at(1'000, r).ok());
  EXPECT_TRUE(at(9'999, vote_cmd{"e", "v1", "A"}).ok());
  const outcome late = at(10'000, vote_cmd{"e", "v2", "B"});
  EXPECT_EQ(late.code, errc::election_closed);
  EXPECT_EQ(late.message, "Error: Election e closed at " + rfc3339(10'000) + ".");
  // judge() cannot know the timestamp a vote will get: it leaves the deadline to apply().
  EXPECT_EQ(state_.judge(command{"", 0, vote_cmd{"e", "v3", "C"}}).how, settled::no);
}

TEST_F(LifecycleTest, TheDeadlineCloseAppliesOnlyPastTheDeadlineAndOnce) {
  register_cmd r = election("e");
  r.closes_at_ms = 10'000;
  ASSERT_TRUE(at(1'000, r).ok());
  ASSERT_TRUE(at(2'000, vote_cmd{"e", "v1", "A"}).ok());
  EXPECT_EQ(state_.due_closes(9'999), std::vector<std::string>{});
  EXPECT_EQ(state_.due_closes(10'000), std::vector<std::string>{"e"});
  // A close proposed at the deadline by a leader whose clock ran early does nothing.
  EXPECT_EQ(at(9'000, close_cmd{"e", true}).code, errc::election_open);
  const outcome closed = at(10'500, close_cmd{"e", true});
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed.result->closed_at_ms, 10'000);  // the deadline, not the entry's timestamp
  // A second leader's close, and an admin's, return the stored result.
  const outcome again = at(11'000, close_cmd{"e", true});
  EXPECT_EQ(again.result, closed.result);
  EXPECT_EQ(at(12'000, close_cmd{"e"}).result, closed.result);
  EXPECT_TRUE(state_.due_closes(20'000).empty());
}

TEST_F(LifecycleTest, AnAdminCloseAfterTheDeadlineClosesAtTheDeadline) {
  register_cmd r = election("e");
  r.closes_at_ms = 10'000;
  ASSERT_TRUE(at(1'000, r).ok());
  EXPECT_EQ(at(15'000, close_cmd{"e"}).result->closed_at_ms, 10'000);
}

TEST_F(LifecycleTest, ExtendMovesTheDeadlineLaterOnlyBeforeItPasses) {
  register_cmd r = election("e");
  r.closes_at_ms = 10'000;
  ASSERT_TRUE(at(1'000, r).ok());
  EXPECT_EQ(at(2'000, extend_cmd{"e", 5'000}).code, errc::invalid_election);  // earlier
  ASSERT_TRUE(at(3'000, extend_cmd{"e", 20'000}).ok());
  EXPECT_TRUE(state_.due_closes(15'000).empty());
  EXPECT_EQ(at(15'000, close_cmd{"e", true}).code, errc::election_open);  // not due any more
  EXPECT_TRUE(at(16'000, vote_cmd{"e", "v1", "A"}).ok());
  EXPECT_EQ(at(20'000, extend_cmd{"e", 30'000}).code, errc::election_closed);  // too late
}

TEST_F(LifecycleTest, AScheduledElectionRefusesVotesUntilItOpens) {
  register_cmd r = election("e");
  r.opens_at_ms = 5'000;
  r.closes_at_ms = 10'000;
  ASSERT_TRUE(at(1'000, r).ok());
  EXPECT_EQ(phase_of("e", 4'999), phase::scheduled);
  const outcome early = at(4'999, vote_cmd{"e", "v1", "A"});
  EXPECT_EQ(early.code, errc::not_open);
  EXPECT_EQ(early.message, "Error: Election e opens at " + rfc3339(5'000) + ".");
  // Voters may still join before the opening.
  EXPECT_TRUE(at(4'999, add_voters_cmd{"e", {"v4"}}, "add-1").ok());
  EXPECT_TRUE(at(5'000, vote_cmd{"e", "v4", "A"}).ok());
  EXPECT_EQ(phase_of("e", 5'000), phase::open);
  EXPECT_EQ(at(5'001, add_voters_cmd{"e", {"v5"}}).code, errc::invalid_election);
}

// The clock checks come before the roll's: before the opening and after the deadline every voter
// id gets the same answer, so the roll cannot be probed through them; judge() makes them on the
// leader's provisional stamp.
TEST_F(LifecycleTest, BeforeTheOpeningAndAfterTheDeadlineEveryVoterIdGetsTheSameAnswer) {
  register_cmd r = election("e");
  r.opens_at_ms = 5'000;
  r.closes_at_ms = 10'000;
  ASSERT_TRUE(at(1'000, r).ok());
  for (const std::string voter : {"v1", "stranger"}) {
    EXPECT_EQ(at(4'000, vote_cmd{"e", voter, "A"}).code, errc::not_open) << voter;
    EXPECT_EQ(at(10'000, vote_cmd{"e", voter, "A"}).code, errc::election_closed) << voter;
    const judgement early = state_.judge(command{"", 4'000, vote_cmd{"e", voter, "A"}});
    EXPECT_EQ(early.how, settled::now) << voter;
    EXPECT_EQ(early.answer.code, errc::not_open) << voter;
    EXPECT_EQ(state_.judge(command{"", 10'500, vote_cmd{"e", voter, "A"}}).answer.code,
              errc::election_closed)
        << voter;
  }
  // Within the window the roll decides, as for any open election.
  EXPECT_EQ(state_.judge(command{"", 6'000, vote_cmd{"e", "stranger", "A"}}).answer.code,
            errc::voter_not_authorized);
  EXPECT_EQ(state_.judge(command{"", 6'000, vote_cmd{"e", "v1", "A"}}).how, settled::no);
}

TEST_F(LifecycleTest, ExtendIsAnsweredAgainOnARetryAndNeverBeforeTheOpening) {
  register_cmd r = election("e");
  r.opens_at_ms = 5'000;
  ASSERT_TRUE(at(1'000, r).ok());
  EXPECT_EQ(at(2'000, extend_cmd{"e", 5'000}).code, errc::invalid_election);  // not after opening
  const outcome first = at(2'000, extend_cmd{"e", 20'000});
  ASSERT_TRUE(first.ok());
  // A retry (its first answer lost) gets the same answer, also once that deadline has passed.
  EXPECT_EQ(at(3'000, extend_cmd{"e", 20'000}).message, first.message);
  EXPECT_EQ(at(25'000, extend_cmd{"e", 20'000}).message, first.message);
}

TEST_F(LifecycleTest, ARegisterWhoseWeightsExceedTheExactTotalIsRefused) {
  register_cmd r = election("heavy", {});
  for (int i = 0; i < 100'000; ++i) {
    r.voters.push_back("d" + std::to_string(i));
    r.weights.push_back(1'000'000);  // 10^11 in all, over 2^53 / 10^5
  }
  const outcome o = at(1'000, r);
  EXPECT_EQ(o.code, errc::invalid_election);
  EXPECT_NE(o.message.find("total weight"), std::string::npos) << o.message;
}

// A leader never stamps below an applied entry, also one it knows only from a snapshot.
TEST_F(LifecycleTest, TheSnapshotKeepsTheLatestTimestamp) {
  ASSERT_TRUE(at(7'000, election("e")).ok());
  EXPECT_EQ(state_.last_timestamp_ms(), 7'000);
  const auto restored = election_state::restore(state_.snapshot());
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->last_timestamp_ms(), 7'000);
  EXPECT_EQ(election_state::restore(state_.snapshot_v3())->last_timestamp_ms(), 7'000);
  // A version-3 snapshot without it is damaged; versions 1 and 2 never had it.
  std::string damaged = state_.snapshot_v3();
  damaged.erase(damaged.find(",\"last_timestamp_ms\""));
  damaged += "}";
  EXPECT_FALSE(election_state::restore(damaged));
}

TEST_F(LifecycleTest, CloseWhenAllVotedClosesWithTheLastVote) {
  register_cmd r = election("e", {"v1", "v2"});
  r.close_when_all_voted = true;
  ASSERT_TRUE(at(1'000, r).ok());
  EXPECT_TRUE(at(2'000, vote_cmd{"e", "v1", "B"}).ok());
  EXPECT_EQ(phase_of("e", 2'000), phase::open);
  const outcome last = at(3'000, vote_cmd{"e", "v2", "B"});
  ASSERT_TRUE(last.ok());
  EXPECT_NE(last.message.find("Every voter has voted"), std::string::npos) << last.message;
  const auto result = state_.result_of("e");
  ASSERT_TRUE(result && result->closed);
  EXPECT_EQ(result->closed_at_ms, 3'000);
  EXPECT_EQ(result->winner, "B");
}

TEST_F(LifecycleTest, ARollInChunksOpensWithTheLastChunkAndRetriesAreOnce) {
  register_cmd r = election("e", {"v1", "v2"});
  r.more_voters = true;
  ASSERT_TRUE(at(1'000, r, "reg").ok());
  EXPECT_EQ(phase_of("e", 1'000), phase::registering);
  EXPECT_EQ(at(1'001, vote_cmd{"e", "v1", "A"}).code, errc::not_open);
  const outcome chunk = at(1'002, add_voters_cmd{"e", {"v3", "v4"}, {}, true}, "reg.1");
  ASSERT_TRUE(chunk.ok());
  // The retry of a chunk is answered again, not applied twice.
  EXPECT_TRUE(at(1'003, add_voters_cmd{"e", {"v3", "v4"}, {}, true}, "reg.1").ok());
  EXPECT_EQ(at(1'004, add_voters_cmd{"e", {"v4", "v5"}, {}, true}, "reg.2").message,
            "Error: voter 'v4' is listed twice.");
  ASSERT_TRUE(at(1'005, add_voters_cmd{"e", {"v5"}, {}, false}, "reg.3").ok());
  EXPECT_EQ(state_.result_of("e")->eligible_voters, 5U);
  EXPECT_EQ(phase_of("e", 1'005), phase::open);
  EXPECT_TRUE(at(1'006, vote_cmd{"e", "v5", "A"}).ok());
  EXPECT_EQ(at(1'007, add_voters_cmd{"e", {"v6"}}).code, errc::invalid_election);  // open now
}

TEST_F(LifecycleTest, WeightedVotersCountTheirWeight) {
  register_cmd r = election("e", {"big", "small", "mid"});
  r.weights = {5, 1, 3};
  ASSERT_TRUE(at(1'000, r).ok());
  ASSERT_TRUE(at(1'001, vote_cmd{"e", "big", "A"}).ok());
  ASSERT_TRUE(at(1'002, vote_cmd{"e", "small", "B"}).ok());
  ASSERT_TRUE(at(1'003, vote_cmd{"e", "mid", "B"}).ok());
  const auto result = at(1'004, close_cmd{"e"}).result;
  ASSERT_TRUE(result);
  EXPECT_EQ(result->tallies[0].votes, 5U);
  EXPECT_EQ(result->tallies[1].votes, 4U);
  EXPECT_EQ(result->votes_cast, 3U);  // ballots, not weight
  EXPECT_EQ(result->winner, "A");
  // A weight out of range is refused at registration.
  register_cmd bad = election("f", {"x"});
  bad.weights = {0};
  EXPECT_EQ(at(1'005, bad).code, errc::invalid_election);
}

TEST_F(LifecycleTest, ARankedElectionCountsByInstantRunoffWithRounds) {
  register_cmd r = election("e", {"v1", "v2", "v3", "v4", "v5"});
  r.method = method::irv;
  ASSERT_TRUE(at(1'000, r).ok());
  // First preferences A 2, B 2, C 1: C is dropped, its ballot goes to B.
  ASSERT_TRUE(at(1'001, ranked("e", "v1", {"A"})).ok());
  ASSERT_TRUE(at(1'002, ranked("e", "v2", {"A", "B"})).ok());
  ASSERT_TRUE(at(1'003, ranked("e", "v3", {"B"})).ok());
  ASSERT_TRUE(at(1'004, ranked("e", "v4", {"B", "A"})).ok());
  const outcome last = at(1'005, ranked("e", "v5", {"C", "B"}));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last.message, "Vote for the ranking 'C' > 'B' by user 'v5' has been registered.");
  const auto result = at(1'006, close_cmd{"e"}).result;
  ASSERT_TRUE(result);
  EXPECT_EQ(result->winner, "B");
  EXPECT_EQ(result->winners, std::vector<std::string>{"B"});
  ASSERT_EQ(result->detail.rounds.size(), 2U);
  EXPECT_EQ(result->detail.rounds[0].eliminated, std::vector<std::uint32_t>{2});
  // The JSON form carries the rounds and reads back equal.
  EXPECT_EQ(result_from_json(result_to_json(*result)), result);
}

TEST_F(LifecycleTest, BallotsAreCheckedAgainstTheMethod) {
  register_cmd r = election("e");
  r.method = method::irv;
  ASSERT_TRUE(at(1'000, r).ok());
  EXPECT_EQ(at(1'001, vote_cmd{"e", "v1", "A"}).message,
            "Error: this election takes a ranking (--rank A B C).");
  EXPECT_EQ(at(1'002, ranked("e", "v1", {"A", "A"})).code, errc::invalid_election);
  EXPECT_EQ(at(1'003, ranked("e", "v1", {"A", "Z"})).code, errc::invalid_candidate);
  register_cmd s = election("s");
  s.method = method::score;
  ASSERT_TRUE(at(1'004, s).ok());
  vote_cmd too_high = ranked("s", "v1", {"A"});
  too_high.scores = {6};
  EXPECT_EQ(at(1'005, too_high).code, errc::invalid_election);
  vote_cmd fine = ranked("s", "v1", {"B", "A"});
  fine.scores = {5, 2};
  const outcome cast = at(1'006, fine);
  ASSERT_TRUE(cast.ok()) << cast.message;
  EXPECT_EQ(cast.message, "Vote for the scores 'A'=2, 'B'=5 by user 'v1' has been registered.");
}

TEST_F(LifecycleTest, SettingsAreCheckedAtRegistration) {
  register_cmd stv = election("e");
  stv.method = method::stv;
  stv.seats = 3;  // as many seats as candidates
  EXPECT_EQ(at(1'000, stv).code, errc::invalid_election);
  register_cmd seats = election("f");
  seats.seats = 2;  // seats without stv
  EXPECT_EQ(at(1'001, seats).code, errc::invalid_election);
  register_cmd backwards = election("g");
  backwards.opens_at_ms = 5'000;
  backwards.closes_at_ms = 5'000;
  EXPECT_EQ(at(1'002, backwards).code, errc::invalid_election);
}

// Every method's state survives a snapshot, and the restored state answers alike.
TEST_F(LifecycleTest, SnapshotKeepsEverySettingBallotAndWeight) {
  const method methods[] = {method::approval, method::irv,   method::schulze,
                            method::stv,      method::score, method::star};
  std::int64_t ts = 1'000;
  for (const method m : methods) {
    register_cmd r = election(std::string(counting::to_string(m)), {"a", "b", "c", "d"});
    r.method = m;
    r.weights = {1, 2, 1, 7};
    r.closes_at_ms = 1'000'000;
    r.opens_at_ms = 500;
    ASSERT_TRUE(at(++ts, r, "reg-" + r.election_id).ok());
    const std::vector<std::vector<std::string>> ballots = {{"C", "A"}, {"B"}, {"A", "B", "C"}};
    for (std::size_t i = 0; i < ballots.size(); ++i) {
      vote_cmd v = ranked(r.election_id, std::string(1, static_cast<char>('a' + i)), ballots[i]);
      if (counting::is_scored(m))
        v.scores.assign(v.choices.size(), static_cast<std::uint16_t>(i + 1));
      ASSERT_TRUE(at(++ts, v, "v" + std::to_string(i)).ok()) << r.election_id;
    }
    if (m != method::score) {
      ASSERT_TRUE(at(++ts, close_cmd{r.election_id}).ok());
    }
  }
  register_cmd chunked = election("chunked", {"x"});
  chunked.more_voters = true;
  ASSERT_TRUE(at(++ts, chunked).ok());
  ASSERT_TRUE(at(++ts, add_voters_cmd{"chunked", {"y"}, {}, true}, "chunk-1").ok());
  const auto restored = election_state::restore(state_.snapshot());
  ASSERT_TRUE(restored);
  EXPECT_EQ(*restored, state_);
  EXPECT_EQ(restored->snapshot(), state_.snapshot());
  for (const method m : methods) {
    const std::string id(counting::to_string(m));
    EXPECT_EQ(restored->result_of(id), state_.result_of(id)) << id;
    EXPECT_EQ(restored->record_of(id).bytes, state_.record_of(id).bytes) << id;
  }
  // The chunk's retry is still recognised after the restore.
  election_state copy = *restored;
  EXPECT_TRUE(
      copy.apply(command{"chunk-1", ++ts, add_voters_cmd{"chunked", {"y"}, {}, true}}).ok());
  EXPECT_EQ(copy, *restored);
}

TEST_F(LifecycleTest, RecordFormatTwoCarriesMethodWeightsAndCount) {
  register_cmd r = election("e", {"a", "b"});
  r.method = method::approval;
  r.weights = {3, 1};
  ASSERT_TRUE(at(1'000, r).ok());
  vote_cmd v = ranked("e", "a", {"C", "A"});
  ASSERT_TRUE(at(1'001, v).ok());
  ASSERT_TRUE(at(1'002, close_cmd{"e"}).ok());
  const auto bytes = state_.record_of("e").bytes;
  ASSERT_TRUE(bytes);
  const auto record = nlohmann::json::parse(*bytes);
  EXPECT_EQ(record["format"], "vote-record/2");
  EXPECT_EQ(record["settings"]["method"], "approval");
  EXPECT_EQ(record["weights"], (nlohmann::json{{"a", 3}}));
  ASSERT_EQ(record["ballots"].size(), 1U);
  EXPECT_EQ(record["ballots"][0]["ballot"], (nlohmann::json{{"approve", {"A", "C"}}}));
  EXPECT_EQ(record["ballots"][0]["weight"], 3);
  EXPECT_EQ(record["result"]["tallies"]["A"], 3);
  EXPECT_TRUE(record["result"].contains("count"));
  // A plain plurality election keeps format 1.
  ASSERT_TRUE(at(1'003, election("p")).ok());
  ASSERT_TRUE(at(1'004, close_cmd{"p"}).ok());
  EXPECT_EQ(nlohmann::json::parse(*state_.record_of("p").bytes)["format"], "vote-record/1");
}

TEST(TimeText, Rfc3339RoundTripsAndRelativeTimesParse) {
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339(1'764'806'400'250), "2025-12-04T00:00:00.250Z");
  EXPECT_EQ(parse_rfc3339("2025-12-04T00:00:00.250Z"), 1'764'806'400'250);
  EXPECT_EQ(parse_rfc3339("2025-12-04 01:00:00+01:00"), 1'764'806'400'000);
  EXPECT_EQ(parse_rfc3339("2024-02-29T12:00Z"), 1'709'208'000'000);
  EXPECT_FALSE(parse_rfc3339("2025-02-29T12:00:00Z"));  // not a leap year
  EXPECT_FALSE(parse_rfc3339("2025-12-04T10:00:00"));   // no zone: ambiguous
  EXPECT_FALSE(parse_rfc3339("tomorrow"));
  EXPECT_EQ(parse_when("+2h", 1'000), 1'000 + 7'200'000);
  EXPECT_EQ(parse_when("+1h30m", 0), 5'400'000);
  EXPECT_FALSE(parse_when("+2x", 0));
  EXPECT_FALSE(parse_when("+", 0));
}

}  // namespace
}  // namespace vote
