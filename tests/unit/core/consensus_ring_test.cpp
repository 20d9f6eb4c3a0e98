// §5.1 failure detection and §5.2 the LCR ring round, as traces of one node.
#include <gtest/gtest.h>

#include "consensus_fixture.hpp"

namespace vote::consensus::test {
namespace {

using ConsensusRing = consensus_fixture;

TEST_F(ConsensusRing, ElectionTimeoutStartsARoundWithOwnUid) {
  make_node(2, member_state({1, 2, 3}));
  tick_by(249);
  expect_not_sent<election>(3);
  tick_by(1);
  EXPECT_EQ(expect_sent<election>(3), (election{.round = 1, .uid = 2, .visited = {2}}));
}

TEST_F(ConsensusRing, EveryHopIsAcknowledged) {
  make_node(2, member_state({1, 2, 3}));
  deliver(1, election{.round = 4, .uid = 3, .visited = {3}});
  EXPECT_EQ(expect_sent<election_ack>(1), (election_ack{.round = 4, .uid = 3}));
}

TEST_F(ConsensusRing, HigherUidIsForwardedWithSelfAddedToVisited) {
  make_node(2, member_state({1, 2, 3}));
  deliver(1, election{.round = 1, .uid = 3, .visited = {3, 1}});
  EXPECT_EQ(expect_sent<election>(3), (election{.round = 1, .uid = 3, .visited = {3, 1, 2}}));
}

TEST_F(ConsensusRing, LowerUidIsReplacedByOwnWhenNotYetParticipant) {
  make_node(2, member_state({1, 2, 3}));
  deliver(1, election{.round = 1, .uid = 1, .visited = {1}});
  EXPECT_EQ(expect_sent<election>(3), (election{.round = 1, .uid = 2, .visited = {2}}));
}

TEST_F(ConsensusRing, LowerUidIsDiscardedByAParticipant) {
  make_node(2, member_state({1, 2, 3}));
  tick_by(250);  // our own round: participant
  forget();
  deliver(1, election{.round = 1, .uid = 1, .visited = {1}});
  expect_not_sent<election>(3);
}

TEST_F(ConsensusRing, LowerRoundIsDroppedAndHigherRoundResetsParticipant) {
  make_node(2, member_state({1, 2, 3}));
  deliver(1, election{.round = 5, .uid = 1, .visited = {1}});  // participant of round 5
  forget();
  deliver(1, election{.round = 4, .uid = 3, .visited = {3}});
  expect_not_sent<election>(3);
  deliver(1, election{.round = 6, .uid = 1, .visited = {1}});
  EXPECT_EQ(expect_sent<election>(3), (election{.round = 6, .uid = 2, .visited = {2}}));
}

TEST_F(ConsensusRing, SkippedUidCountsAsLowerThanOwn) {
  make_node(2, member_state({1, 2, 3}));
  deliver(1, election{.round = 1, .uid = 3, .visited = {3, 1}, .skipped = {3}});
  // 3 is skipped: wrap to 1
  EXPECT_EQ(expect_sent<election>(1),
            (election{.round = 1, .uid = 2, .visited = {2}, .skipped = {3}}));
}

TEST_F(ConsensusRing, MessageThatAlreadyVisitedUsIsDropped) {
  make_node(2, member_state({1, 2, 3}));
  deliver(1, election{.round = 1, .uid = 3, .visited = {3, 2, 1}});
  expect_not_sent<election>(3);
}

TEST_F(ConsensusRing, UnacknowledgedHopSkipsToNextLiveMember) {
  make_node(1, member_state({1, 2, 3}));
  tick_by(250);
  expect_sent<election>(2);
  tick_by(99);
  expect_not_sent<election>(3);
  tick_by(1);
  EXPECT_EQ(expect_sent<election>(3),
            (election{.round = 1, .uid = 1, .visited = {1}, .skipped = {2}}));
}

TEST_F(ConsensusRing, AcknowledgedHopIsNotSkipped) {
  make_node(1, member_state({1, 2, 3}));
  tick_by(250);
  deliver(2, election_ack{.round = 1, .uid = 1});
  tick_by(150);
  expect_not_sent<election>(3);
}

TEST_F(ConsensusRing, SilentMembersAreLeftOutOfTheRing) {
  make_node(1, member_state({1, 2, 3}));
  node().member_silent(2);
  tick_by(250);
  expect_not_sent<election>(2);
  expect_sent<election>(3);
}

TEST_F(ConsensusRing, MaxUidWinsOnHealthyRing) {
  make_node(3, member_state({1, 2, 3}));
  deliver(2, election{.round = 1, .uid = 3, .visited = {3, 1, 2}});
  EXPECT_EQ(node().role(), role::candidate);
  EXPECT_EQ(expect_sent<prepare>(1), (prepare{.epoch = 1, .candidate = 3, .handover = false}));
  EXPECT_EQ(expect_sent<prepare>(2), (prepare{.epoch = 1, .candidate = 3, .handover = false}));
}

TEST_F(ConsensusRing, WinnerWithoutMajorityVisitedWaitsForItsTimeout) {
  make_node(5, member_state({1, 2, 3, 4, 5}));
  deliver(4, election{.round = 1, .uid = 5, .visited = {5, 4}});
  EXPECT_EQ(node().role(), role::follower);
  expect_not_sent<prepare>(1);
}

TEST_F(ConsensusRing, SingleVoterWinsItsOwnRoundAtOnce) {
  make_node(1, member_state({1}));
  tick_by(250);
  EXPECT_EQ(node().role(), role::leader);  // epoch_start is stable at once: committed
  EXPECT_EQ(node().leader().id, 1u);
}

TEST_F(ConsensusRing, StickyNodeForwardsWithoutAddingItself) {
  make_node(2, member_state({1, 2, 3}));
  follow(3, 1);
  ASSERT_TRUE(node().sticky());
  deliver(1, election{.round = 1, .uid = 1, .visited = {1}});
  EXPECT_EQ(expect_sent<election>(3), (election{.round = 1, .uid = 1, .visited = {1}}));
}

TEST_F(ConsensusRing, StickyNodeForwardsEachUidOnlyOnce) {
  make_node(2, member_state({1, 2, 3}));
  follow(3, 1);
  deliver(1, election{.round = 1, .uid = 1, .visited = {1}});
  forget();
  deliver(1, election{.round = 1, .uid = 1, .visited = {1}});
  expect_not_sent<election>(3);
}

TEST_F(ConsensusRing, ServingLeaderAnswersRoundMessagesWithLeaderAlive) {
  become_leader();
  deliver(1, election{.round = 7, .uid = 1, .visited = {1}});
  EXPECT_EQ(expect_sent<leader_alive>(1),
            (leader_alive{.id = 3, .epoch = 1, .endpoint = m(3).endpoint}));
  expect_not_sent<election>(1);
}

TEST_F(ConsensusRing, TimerIsRefreshedOnlyByAcceptedAppends) {
  make_node(2, member_state({1, 2, 3}, {}, 5, 3));
  follow(3, 5);
  tick_by(200);
  // older epoch: rejected, no refresh
  deliver(
      1,
      append{
          .epoch = 4, .leader = 1, .prev_index = 1, .prev_epoch = 0, .commit_index = 0, .seq = 1});
  tick_by(50);
  EXPECT_FALSE(node().sticky());
  expect_sent<election>(3);
}

TEST_F(ConsensusRing, AcceptedAppendsKeepTheFollowerQuiet) {
  make_node(2, member_state({1, 2, 3}));
  for (int i = 0; i < 20; ++i) {
    follow(3, 1);
    tick_by(50);
  }
  expect_not_sent<election>(3);
  EXPECT_TRUE(node().sticky());
}

TEST_F(ConsensusRing, LinkClosedToLeaderStartsARoundAfterTheFastPathDelay) {
  make_node(2, member_state({1, 2, 3}));
  follow(3, 1);
  node().link_closed(3);
  tick_by(99);
  expect_not_sent<election>(3);
  tick_by(1);
  EXPECT_EQ(expect_sent<election>(3), (election{.round = 1, .uid = 2, .visited = {2}}));
  EXPECT_FALSE(node().sticky());
}

TEST_F(ConsensusRing, AppendDuringTheFastPathDelayCancelsIt) {
  make_node(2, member_state({1, 2, 3}));
  follow(3, 1);
  node().link_closed(3);
  tick_by(50);
  follow(3, 1);
  tick_by(100);
  expect_not_sent<election>(3);
  EXPECT_TRUE(node().sticky());
}

TEST_F(ConsensusRing, OthersJoinAFastPathRoundOnlyIfTheirOwnLinkIsDown) {
  make_node(1, member_state({1, 2, 3}));
  follow(3, 1);
  // link to 3 up: sticky, forwards untouched
  deliver(2, election{.round = 1, .uid = 2, .visited = {2}});
  EXPECT_EQ(expect_sent<election>(2).visited, std::vector<node_id>{2});
  forget();
  node().link_closed(3);
  tick_by(100);  // our own link is down too: we take part
  deliver(2, election{.round = 2, .uid = 2, .visited = {2}});
  EXPECT_EQ(expect_sent<election>(2), (election{.round = 2, .uid = 2, .visited = {2, 1}}));
}

TEST_F(ConsensusRing, SilentlyDeadLeaderIsCaughtByTheTimeout) {
  make_node(2, member_state({1, 2, 3}));
  follow(3, 1);
  tick_by(250);
  EXPECT_EQ(expect_sent<election>(3), (election{.round = 1, .uid = 2, .visited = {2}}));
  EXPECT_EQ(node().leader().id, 0u);
}

TEST_F(ConsensusRing, LearnersTakeNoPartInRounds) {
  persisted_state s = member_state({1, 2});
  s.log.push_back(config_entry(2, 0, config_of({1, 2}, {3})));
  make_node(3, s);
  tick_by(1000);
  expect_not_sent<election>(1);
  expect_not_sent<election>(2);
}

}  // namespace
}  // namespace vote::consensus::test
