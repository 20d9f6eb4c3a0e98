// Closing an election: the stored result, tie detection and the tie-break rules.
#include <gtest/gtest.h>

#include "unit/core/election_fixture.hpp"
#include "vote/core/election.hpp"
#include "vote/core/time_text.hpp"

namespace vote::test {
namespace {

using CloseTest = election_fixture;

TEST_F(CloseTest, CloseReportsTheWinnerWithSeedMessage) {
  given_open_election();
  vote("e1", "v1", "B");
  vote("e1", "v2", "B");
  vote("e1", "v3", "A");
  const outcome o = close("e1");
  EXPECT_EQ(o.code, errc::ok);
  EXPECT_EQ(o.message, "Election e1 ended. The winner is B.");
  ASSERT_TRUE(o.result.has_value());
  EXPECT_EQ(o.result->winner, "B");
  EXPECT_FALSE(o.result->tie);
  EXPECT_TRUE(o.result->tied.empty());
}

TEST_F(CloseTest, CloseStoresFullTalliesInRegistrationOrder) {
  given_open_election();
  vote("e1", "v1", "C");
  vote("e1", "v2", "C");
  vote("e1", "v3", "A");
  const election_result r = *close("e1").result;
  const std::vector<tally> expected{{"A", 1}, {"B", 0}, {"C", 2}};
  EXPECT_EQ(r.tallies, expected);
  EXPECT_EQ(r.election_id, "e1");
  EXPECT_EQ(r.votes_cast, 3U);
  EXPECT_EQ(r.eligible_voters, 5U);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.closed_at_ms, now_ms_);
  EXPECT_EQ(r.rule, tie_break::none);
  EXPECT_EQ(state_.result_of("e1"), r);
}

TEST_F(CloseTest, CloseTwiceReturnsTheStoredResult) {
  given_open_election();
  vote("e1", "v1", "A");
  const outcome first = close("e1");
  const outcome second = close("e1");
  EXPECT_EQ(second.code, errc::ok);
  // The same announcement, and when it was closed (issue 11).
  EXPECT_EQ(second.message,
            first.message + " (It was closed at " + rfc3339(first.result->closed_at_ms) + ".)");
  EXPECT_EQ(second.result, first.result);  // closed_at_ms is the first close's timestamp
}

TEST_F(CloseTest, TwoWayTieWithoutTieBreakHasNoWinner) {
  given_open_election();
  vote("e1", "v1", "A");
  vote("e1", "v2", "B");
  const outcome o = close("e1");
  EXPECT_EQ(o.message,
            "Election e1 ended in a tie between 'A' and 'B' (tie-break: none, no winner).");
  EXPECT_TRUE(o.result->tie);
  EXPECT_FALSE(o.result->winner.has_value());
  EXPECT_EQ(o.result->tied, (std::vector<std::string>{"A", "B"}));
}

TEST_F(CloseTest, ThreeWayTieListsEveryTiedCandidate) {
  given_open_election();
  vote("e1", "v1", "C");
  vote("e1", "v2", "B");
  vote("e1", "v3", "A");
  EXPECT_EQ(close("e1").message,
            "Election e1 ended in a tie between 'A', 'B' and 'C' (tie-break: none, no winner).");
}

TEST_F(CloseTest, TieWithFirstListedPicksTheFirstRegisteredCandidate) {
  given_open_election(tie_break::first_listed);
  vote("e1", "v1", "C");
  vote("e1", "v2", "B");  // B and C tie; B is listed before C
  const outcome o = close("e1");
  EXPECT_EQ(o.message,
            "Election e1 ended in a tie between 'B' and 'C'; tie-break first_listed: the winner "
            "is B.");
  EXPECT_TRUE(o.result->tie);
  EXPECT_EQ(o.result->winner, "B");
  EXPECT_EQ(o.result->rule, tie_break::first_listed);
}

TEST_F(CloseTest, ClearWinnerUnderFirstListedIsNotATie) {
  given_open_election(tie_break::first_listed);
  vote("e1", "v1", "C");
  const outcome o = close("e1");
  EXPECT_EQ(o.message, "Election e1 ended. The winner is C.");
  EXPECT_FALSE(o.result->tie);
}

TEST_F(CloseTest, ZeroVotesIsATieAmongAllCandidates) {
  given_open_election();
  const outcome o = close("e1");
  EXPECT_EQ(o.message,
            "Election e1 ended in a tie between 'A', 'B' and 'C' (tie-break: none, no winner).");
  EXPECT_EQ(o.result->tied, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(o.result->votes_cast, 0U);
}

TEST_F(CloseTest, ZeroVotesUnderFirstListedGoesToTheFirstCandidate) {
  given_open_election(tie_break::first_listed);
  EXPECT_EQ(close("e1").message,
            "Election e1 ended in a tie between 'A', 'B' and 'C'; tie-break first_listed: the "
            "winner is A.");
}

TEST_F(CloseTest, SingleCandidateWithZeroVotesWinsUncontested) {
  ASSERT_TRUE(register_election("solo", {"A"}, {"v1"}).ok());
  const outcome o = close("solo");
  EXPECT_EQ(o.message, "Election solo ended. The winner is A.");
  EXPECT_FALSE(o.result->tie);
}

TEST_F(CloseTest, ClosedElectionsStayCountedAndQueryable) {
  given_open_election();
  ASSERT_TRUE(close("e1").ok());
  EXPECT_EQ(state_.election_count(), 1U);
  ASSERT_TRUE(state_.result_of("e1").has_value());
  EXPECT_TRUE(state_.result_of("e1")->closed);
}

TEST_F(CloseTest, ClosedResultNeverChanges) {
  given_open_election();
  vote("e1", "v1", "A");
  const auto before = close("e1").result;
  vote("e1", "v2", "B");
  vote("e1", "v1", "A", "x");
  register_election("e1", {"B"}, {"v9"});
  EXPECT_EQ(state_.result_of("e1"), before);
}

TEST(TieBreak, NamesRoundTrip) {
  for (const tie_break rule : {tie_break::none, tie_break::first_listed}) {
    EXPECT_EQ(tie_break_from_string(to_string(rule)), rule);
  }
  EXPECT_EQ(to_string(tie_break::first_listed), "first_listed");
  EXPECT_FALSE(tie_break_from_string("random").has_value());
  EXPECT_FALSE(tie_break_from_string("").has_value());
}

}  // namespace
}  // namespace vote::test
