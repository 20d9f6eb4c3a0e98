// §5.4 normal operation, as traces: the follower's append rules and the leader's commit,
// heartbeats, batching, pipelining and check-quorum.
#include <gtest/gtest.h>

#include "consensus_fixture.hpp"

namespace vote::consensus::test {
namespace {

using ConsensusFollower = consensus_fixture;

TEST_F(ConsensusFollower, AppendFromOlderEpochIsRejected) {
  make_node(2, member_state({1, 2, 3}, {}, 5, 3));
  deliver(1, append{.epoch = 4,
                    .leader = 1,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 4)},
                    .commit_index = 0,
                    .seq = 9});
  // shows the higher epoch
  EXPECT_EQ(
      last_reply_to(1),
      (append_reply{.epoch = 5, .ok = false, .match_index = 0, .last_index_hint = 1, .seq = 9}));
  EXPECT_EQ(node().last_index(), 1u);
}

TEST_F(ConsensusFollower, AppendOfThePromisedEpochFromAnotherServerIsRejected) {
  make_node(2, member_state({1, 2, 3}, {}, 5, 3));
  deliver(1, append{.epoch = 5,
                    .leader = 1,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 5)},
                    .commit_index = 0,
                    .seq = 1});
  // The reply names whom we promised the epoch to: only that leader can lift us out of it.
  EXPECT_EQ(last_reply_to(1), (append_reply{.epoch = 5,
                                            .ok = false,
                                            .match_index = 0,
                                            .last_index_hint = 1,
                                            .seq = 1,
                                            .promised_to = 3}));
  EXPECT_EQ(node().last_index(), 1u);
  EXPECT_EQ(node().promised(), (promise_record{.epoch = 5, .to = 3}));
}

TEST_F(ConsensusFollower, LosingCandidateRejectsTheWinnerOfItsOwnEpoch) {
  make_node(2, member_state({1, 2, 3}));
  deliver(1, election{.round = 1, .uid = 2, .visited = {2, 1}});
  ASSERT_EQ(node().role(), role::candidate);
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {start(2, 1)},
                    .commit_index = 0,
                    .seq = 1});
  EXPECT_EQ(last_reply_to(3), (append_reply{.epoch = 1,
                                            .ok = false,
                                            .match_index = 0,
                                            .last_index_hint = 1,
                                            .seq = 1,
                                            .promised_to = 2}));
  EXPECT_EQ(node().last_index(), 1u);
}

TEST_F(ConsensusFollower, HigherEpochAppendRaisesAndPersistsThePromise) {
  make_node(2, member_state({1, 2, 3}, {}, 5, 3));
  deliver(1, append{.epoch = 6,
                    .leader = 1,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 6)},
                    .commit_index = 0,
                    .seq = 1});
  expect_persisted_promise(6, 1);
  EXPECT_TRUE(last_reply_to(1).ok);
  ASSERT_TRUE(last_.leader_changed);
  EXPECT_EQ(last_.leader_changed->id, 1u);
}

TEST_F(ConsensusFollower, AppendWithAMissingPrevIsRejectedWithAHint) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1)}, 1, 3));
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 5,
                    .prev_epoch = 1,
                    .entries = {cmd(6, 1)},
                    .commit_index = 0,
                    .seq = 4});
  EXPECT_EQ(
      last_reply_to(3),
      (append_reply{.epoch = 1, .ok = false, .match_index = 0, .last_index_hint = 2, .seq = 4}));
}

TEST_F(ConsensusFollower, AppendWithAConflictingPrevIsRejectedBeforeThatEpoch) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1), cmd(3, 2), cmd(4, 2)}, 3, 3));
  deliver(
      3,
      append{
          .epoch = 3, .leader = 3, .prev_index = 4, .prev_epoch = 3, .commit_index = 0, .seq = 4});
  // skips all of epoch 2
  EXPECT_EQ(
      last_reply_to(3),
      (append_reply{.epoch = 3, .ok = false, .match_index = 0, .last_index_hint = 2, .seq = 4}));
}

TEST_F(ConsensusFollower, AckCarriesPrevIndexPlusEntries) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1), cmd(3, 1), cmd(4, 1)}, 1, 3));
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 1)},
                    .commit_index = 0,
                    .seq = 7});
  // never its own last index
  EXPECT_EQ(
      last_reply_to(3),
      (append_reply{.epoch = 1, .ok = true, .match_index = 2, .last_index_hint = 4, .seq = 7}));
}

TEST_F(ConsensusFollower, ShorterAppendNeverTruncates) {
  make_node(2, member_state({1, 2, 3}, {}, 1, 3));
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 1), cmd(3, 1)},
                    .commit_index = 0,
                    .seq = 2});
  // an older append arriving late
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 1)},
                    .commit_index = 0,
                    .seq = 1});
  EXPECT_EQ(node().last_index(), 3u);
  EXPECT_FALSE(last_.persist.truncate_from);
}

TEST_F(ConsensusFollower, ConflictTruncatesFromTheFirstDifferingIndex) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1), cmd(3, 1, "old"), cmd(4, 1, "old")}, 1, 3));
  deliver(1, append{.epoch = 2,
                    .leader = 1,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 1), cmd(3, 2, "new")},
                    .commit_index = 0,
                    .seq = 1});
  ASSERT_TRUE(last_.persist.truncate_from);
  EXPECT_EQ(*last_.persist.truncate_from, 3u);
  EXPECT_EQ(last_.persist.entries, std::vector<log_entry>{cmd(3, 2, "new")});
  EXPECT_EQ(node().last_index(), 3u);
  EXPECT_EQ(last_reply_to(1).match_index, 3u);
}

TEST_F(ConsensusFollower, EntriesArePersistedBeforeTheAckIsSent) {
  make_node(2, member_state({1, 2, 3}, {}, 1, 3));
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 1)},
                    .commit_index = 0,
                    .seq = 1});
  // One output: `entries` (step 1) are persisted before `messages` (step 2) go out.
  EXPECT_EQ(last_.persist.entries, std::vector<log_entry>{cmd(2, 1)});
  EXPECT_TRUE(last_reply_to(3).ok);
}

TEST_F(ConsensusFollower, CommitIsTheMinimumOfLeaderCommitAndMatch) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1), cmd(3, 1, "stale")}, 1, 3));
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 1)},
                    .commit_index = 9,
                    .seq = 1});
  EXPECT_EQ(node().commit_index(), 2u);  // index 3 here is not known to match the leader
  EXPECT_EQ(last_.committed,
            (std::vector<log_entry>{config_entry(1, 0, config_of({1, 2, 3})), cmd(2, 1)}));
}

TEST_F(ConsensusFollower, MalformedAppendIsIgnored) {
  make_node(2, member_state({1, 2, 3}, {}, 1, 3));
  forget();
  // not dense after prev_index
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(3, 1)},
                    .commit_index = 0,
                    .seq = 1});
  // leader field is not the sender
  deliver(
      3,
      append{
          .epoch = 1, .leader = 2, .prev_index = 1, .prev_epoch = 0, .commit_index = 0, .seq = 1});
  EXPECT_TRUE(history_.empty());
}

class ConsensusLeader : public consensus_fixture {
 protected:
  void SetUp() override { become_leader(); }
};

TEST_F(ConsensusLeader, HeartbeatsGoToEveryMemberEveryInterval) {
  tick_by(49);
  expect_not_sent<append>(2);
  tick_by(1);
  EXPECT_EQ(expect_sent<append>(1).entries.size(), 0u);
  EXPECT_EQ(expect_sent<append>(2).epoch, 1u);
}

TEST_F(ConsensusLeader, ProposalsAreBatchedIntoOneAppend) {
  node().propose(entry_kind::command, "a");
  node().propose(entry_kind::command, "b");
  node().propose(entry_kind::command, "c");
  drain();
  const auto sent1 = sent<append>(1);
  ASSERT_EQ(sent1.size(), 1u);
  EXPECT_EQ(sent1[0].entries,
            (std::vector<log_entry>{cmd(3, 1, "a"), cmd(4, 1, "b"), cmd(5, 1, "c")}));
  EXPECT_EQ(last_.persist.entries.size(), 3u);  // and one persist
}

TEST_F(ConsensusLeader, SeveralAppendsAreInFlightPerFollower) {
  for (int i = 0; i < 3; ++i) {
    node().propose(entry_kind::command, "p");
    drain();
  }
  const auto sent2 = sent<append>(2);
  ASSERT_EQ(sent2.size(), 3u);
  EXPECT_EQ(sent2[2].prev_index, 4u);  // sent before any ack
}

TEST_F(ConsensusLeader, CommitNeedsAMajorityAndTheLeaderCountsItself) {
  const auto p = node().propose(entry_kind::command, "v");
  drain();
  EXPECT_EQ(node().commit_index(), 2u);
  const append a = expect_sent<append>(2);
  deliver(2, append_reply{
                 .epoch = 1, .ok = true, .match_index = 3, .last_index_hint = 3, .seq = a.seq});
  EXPECT_EQ(node().commit_index(), p->index);
  EXPECT_EQ(last_.committed, std::vector<log_entry>{cmd(3, 1, "v")});
}

TEST_F(ConsensusLeader, LeaderCountsItselfOnlyUpToItsStableIndex) {
  auto_stable_ = false;
  node().propose(entry_kind::command, "v");
  drain();
  deliver(2, append_reply{.epoch = 1,
                          .ok = true,
                          .match_index = 3,
                          .last_index_hint = 3,
                          .seq = expect_sent<append>(2).seq});
  EXPECT_EQ(node().commit_index(), 2u);
  node().stable_to(3);
  drain();
  EXPECT_EQ(node().commit_index(), 3u);
}

TEST_F(ConsensusLeader, AckFromAnotherIncarnationIsIgnored) {
  node().propose(entry_kind::command, "v");
  drain();
  deliver_from_incarnation(
      2, 4242,
      append_reply{.epoch = 1, .ok = true, .match_index = 3, .last_index_hint = 3, .seq = 5});
  EXPECT_EQ(node().commit_index(), 2u);
}

TEST_F(ConsensusLeader, RejectFallsBackToTheHintAndProbes) {
  for (int i = 0; i < 3; ++i) node().propose(entry_kind::command, "p");
  drain();
  const std::uint64_t seq = expect_sent<append>(2).seq;
  forget();
  deliver(
      2, append_reply{.epoch = 1, .ok = false, .match_index = 0, .last_index_hint = 1, .seq = seq});
  const append a = expect_sent<append>(2);
  EXPECT_EQ(a.prev_index, 1u);
  EXPECT_EQ(a.entries.size(), 4u);  // epoch_start and the three proposals
}

TEST_F(ConsensusLeader, AppendReplyWithAHigherEpochEndsLeadership) {
  deliver(2,
          append_reply{.epoch = 4, .ok = false, .match_index = 0, .last_index_hint = 1, .seq = 1});
  EXPECT_EQ(node().role(), role::follower);
  ASSERT_TRUE(last_.role_changed);
  EXPECT_EQ(*last_.role_changed, role::follower);
}

TEST_F(ConsensusLeader, LeaderStepsDownWithoutQuorum) {
  tick_by(249);
  EXPECT_EQ(node().role(), role::leader);
  tick_by(1);
  EXPECT_EQ(node().role(), role::follower);
  EXPECT_FALSE(node().propose(entry_kind::command, "refused"));
}

TEST_F(ConsensusLeader, HeartbeatAcksWithoutFsyncKeepALeaderInPlace) {
  for (int i = 0; i < 10; ++i) {
    tick_by(50);
    const append a = expect_sent<append>(1);
    deliver(1, append_reply{.epoch = 1,
                            .ok = true,
                            .match_index = a.prev_index,
                            .last_index_hint = 2,
                            .seq = a.seq});
  }
  EXPECT_EQ(node().role(), role::leader);
}

TEST_F(ConsensusLeader, LostAppendIsResentAfterTwoHeartbeats) {
  node().propose(entry_kind::command, "lost");
  drain();
  forget();
  tick_by(100);
  bool resent = false;
  for (const append& a : sent<append>(2)) resent = resent || !a.entries.empty();
  EXPECT_TRUE(resent);
}

// A large append (a chunk of a voter roll) can keep a follower busy for longer than two
// heartbeats; resending it then would only bury the follower deeper. It is resent once a later
// heartbeat is answered without it.
TEST_F(ConsensusLeader, ALargeAppendIsResentOnlyOnceALaterHeartbeatIsAnsweredWithoutIt) {
  // Follower 1 holds everything before it (become_leader); follower 2 answers nothing at all.
  node().propose(entry_kind::command, std::string(100 * 1024, 'x'));
  drain();
  forget();
  tick_by(150);  // three heartbeats, nothing answered
  const auto quiet = sent<append>(1);
  ASSERT_FALSE(quiet.empty());
  for (const append& a : quiet) EXPECT_TRUE(a.entries.empty()) << "resent at seq " << a.seq;
  const append& hb = quiet.back();
  deliver(1, append_reply{.epoch = 1,
                          .ok = true,
                          .match_index = hb.prev_index,
                          .last_index_hint = hb.prev_index,
                          .seq = hb.seq});
  forget();
  tick_by(50);
  bool resent = false;
  for (const append& a : sent<append>(1)) resent = resent || !a.entries.empty();
  EXPECT_TRUE(resent);
}

TEST_F(ConsensusLeader, MemberThatPromisedOurEpochElsewhereMakesUsLeadANewEpoch) {
  // 2 promised epoch 1 to itself
  deliver(2, append_reply{.epoch = 1,
                          .ok = false,
                          .match_index = 0,
                          .last_index_hint = 1,
                          .seq = 3,
                          .promised_to = 2});
  EXPECT_EQ(node().role(), role::candidate);
  expect_persisted_promise(2, 3);
  // handover: sticky ones promise
  EXPECT_EQ(expect_sent<prepare>(2), (prepare{.epoch = 2, .candidate = 3, .handover = true}));
  EXPECT_EQ(expect_sent<prepare>(1), (prepare{.epoch = 2, .candidate = 3, .handover = true}));
}

TEST_F(ConsensusLeader, ANewEpochIsLedAtMostOncePerElectionTimeout) {
  deliver(2, append_reply{.epoch = 1,
                          .ok = false,
                          .match_index = 0,
                          .last_index_hint = 1,
                          .seq = 3,
                          .promised_to = 2});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 2});
  deliver(1, append_reply{.epoch = 2,
                          .ok = true,
                          .match_index = 3,
                          .last_index_hint = 3,
                          .seq = expect_sent<append>(1).seq});
  ASSERT_EQ(node().role(), role::leader);
  deliver(2, append_reply{.epoch = 2,
                          .ok = false,
                          .match_index = 0,
                          .last_index_hint = 1,
                          .seq = 3,
                          .promised_to = 2});
  EXPECT_EQ(node().role(), role::leader);
}

TEST_F(ConsensusLeader, EpochStartIsNotAProposal) {
  EXPECT_FALSE(node().propose(entry_kind::epoch_start, ""));
}

}  // namespace
}  // namespace vote::consensus::test
