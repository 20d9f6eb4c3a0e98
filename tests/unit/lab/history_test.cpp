// The history checker on hand-written histories: each test is a small trace of client
// operations (times in microseconds) and the final states the servers reported.
#include <gtest/gtest.h>

#include "vote/history/history.hpp"

namespace vote::history {
namespace {

class HistoryCheckTest : public ::testing::Test {
 protected:
  void vote(const std::string& voter, const std::string& candidate, std::int64_t invoked,
            std::int64_t completed, completion status, errc code = errc::ok,
            std::string request_id = {}) {
    operation op;
    op.type = op_type::vote;
    op.election_id = "e";
    op.voter = voter;
    op.candidate = candidate;
    op.request_id = request_id.empty() ? voter + "-" + candidate : request_id;
    op.invoked_us = invoked;
    op.completed_us = completed;
    op.status = status;
    op.code = code;
    h_.add(op);
  }
  void read(std::int64_t invoked, std::int64_t completed, tally_map seen) {
    operation op;
    op.type = op_type::read;
    op.election_id = "e";
    op.invoked_us = invoked;
    op.completed_us = completed;
    op.status = completion::ok;
    op.tallies = std::move(seen);
    h_.add(op);
  }
  // Every server reports these tallies (A, B).
  void finals(std::uint64_t a, std::uint64_t b, std::size_t servers = 3) {
    finals_.clear();
    for (std::size_t i = 1; i <= servers; ++i) finals_.push_back(state(i, a, b));
  }
  static server_state state(std::uint64_t node, std::uint64_t a, std::uint64_t b) {
    server_state s;
    s.node_id = node;
    s.result.election_id = "e";
    s.result.tallies = {{"A", a}, {"B", b}};
    s.result.votes_cast = a + b;
    s.result.eligible_voters = 100;
    return s;
  }
  const check_result& check(const std::string& name) {
    results_ = check_history(h_.operations(), "e", finals_);
    for (const auto& r : results_) {
      if (r.check == name) return r;
    }
    throw std::logic_error("no check " + name);
  }
  void expect_all_pass() {
    results_ = check_history(h_.operations(), "e", finals_);
    for (const auto& r : results_) {
      EXPECT_TRUE(r.passed()) << r.check << ": " << r.violations.front();
    }
  }

  recorder h_;
  std::vector<server_state> finals_;
  std::vector<check_result> results_;
};

TEST_F(HistoryCheckTest, EveryCheckIsReportedOnce) {
  finals(0, 0);
  results_ = check_history(h_.operations(), "e", finals_);
  ASSERT_EQ(results_.size(), std::size(check_names));
  for (std::size_t i = 0; i < results_.size(); ++i) EXPECT_EQ(results_[i].check, check_names[i]);
}

TEST_F(HistoryCheckTest, AcknowledgedVotesCountedOncePass) {
  vote("u1", "A", 0, 10, completion::ok);
  vote("u2", "B", 5, 20, completion::ok);
  vote("u3", "A", 6, 30, completion::ok);
  read(40, 50, {{"A", 2}, {"B", 1}});
  finals(2, 1);
  expect_all_pass();
}

TEST_F(HistoryCheckTest, UnknownVotesMayOrMayNotCount) {
  vote("u1", "A", 0, 10, completion::ok);
  vote("u2", "B", 5, 2000, completion::unknown, errc::timeout);
  vote("u3", "B", 6, 2000, completion::unknown, errc::timeout);
  finals(1, 1);  // one of the two unknown votes took effect
  expect_all_pass();
}

TEST_F(HistoryCheckTest, LostAcknowledgedVoteFails) {
  vote("u1", "A", 0, 10, completion::ok);
  vote("u2", "A", 0, 10, completion::ok);
  finals(1, 0);
  const auto& r = check("every_ok_vote_counted");
  ASSERT_FALSE(r.passed());
  EXPECT_NE(r.violations.front().find("A has 2 acknowledged votes but a tally of 1"),
            std::string::npos)
      << r.violations.front();
}

TEST_F(HistoryCheckTest, VoteCountedForTheWrongCandidateFails) {
  vote("u1", "A", 0, 10, completion::ok);
  finals(0, 1);
  EXPECT_FALSE(check("every_ok_vote_counted").passed());
  EXPECT_FALSE(check("no_phantom_or_double_count").passed());
}

TEST_F(HistoryCheckTest, CountedVoteNeverInvokedFails) {
  vote("u1", "A", 0, 10, completion::ok);
  finals(2, 0);
  const auto& r = check("no_phantom_or_double_count");
  ASSERT_FALSE(r.passed());
  EXPECT_NE(r.violations.front().find("A counts 1 votes more"), std::string::npos);
}

TEST_F(HistoryCheckTest, RefusedVoteCountedFails) {
  vote("u1", "A", 0, 10, completion::refused, errc::election_closed);
  finals(1, 0);
  EXPECT_FALSE(check("no_phantom_or_double_count").passed());
}

TEST_F(HistoryCheckTest, VoterCountedTwiceFails) {
  // u1's first vote was acknowledged; its second (another request, unknown outcome) must not
  // add a second count: the surplus B vote has no voter left to come from.
  vote("u1", "A", 0, 10, completion::ok);
  vote("u1", "B", 20, 2000, completion::unknown, errc::timeout, "second");
  finals(1, 1);
  EXPECT_FALSE(check("no_phantom_or_double_count").passed());
}

TEST_F(HistoryCheckTest, UnknownVotesOfOneVoterCountAtMostOnce) {
  vote("u1", "A", 0, 2000, completion::unknown, errc::timeout, "r1");
  vote("u1", "B", 10, 2000, completion::unknown, errc::timeout, "r2");
  finals(1, 0);
  expect_all_pass();
  finals(1, 1);
  EXPECT_FALSE(check("no_phantom_or_double_count").passed());
}

TEST_F(HistoryCheckTest, MatchingReassignsVotersAcrossCandidates) {
  // u1 may be A or B, u2 only A: tallies A=1, B=1 need u2->A and u1->B.
  vote("u1", "A", 0, 2000, completion::unknown, errc::timeout, "r1");
  vote("u1", "B", 1, 2000, completion::unknown, errc::timeout, "r2");
  vote("u2", "A", 2, 2000, completion::unknown, errc::timeout);
  finals(1, 1);
  expect_all_pass();
}

TEST_F(HistoryCheckTest, TwoAcknowledgementsForOneVoterFail) {
  vote("u1", "A", 0, 10, completion::ok, errc::ok, "r1");
  vote("u1", "B", 20, 30, completion::ok, errc::ok, "r2");
  finals(1, 0);
  const auto& r = check("acknowledged_once");
  ASSERT_FALSE(r.passed());
  EXPECT_NE(r.violations.front().find("voter u1 acknowledged twice"), std::string::npos);
}

TEST_F(HistoryCheckTest, AlreadyVotedAfterAnEarlierVotePasses) {
  vote("u1", "A", 0, 10, completion::ok, errc::ok, "r1");
  vote("u1", "B", 20, 30, completion::refused, errc::already_voted, "r2");
  finals(1, 0);
  expect_all_pass();
}

TEST_F(HistoryCheckTest, AlreadyVotedWithoutAnyEarlierVoteFails) {
  vote("u1", "B", 20, 30, completion::refused, errc::already_voted, "r2");
  vote("u1", "A", 40, 50, completion::ok, errc::ok, "r1");  // invoked after the refusal ended
  finals(1, 0);
  const auto& r = check("already_voted_justified");
  ASSERT_FALSE(r.passed());
  EXPECT_NE(r.violations.front().find("voter u1 refused as already_voted"), std::string::npos);
}

TEST_F(HistoryCheckTest, AlreadyVotedBecauseOfAnUnknownVoteRequiresItCounted) {
  vote("u1", "A", 0, 2000, completion::unknown, errc::timeout, "r1");
  vote("u1", "B", 20, 30, completion::refused, errc::already_voted, "r2");
  finals(1, 0);
  expect_all_pass();
  finals(0, 0);  // the refusal proves r1 took effect, yet nobody counts it
  const auto& r = check("already_voted_justified");
  ASSERT_FALSE(r.passed());
  EXPECT_NE(r.violations.front().find("no vote of it is counted"), std::string::npos);
}

TEST_F(HistoryCheckTest, DivergentFinalStatesFail) {
  vote("u1", "A", 0, 2000, completion::unknown, errc::timeout);
  finals_ = {state(1, 1, 0), state(2, 0, 0)};
  const auto& r = check("final_states_identical");
  ASSERT_FALSE(r.passed());
  EXPECT_NE(r.violations.front().find("node 2 differs from node 1"), std::string::npos);
}

TEST_F(HistoryCheckTest, VotesCastNotMatchingTalliesFails) {
  finals(0, 0);
  finals_[1].result.votes_cast = 3;
  EXPECT_FALSE(check("votes_cast_is_sum_of_tallies").passed());
}

TEST_F(HistoryCheckTest, ReadMissingAVoteAcknowledgedBeforeItFails) {
  vote("u1", "A", 0, 10, completion::ok);
  read(20, 30, {{"A", 0}, {"B", 0}});  // stale: u1 was acknowledged before the read began
  finals(1, 0);
  const auto& r = check("reads_linearizable");
  ASSERT_FALSE(r.passed());
  EXPECT_NE(r.violations.front().find("acknowledged before the read began"), std::string::npos);
}

TEST_F(HistoryCheckTest, ReadConcurrentWithAVoteMaySeeItOrNot) {
  vote("u1", "A", 0, 100, completion::ok);
  read(20, 30, {{"A", 1}, {"B", 0}});
  read(20, 30, {{"A", 0}, {"B", 0}});
  finals(1, 0);
  EXPECT_TRUE(check("reads_linearizable").passed());
}

TEST_F(HistoryCheckTest, ReadSeeingAVoteFromTheFutureFails) {
  read(20, 30, {{"A", 1}, {"B", 0}});
  vote("u1", "A", 40, 50, completion::ok);
  finals(1, 0);
  const auto& r = check("reads_linearizable");
  ASSERT_FALSE(r.passed());
  EXPECT_NE(r.violations.front().find("began before it ended"), std::string::npos);
}

TEST_F(HistoryCheckTest, TallyGoingBackBetweenOrderedReadsFails) {
  vote("u1", "A", 0, 2000, completion::unknown, errc::timeout);
  read(20, 30, {{"A", 1}, {"B", 0}});
  read(40, 50, {{"A", 0}, {"B", 0}});
  finals(1, 0);
  const auto& r = check("reads_linearizable");
  ASSERT_FALSE(r.passed());
  EXPECT_NE(r.violations.front().find("went back from 1"), std::string::npos);
}

TEST_F(HistoryCheckTest, FinalStateBelowAnEarlierReadFails) {
  vote("u1", "A", 0, 2000, completion::unknown, errc::timeout);
  read(20, 30, {{"A", 1}, {"B", 0}});
  finals(0, 0);
  EXPECT_FALSE(check("reads_linearizable").passed());
}

TEST_F(HistoryCheckTest, ViolationListsAreBoundedAndSayHowManyMore) {
  for (int i = 0; i < 12; ++i) {
    const auto voter = "u" + std::to_string(i);
    vote(voter, "A", 0, 10, completion::ok, errc::ok, voter + "-1");
    vote(voter, "A", 20, 30, completion::ok, errc::ok, voter + "-2");
  }
  finals(12, 0);
  const auto& r = check("acknowledged_once");
  ASSERT_EQ(r.violations.size(), 11u);
  EXPECT_EQ(r.violations.back(), "... and 2 more");
  EXPECT_FALSE(all_passed(results_));
}

TEST(HistoryRecorderTest, InvokeAndCompleteStampMonotonicTimes) {
  recorder h;
  operation op;
  op.voter = "u1";
  const auto id = h.invoke(op);
  h.complete(id, completion::refused, errc::already_voted);
  const auto ops = h.operations();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_GE(ops[0].completed_us, ops[0].invoked_us);
  EXPECT_EQ(ops[0].status, completion::refused);
  EXPECT_EQ(ops[0].code, errc::already_voted);
  EXPECT_EQ(h.count(op_type::vote, completion::refused), 1u);
}

}  // namespace
}  // namespace vote::history
