// §5.5 read index, as traces.
#include <gtest/gtest.h>

#include "consensus_fixture.hpp"

namespace vote::consensus::test {
namespace {

using ConsensusRead = consensus_fixture;

TEST_F(ConsensusRead, ReadIsReadyAfterAMajorityAcksAHeartbeatSentAfterIt) {
  become_leader();  // node 1 acked epoch_start, an append sent before the read: not enough
  const auto id = node().read_barrier();
  ASSERT_TRUE(id);
  // The read's heartbeat is output: a driver that takes output only while has_output() sends
  // it now, not at the next heartbeat tick.
  EXPECT_TRUE(node().has_output());
  drain();
  EXPECT_TRUE(last_.reads_ready.empty());
  const append hb = expect_sent<append>(1);  // the heartbeat goes out at once
  deliver(1, append_reply{
                 .epoch = 1, .ok = true, .match_index = 2, .last_index_hint = 2, .seq = hb.seq});
  EXPECT_EQ(last_.reads_ready, std::vector<read_ready>{(read_ready{*id, 2})});
}

TEST_F(ConsensusRead, ReadIsRefusedByANonServingNode) {
  make_node(3, member_state({1, 2, 3}));
  EXPECT_FALSE(node().read_barrier());
  deliver(2, election{.round = 1, .uid = 3, .visited = {3, 1, 2}});
  // epoch_start appended, not committed
  deliver(1, promise{.epoch = 1, .last_log_epoch = 0, .last_log_index = 1});
  EXPECT_FALSE(node().read_barrier());
}

TEST_F(ConsensusRead, PendingReadsFailOnStepDown) {
  become_leader();
  const auto id = node().read_barrier();
  drain();
  deliver(2,
          append_reply{.epoch = 7, .ok = false, .match_index = 0, .last_index_hint = 0, .seq = 1});
  EXPECT_EQ(last_.reads_failed, std::vector<std::uint64_t>{*id});
}

TEST_F(ConsensusRead, SingleVoterReadsAtOnce) {
  make_node(1, member_state({1}));
  tick_by(250);
  ASSERT_EQ(node().role(), role::leader);
  const auto id = node().read_barrier();
  drain();
  EXPECT_EQ(last_.reads_ready, std::vector<read_ready>{(read_ready{*id, 2})});
}

}  // namespace
}  // namespace vote::consensus::test
