// The election state machine: register, vote, close, their messages and check order.
#include "vote/core/election.hpp"

#include <gtest/gtest.h>

#include "unit/core/election_fixture.hpp"

namespace vote::test {
namespace {

using ElectionTest = election_fixture;

TEST_F(ElectionTest, RegisterNewElectionSucceedsWithSeedMessage) {
  const outcome o = register_election("e1", {"A", "B"}, {"v1"});
  EXPECT_EQ(o.code, errc::ok);
  EXPECT_EQ(o.message, "Election e1 added successfully.");
  EXPECT_FALSE(o.result.has_value());
  EXPECT_EQ(state_.election_count(), 1U);
}

TEST_F(ElectionTest, RegisterExistingIdFailsWithSeedMessage) {
  given_open_election();
  const outcome o = register_election("e1", {"X"}, {"w1"});
  EXPECT_EQ(o.code, errc::election_exists);
  EXPECT_EQ(o.message, "Election id e1 already exists");
  EXPECT_EQ(state_.result_of("e1")->tallies.size(), 3U);
}

TEST_F(ElectionTest, RegisterRetryWithSameRequestIdReturnsOriginalSuccess) {
  ASSERT_TRUE(register_election("e1", {"A"}, {"v1"}, tie_break::none, "reg-1").ok());
  const outcome o = register_election("e1", {"A"}, {"v1"}, tie_break::none, "reg-1");
  EXPECT_EQ(o.code, errc::ok);
  EXPECT_EQ(o.message, "Election e1 added successfully.");
  EXPECT_EQ(state_.election_count(), 1U);
}

TEST_F(ElectionTest, RegisterWithDifferentRequestIdAnswersExists) {
  ASSERT_TRUE(register_election("e1", {"A"}, {"v1"}, tie_break::none, "reg-1").ok());
  EXPECT_EQ(register_election("e1", {"A"}, {"v1"}, tie_break::none, "reg-2").code,
            errc::election_exists);
}

TEST_F(ElectionTest, RegisterWithEmptyRequestIdIsNeverARetry) {
  ASSERT_TRUE(register_election("e1", {"A"}, {"v1"}).ok());
  EXPECT_EQ(register_election("e1", {"A"}, {"v1"}).code, errc::election_exists);
}

TEST_F(ElectionTest, RegisterRetryDoesNotReplaceTheElection) {
  ASSERT_TRUE(register_election("e1", {"A", "B"}, {"v1"}, tie_break::none, "reg-1").ok());
  ASSERT_TRUE(vote("e1", "v1", "A").ok());
  EXPECT_TRUE(register_election("e1", {"Z"}, {"w"}, tie_break::none, "reg-1").ok());
  EXPECT_EQ(votes_for("e1", "A"), 1U);
  EXPECT_EQ(state_.result_of("e1")->tallies.size(), 2U);
}

TEST_F(ElectionTest, ClosedElectionIdCannotBeReused) {
  given_open_election();
  ASSERT_TRUE(close("e1").ok());
  const outcome o = register_election("e1", {"A"}, {"v1"});
  EXPECT_EQ(o.code, errc::election_exists);
  EXPECT_EQ(o.message, "Election id e1 already exists");
}

TEST_F(ElectionTest, VoteForValidCandidateIsRegisteredAndCounted) {
  given_open_election();
  const outcome o = vote("e1", "v1", "B");
  EXPECT_EQ(o.code, errc::ok);
  EXPECT_EQ(o.message, "Vote for 'B' by user 'v1' has been registered.");
  EXPECT_EQ(votes_for("e1", "B"), 1U);
  EXPECT_EQ(state_.result_of("e1")->votes_cast, 1U);
}

TEST_F(ElectionTest, VoteInUnknownElectionFailsWithSeedMessage) {
  const outcome o = vote("nope", "v1", "A");
  EXPECT_EQ(o.code, errc::unknown_election);
  EXPECT_EQ(o.message, "Error: Election id nope unknown");
}

TEST_F(ElectionTest, VoteByUnauthorizedVoterFailsWithSeedMessage) {
  given_open_election();
  const outcome o = vote("e1", "mallory", "A");
  EXPECT_EQ(o.code, errc::voter_not_authorized);
  EXPECT_EQ(o.message, "Error: User 'mallory' is not authorized to vote.");
}

TEST_F(ElectionTest, VoteForUnknownCandidateFailsWithSeedMessage) {
  given_open_election();
  const outcome o = vote("e1", "v1", "Z");
  EXPECT_EQ(o.code, errc::invalid_candidate);
  EXPECT_EQ(o.message, "Error: Candidate 'Z' is not a valid candidate.");
  EXPECT_EQ(state_.result_of("e1")->votes_cast, 0U);
}

TEST_F(ElectionTest, RejectedVoteDoesNotUseUpTheVoter) {
  given_open_election();
  ASSERT_EQ(vote("e1", "v1", "Z").code, errc::invalid_candidate);
  EXPECT_TRUE(vote("e1", "v1", "A").ok());
}

TEST_F(ElectionTest, UnknownElectionIsReportedBeforeUnknownVoterAndCandidate) {
  given_open_election();
  EXPECT_EQ(vote("e2", "mallory", "Z").code, errc::unknown_election);
}

TEST_F(ElectionTest, ClosedElectionIsReportedBeforeUnknownVoter) {
  given_open_election();
  ASSERT_TRUE(close("e1").ok());
  const outcome o = vote("e1", "mallory", "A");
  EXPECT_EQ(o.code, errc::election_closed);
  EXPECT_EQ(o.message, "Error: Election e1 is closed.");
}

TEST_F(ElectionTest, UnknownCandidateIsReportedBeforeUnknownVoter) {
  given_open_election();
  EXPECT_EQ(vote("e1", "mallory", "Z").code, errc::invalid_candidate);
}

TEST_F(ElectionTest, UnknownCandidateIsReportedBeforeAlreadyVoted) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "A").ok());
  EXPECT_EQ(vote("e1", "v1", "Z").code, errc::invalid_candidate);
}

TEST_F(ElectionTest, SecondVoteBySameVoterIsRejectedWithSeedMessage) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "A").ok());
  const outcome o = vote("e1", "v1", "B");
  EXPECT_EQ(o.code, errc::already_voted);
  EXPECT_EQ(o.message, "Error: User 'v1' has already voted.");
  EXPECT_EQ(votes_for("e1", "A"), 1U);
  EXPECT_EQ(votes_for("e1", "B"), 0U);
}

TEST_F(ElectionTest, SecondVoteForSameCandidateIsAlsoRejected) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "A").ok());
  EXPECT_EQ(vote("e1", "v1", "A").code, errc::already_voted);
  EXPECT_EQ(votes_for("e1", "A"), 1U);
}

TEST_F(ElectionTest, VoteRetryWithSameRequestIdConfirmsTheVote) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "A", "req-1").ok());
  const outcome o = vote("e1", "v1", "A", "req-1");
  EXPECT_EQ(o.code, errc::ok);
  EXPECT_EQ(o.message, "Vote by user 'v1' has been registered.");
  EXPECT_EQ(votes_for("e1", "A"), 1U);
}

TEST_F(ElectionTest, VoteRetryWithDifferentRequestIdGetsAlreadyVoted) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "A", "req-1").ok());
  EXPECT_EQ(vote("e1", "v1", "A", "req-2").code, errc::already_voted);
}

TEST_F(ElectionTest, VoteWithEmptyRequestIdIsNeverARetry) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "A", "").ok());
  EXPECT_EQ(vote("e1", "v1", "A", "").code, errc::already_voted);
}

TEST_F(ElectionTest, VoteRetryNamingAnotherCandidateNamesNone) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "A", "req-1").ok());
  const outcome o = vote("e1", "v1", "B", "req-1");
  EXPECT_EQ(o.code, errc::ok);
  EXPECT_EQ(o.message, "Vote by user 'v1' has been registered.");
  EXPECT_EQ(votes_for("e1", "B"), 0U);
}

TEST_F(ElectionTest, RequestIdOfOneVoterDoesNotDedupAnother) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "A", "req-1").ok());
  EXPECT_TRUE(vote("e1", "v2", "A", "req-1").ok());
  EXPECT_EQ(votes_for("e1", "A"), 2U);
}

TEST_F(ElectionTest, VoteRetryAfterCloseStillConfirmsTheVote) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "A", "req-1").ok());
  ASSERT_TRUE(close("e1").ok());
  const outcome o = vote("e1", "v1", "A", "req-1");
  EXPECT_EQ(o.code, errc::ok);
  EXPECT_EQ(o.message, "Vote by user 'v1' has been registered.");
}

TEST_F(ElectionTest, NewVoteAfterCloseIsRefused) {
  given_open_election();
  ASSERT_TRUE(close("e1").ok());
  EXPECT_EQ(vote("e1", "v1", "A", "req-1").code, errc::election_closed);
  EXPECT_EQ(state_.result_of("e1")->votes_cast, 0U);
}

TEST_F(ElectionTest, CloseUnknownElectionFailsWithSeedMessage) {
  const outcome o = close("nope");
  EXPECT_EQ(o.code, errc::unknown_election);
  EXPECT_EQ(o.message, "Error: Election id nope unknown");
  EXPECT_FALSE(o.result.has_value());
}

TEST_F(ElectionTest, ShapeErrorsLeaveTheStateUnchanged) {
  EXPECT_EQ(register_election("e1", {"A", "A"}, {"v1"}).code, errc::invalid_election);
  EXPECT_EQ(state_.election_count(), 0U);
  EXPECT_TRUE(register_election("e1", {"A"}, {"v1"}).ok());
}

TEST_F(ElectionTest, ApplyRunsTheShapeChecksOnVotes) {
  given_open_election();
  EXPECT_EQ(vote("e1", "", "A").code, errc::invalid_election);
  EXPECT_EQ(vote("e1", "v1", std::string(129, 'x')).code, errc::too_large);
}

TEST_F(ElectionTest, ResultOfUnknownElectionIsEmpty) {
  EXPECT_FALSE(state_.result_of("nope").has_value());
}

TEST_F(ElectionTest, ResultOfOpenElectionIsALiveTally) {
  given_open_election();
  ASSERT_TRUE(vote("e1", "v1", "B").ok());
  const auto r = state_.result_of("e1");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->closed);
  EXPECT_EQ(r->closed_at_ms, 0);
  EXPECT_EQ(r->votes_cast, 1U);
  EXPECT_EQ(r->eligible_voters, 5U);
  EXPECT_EQ(r->winner, "B");  // the standings as if closed now
}

TEST_F(ElectionTest, CopyIsIndependentOfTheOriginal) {
  given_open_election();
  election_state copy = state_;
  ASSERT_TRUE(vote("e1", "v1", "A").ok());
  EXPECT_EQ(copy.result_of("e1")->votes_cast, 0U);
  EXPECT_FALSE(copy == state_);
  copy = state_;
  EXPECT_TRUE(copy == state_);
}

TEST_F(ElectionTest, TalliesAlwaysSumToVotesCast) {
  std::vector<std::string> voters;
  for (int i = 0; i < 200; ++i) voters.push_back("voter-" + std::to_string(i));
  ASSERT_TRUE(register_election("big", {"A", "B", "C", "D"}, voters).ok());
  const char* candidates[] = {"A", "B", "C", "D", "nobody"};
  for (int i = 0; i < 500; ++i) {
    vote("big", "voter-" + std::to_string((i * 37) % 230), candidates[(i * 7) % 5]);
    const auto r = state_.result_of("big");
    std::uint64_t sum = 0;
    for (const tally& t : r->tallies) sum += t.votes;
    ASSERT_EQ(sum, r->votes_cast);
    ASSERT_LE(r->votes_cast, 200U);
  }
}

TEST_F(ElectionTest, ManyVotersAreFoundAfterTheTableGrows) {
  std::vector<std::string> voters;
  for (int i = 0; i < 20'000; ++i) voters.push_back(std::to_string(i));
  ASSERT_TRUE(register_election("big", {"A"}, voters).ok());
  for (int i = 0; i < 20'000; ++i) ASSERT_TRUE(vote("big", std::to_string(i), "A").ok());
  EXPECT_EQ(vote("big", "20000", "A").code, errc::voter_not_authorized);
  EXPECT_EQ(votes_for("big", "A"), 20'000U);
}

}  // namespace
}  // namespace vote::test
