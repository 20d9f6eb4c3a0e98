// The invariant checker catches each broken rule of DESIGN.md §5.6 when fed a made-up history
// (the simulator's teeth, independent of any core).
#include <string>

#include <gtest/gtest.h>

#include "vote/core/election.hpp"
#include "vote/history/history.hpp"
#include "vote/sim/invariants.hpp"
#include "vote/sim/log_model.hpp"
#include "vote/sim/replica.hpp"

namespace vote::sim {
namespace {

log_entry entry(std::uint64_t index, std::uint64_t epoch, std::string payload = "x") {
  return log_entry{index, epoch, entry_kind::command, std::move(payload)};
}

history::operation vote_op(std::string voter, std::string candidate) {
  history::operation op;
  op.type = history::op_type::vote;
  op.request_id = "req-" + voter;
  op.voter = std::move(voter);
  op.candidate = std::move(candidate);
  return op;
}

log_model log_of(std::initializer_list<log_entry> entries) {
  log_model log;
  for (const auto& e : entries) log.append(e);
  return log;
}

bool mentions(const invariant_checker& c, const std::string& what) {
  for (const auto& v : c.violations()) {
    if (v.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST(InvariantChecker, TwoLeadersOfOneEpochBreakElectionSafety) {
  invariant_checker c;
  c.leader_elected(1, 3, log_of({}));
  c.leader_elected(1, 3, log_of({}));  // the same node again: fine
  EXPECT_TRUE(c.ok());
  c.leader_elected(2, 3, log_of({}));
  EXPECT_TRUE(mentions(c, "(1) election safety"));
}

TEST(InvariantChecker, SameIndexAndEpochWithOtherContentBreaksLogMatching) {
  invariant_checker c;
  c.appended(1, entry(1, 1, "a"), 0);
  c.appended(2, entry(1, 1, "a"), 0);
  EXPECT_TRUE(c.ok());
  c.appended(3, entry(1, 1, "b"), 0);
  EXPECT_TRUE(mentions(c, "(2) log matching"));
}

TEST(InvariantChecker, SameEntryAfterDifferentPredecessorsBreaksLogMatching) {
  invariant_checker c;
  c.appended(1, entry(2, 2), 1);
  c.appended(2, entry(2, 2), 2);
  EXPECT_TRUE(mentions(c, "(2) log matching"));
}

TEST(InvariantChecker, LeaderWithoutACommittedEntryBreaksCompleteness) {
  invariant_checker c;
  c.committed(1, 1, entry(1, 1));
  c.leader_elected(2, 2, log_of({entry(1, 1)}));
  EXPECT_TRUE(c.ok());
  c.leader_elected(3, 3, log_of({entry(1, 2)}));
  EXPECT_TRUE(mentions(c, "(3) leader completeness"));
}

TEST(InvariantChecker, CommitAfterALaterLeaderWithoutItBreaksCompleteness) {
  invariant_checker c;
  c.leader_elected(2, 5, log_of({}));
  c.committed(1, 4, entry(1, 4));  // committed in epoch 4, but the leader of 5 lacks it
  EXPECT_TRUE(mentions(c, "(3) leader completeness"));
}

TEST(InvariantChecker, OneIndexCommittedTwiceBreaksStateMachineSafety) {
  invariant_checker c;
  c.committed(1, 1, entry(1, 1, "a"));
  c.committed(2, 2, entry(1, 2, "b"));
  EXPECT_TRUE(mentions(c, "(4) state machine safety"));
}

TEST(InvariantChecker, ApplyingOutOfOrderOrUncommittedBreaksStateMachineSafety) {
  invariant_checker c;
  c.committed(1, 1, entry(1, 1));
  c.applied(1, entry(1, 1), 1);
  EXPECT_TRUE(c.ok());
  c.applied(2, entry(2, 1), 1);
  EXPECT_TRUE(mentions(c, "applied index 2 when 1 was next"));
  EXPECT_TRUE(mentions(c, "no node reported committed"));
}

TEST(InvariantChecker, TalliesMustEqualTheAcceptedVotes) {
  election_state state;
  ASSERT_TRUE(state.apply(command{"r", 0, register_cmd{"e", {"A", "B"}, {"v1", "v2"}}}).ok());
  ASSERT_TRUE(state.apply(command{"q1", 0, vote_cmd{"e", "v1", "A"}}).ok());
  invariant_checker c;
  c.check_tallies(1, state, "e", vote_table{{"v1", {"A", "q1"}}});
  EXPECT_TRUE(c.ok());
  c.check_tallies(1, state, "e", vote_table{{"v1", {"B", "q1"}}});
  EXPECT_TRUE(mentions(c, "(5) tallies"));
}

TEST(HistoryCheck, AcknowledgedVoteMustBeCountedWithItsCandidate) {
  history::recorder h;
  const auto id = h.invoke(vote_op("v1", "A"));
  h.complete(id, history::completion::ok);
  EXPECT_TRUE(check_votes(h.operations(), vote_table{{"v1", {"A", "req-v1"}}}, 1).empty());
  EXPECT_FALSE(check_votes(h.operations(), vote_table{}, 1).empty());
  EXPECT_FALSE(check_votes(h.operations(), vote_table{{"v1", {"B", "req-v1"}}}, 1).empty());
}

TEST(HistoryCheck, CountedVoteMustHaveBeenSent) {
  history::recorder h;
  h.invoke(vote_op("v1", "A"));  // unknown outcome: may count
  EXPECT_TRUE(check_votes(h.operations(), vote_table{{"v1", {"A", "req-v1"}}}, 1).empty());
  EXPECT_FALSE(check_votes(h.operations(), vote_table{{"v2", {"A", "req-v2"}}}, 1).empty());
}

TEST(LogModel, TruncateAppendAndSnapshotKeepIndexesDense) {
  log_model log;
  EXPECT_TRUE(log.append(entry(1, 1)));
  EXPECT_TRUE(log.append(entry(2, 1)));
  EXPECT_FALSE(log.append(entry(4, 1)));
  EXPECT_TRUE(log.truncate_from(2));
  EXPECT_EQ(log.last_index(), 1u);
  EXPECT_TRUE(log.append(entry(2, 2)));
  log.install_snapshot(1, 1);  // keeps the suffix after a matching snapshot
  EXPECT_EQ(log.base_index(), 1u);
  EXPECT_EQ(log.epoch_at(2), 2u);
  EXPECT_FALSE(log.truncate_from(1));
  log.install_snapshot(5, 3);  // beyond the log: empty after it
  EXPECT_EQ(log.last_index(), 5u);
  EXPECT_EQ(log.last_epoch(), 3u);
}

}  // namespace
}  // namespace vote::sim
