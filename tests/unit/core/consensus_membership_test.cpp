// §4 membership (bootstrap, learners, one change at a time, removal) and §5.4 handover.
#include <gtest/gtest.h>

#include "consensus_fixture.hpp"

namespace vote::consensus::test {
namespace {

using ConsensusBootstrap = consensus_fixture;

persisted_state empty_state() {
  return persisted_state{};
}

TEST_F(ConsensusBootstrap, ProposerNeedsEveryListedMember) {
  make_node(3, empty_state());
  node().start_bootstrap("u-1", {m(1), m(2), m(3)});
  drain();
  EXPECT_EQ(expect_sent<bootstrap_propose>(1),
            (bootstrap_propose{.uuid = "u-1", .members = {m(1), m(2), m(3)}}));
  node().step(envelope{.from = 1,
                       .from_incarnation = m(1).incarnation,
                       .to = 3,
                       .cluster_uuid = "u-1",
                       .body = bootstrap_reply{.uuid = "u-1", .accepted = true}});
  drain();
  EXPECT_TRUE(node().cluster_uuid().empty());
  node().step(envelope{.from = 2,
                       .from_incarnation = m(2).incarnation,
                       .to = 3,
                       .cluster_uuid = "u-1",
                       .body = bootstrap_reply{.uuid = "u-1", .accepted = true}});
  drain();
  ASSERT_TRUE(last_.bootstrap);
  EXPECT_EQ(*last_.bootstrap, bootstrap_result::formed);
  EXPECT_EQ(last_.persist.cluster_uuid, std::optional<std::string>("u-1"));
  EXPECT_EQ(node().configuration().voters, (std::vector<member>{m(1), m(2), m(3)}));
  // and it stands at once
  EXPECT_EQ(expect_sent<prepare>(1), (prepare{.epoch = 1, .candidate = 3, .handover = false}));
}

TEST_F(ConsensusBootstrap, OneRefusalFailsTheBootstrap) {
  make_node(3, empty_state());
  node().start_bootstrap("u-1", {m(1), m(2), m(3)});
  node().step(envelope{.from = 1,
                       .from_incarnation = m(1).incarnation,
                       .to = 3,
                       .cluster_uuid = "u-1",
                       .body = bootstrap_reply{.uuid = "u-1", .accepted = false}});
  drain();
  ASSERT_TRUE(last_.bootstrap);
  EXPECT_EQ(*last_.bootstrap, bootstrap_result::refused);
  EXPECT_TRUE(node().cluster_uuid().empty());
}

TEST_F(ConsensusBootstrap, AloneTheFirstServerLeads) {
  make_node(1, empty_state());
  node().start_bootstrap("u-1", {m(1)});
  drain();
  EXPECT_EQ(node().role(), role::leader);
}

TEST_F(ConsensusBootstrap, EmptyServerAcceptsOneBootstrapPersistingTheUuidFirst) {
  make_node(1, empty_state());
  node().step(envelope{.from = 3,
                       .from_incarnation = m(3).incarnation,
                       .to = 1,
                       .cluster_uuid = "u-1",
                       .body = bootstrap_propose{.uuid = "u-1", .members = {m(1), m(3)}}});
  drain();
  EXPECT_EQ(last_.persist.cluster_uuid, std::optional<std::string>("u-1"));
  EXPECT_EQ(last_.persist.entries.size(),
            1u);  // the first configuration, identical on every member
  EXPECT_TRUE(expect_sent<bootstrap_reply>(3).accepted);
  node().step(envelope{.from = 2,
                       .from_incarnation = m(2).incarnation,
                       .to = 1,
                       .cluster_uuid = "u-2",
                       .body = bootstrap_propose{.uuid = "u-2", .members = {m(1), m(2)}}});
  drain();
  EXPECT_FALSE(expect_sent<bootstrap_reply>(2).accepted);
  EXPECT_EQ(node().cluster_uuid(), "u-1");
}

TEST_F(ConsensusBootstrap, MessagesOfAnotherClusterAreDropped) {
  make_node(2, member_state({1, 2, 3}));
  forget();
  node().step(envelope{.from = 1,
                       .from_incarnation = m(1).incarnation,
                       .to = 2,
                       .cluster_uuid = "other",
                       .body = prepare{.epoch = 9, .candidate = 1, .handover = false}});
  drain();
  EXPECT_TRUE(history_.empty());
  EXPECT_EQ(node().promised().epoch, 0u);
}

class ConsensusMembership : public consensus_fixture {
 protected:
  void SetUp() override { become_leader(); }
  // `from` acks everything the leader holds (with the latest seq sent to it, if any).
  void ack_all(node_id from) {
    const auto as = sent<append>(from);
    const std::uint64_t seq = as.empty() ? 0 : as.back().seq;
    deliver(from, append_reply{.epoch = 1,
                               .ok = true,
                               .match_index = node().last_index(),
                               .last_index_hint = node().last_index(),
                               .seq = seq});
  }
};

TEST_F(ConsensusMembership, NewMemberJoinsAsLearnerThenBecomesVoterOnceCaughtUp) {
  ASSERT_EQ(node().add_member(m(4)), errc::ok);
  drain();
  EXPECT_TRUE(node().configuration().is_learner(4));
  EXPECT_EQ(node().configuration().quorum(), 2u);
  expect_sent<append>(4);
  ack_all(1);  // the learner entry commits
  EXPECT_TRUE(node().configuration().is_learner(4));
  deliver(4, append_reply{.epoch = 1,
                          .ok = true,
                          .match_index = node().last_index(),
                          .last_index_hint = node().last_index(),
                          .seq = 50});
  EXPECT_TRUE(node().configuration().is_voter(4));
  EXPECT_EQ(node().configuration().quorum(), 3u);
}

TEST_F(ConsensusMembership, OneChangeAtATime) {
  ASSERT_EQ(node().add_member(m(4)), errc::ok);
  EXPECT_EQ(node().add_member(m(5)), errc::unavailable);
  EXPECT_EQ(node().remove_member(1), errc::unavailable);
}

TEST_F(ConsensusMembership, NoChangeBeforeOwnEpochStartCommits) {
  make_node(3, member_state({1, 2, 3}));
  deliver(2, election{.round = 1, .uid = 3, .visited = {3, 1, 2}});
  deliver(1, promise{.epoch = 1, .last_log_epoch = 0, .last_log_index = 1});
  EXPECT_EQ(node().add_member(m(4)), errc::not_leader);
}

TEST_F(ConsensusMembership, RemovedMemberStopsCounting) {
  ASSERT_EQ(node().remove_member(1), errc::ok);
  drain();
  EXPECT_FALSE(node().configuration().is_member(1));
  EXPECT_EQ(node().configuration().quorum(), 2u);
}

TEST_F(ConsensusMembership, LeaderThatRemovesItselfHandsOverOnceCommitted) {
  ack_all(1);
  ack_all(2);
  ASSERT_EQ(node().remove_member(3), errc::ok);
  drain();
  EXPECT_EQ(node().role(), role::leader);  // still leads the uncommitted change, not counting
  ack_all(1);
  EXPECT_LT(node().commit_index(), node().last_index());  // {1, 2} both needed now
  ack_all(2);
  EXPECT_EQ(node().commit_index(), node().last_index());
  EXPECT_EQ(node().role(), role::follower);
  EXPECT_EQ(expect_sent<timeout_now>(2), (timeout_now{.epoch = 1}));
}

TEST_F(ConsensusMembership, TransferSendsTimeoutNowToTheHighestCaughtUpMember) {
  ack_all(1);
  ack_all(2);
  ASSERT_TRUE(node().transfer_leadership());
  drain();
  EXPECT_EQ(expect_sent<timeout_now>(2), (timeout_now{.epoch = 1}));
  EXPECT_FALSE(node().propose(entry_kind::command, "during handover"));
}

TEST_F(ConsensusMembership, TransferWaitsForTheTargetToCatchUp) {
  ack_all(2);
  node().propose(entry_kind::command, "x");
  drain();
  ASSERT_TRUE(node().transfer_leadership(2));
  drain();
  expect_not_sent<timeout_now>(2);
  EXPECT_FALSE(node().propose(entry_kind::command, "refused meanwhile"));
  ack_all(2);
  EXPECT_EQ(expect_sent<timeout_now>(2), (timeout_now{.epoch = 1}));
}

TEST_F(ConsensusMembership, TransferNeedsAnAnsweringTarget) {
  EXPECT_FALSE(node().transfer_leadership(2));  // never answered this leader
}

TEST_F(ConsensusMembership, FailedTransferResumesAfterAnElectionTimeout) {
  ack_all(1);
  ack_all(2);
  ASSERT_TRUE(node().transfer_leadership(2));
  for (int i = 0; i < 6; ++i) {  // keep the quorum alive meanwhile
    tick_by(50);
    ack_all(1);
  }
  EXPECT_TRUE(node().propose(entry_kind::command, "resumed"));
}

TEST_F(ConsensusMembership, StopGracefullyHandsOverAndReportsStopReady) {
  ack_all(1);
  ack_all(2);
  node().stop_gracefully();
  drain();
  expect_sent<timeout_now>(2);
  deliver(2, prepare{.epoch = 2, .candidate = 2, .handover = true});
  EXPECT_EQ(node().role(), role::follower);
  EXPECT_TRUE(last_.stop_ready);
}

TEST_F(ConsensusMembership, FollowerStopsAtOnce) {
  make_node(2, member_state({1, 2, 3}));
  node().stop_gracefully();
  drain();
  EXPECT_TRUE(last_.stop_ready);
  tick_by(1000);
  expect_not_sent<election>(3);  // never stands again
}

TEST_F(ConsensusMembership, TimeoutNowFromTheLeaderStartsAHandoverTakeover) {
  make_node(2, member_state({1, 2, 3}));
  follow(3, 1);
  deliver(3, timeout_now{.epoch = 1});
  EXPECT_EQ(expect_sent<prepare>(1), (prepare{.epoch = 2, .candidate = 2, .handover = true}));
  EXPECT_EQ(node().role(), role::candidate);
}

TEST_F(ConsensusMembership, TimeoutNowFromAStrangerIsIgnored) {
  make_node(2, member_state({1, 2, 3}));
  follow(3, 1);
  deliver(1, timeout_now{.epoch = 1});
  EXPECT_EQ(node().role(), role::follower);
}

TEST(ConsensusHighestId, HighestIdLeadsAfterTheTenure) {
  options o;
  o.handover_tenure = milliseconds(2000);
  consensus_cluster c({1, 2, 3}, o);
  c.run_for(1000);
  ASSERT_EQ(c.leaders(), std::vector<node_id>{3});
  c.crash(3);
  c.run_for(1000);
  ASSERT_EQ(c.leaders(), std::vector<node_id>{2});
  c.restart(3);
  c.run_for(1000);
  EXPECT_EQ(c.leaders(), std::vector<node_id>{2});  // within the tenure: no storm
  c.run_for(2500);
  EXPECT_EQ(c.leaders(), std::vector<node_id>{3});
}

TEST(ConsensusHighestId, JoinedMemberCatchesUpAndVotes) {
  consensus_cluster c({1, 2, 3});
  c.run_for(1000);
  ASSERT_EQ(c.add_member(3, m(4)), errc::ok);
  c.run_for(10);
  EXPECT_TRUE(c.node(3).configuration().is_learner(4));  // node 4 is not running here
  EXPECT_EQ(c.leaders(), std::vector<node_id>{3});
}

}  // namespace
}  // namespace vote::consensus::test

namespace vote::consensus::test {
namespace {

using ConsensusForce = consensus_fixture;

TEST_F(ConsensusForce, ForceNewClusterMakesTheNodeTheOnlyVoterAndLeader) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1)}, 1, 3));
  node().force_new_cluster();
  drain();
  EXPECT_EQ(node().configuration().voters, std::vector<member>{m(2)});
  EXPECT_EQ(node().role(), role::leader);
  EXPECT_EQ(node().epoch(), 2u);
  EXPECT_EQ(node().commit_index(), node().last_index());
}

}  // namespace
}  // namespace vote::consensus::test
