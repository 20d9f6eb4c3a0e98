// VOTE_INVARIANT (include/vote/core/invariant.hpp): a satisfied invariant costs nothing, a broken
// one reaches the installed handler with what broke and where; the owner of a core that breaks
// its contract is caught and the core stays consistent.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "consensus_fixture.hpp"
#include "core/election_impl.hpp"  // private to vote_core (src/core): a white-box test
#include "invariant_recorder.hpp"
#include "vote/core/invariant.hpp"

namespace vote::consensus::test {
namespace {

using vote::test::invariant_recorder;

void ignore(const invariant_failure&) {}

TEST(Invariant, SatisfiedInvariantDoesNotCallTheHandler) {
  const invariant_recorder recorder;
  int evaluated = 0;
  EXPECT_TRUE(VOTE_INVARIANT(2 + 2 == 4, (++evaluated, "arithmetic holds")));
  EXPECT_TRUE(recorder.broken().empty());
  EXPECT_EQ(evaluated, 0);  // `what` is built only on failure
}

TEST(Invariant, BrokenInvariantReportsWhatAndWhereAndIsFalse) {
  const invariant_recorder recorder;
  const int line = __LINE__ + 1;
  EXPECT_FALSE(VOTE_INVARIANT(1 > 2, "one above " + std::to_string(2)));
  ASSERT_EQ(recorder.broken().size(), 1u);
  EXPECT_EQ(recorder.broken()[0].what, "one above 2");
  EXPECT_NE(recorder.broken()[0].file.find("invariant_test.cpp"), std::string::npos);
  EXPECT_EQ(recorder.broken()[0].line, line);
}

TEST(Invariant, RecorderRestoresThePreviousHandler) {
  const invariant_handler before = set_invariant_handler(&ignore);
  {
    const invariant_recorder recorder;
    EXPECT_FALSE(VOTE_INVARIANT(false, "recorded"));
    EXPECT_EQ(recorder.broken().size(), 1u);
  }
  EXPECT_EQ(set_invariant_handler(before), &ignore);
}

TEST(InvariantDeathTest, DefaultHandlerReportsAndAborts) {
  EXPECT_DEATH(VOTE_INVARIANT(false, "the product stops here"),
               "broken invariant at .*invariant_test.cpp:[0-9]+: the product stops here");
}

// ---- the consensus core's owner contract ------------------------------------------------------

class InvariantOfTheOwner : public consensus_fixture {
 protected:
  // Follower 2 of leader 3 (epoch 1), its log up to 3 and entries up to 2 committed and applied.
  void SetUp() override {
    make_node(2, member_state({1, 2, 3}, {cmd(2, 1), cmd(3, 1)}, 1, 3));
    deliver(3, append{.epoch = 1,
                      .leader = 3,
                      .prev_index = 3,
                      .prev_epoch = 1,
                      .commit_index = 2,
                      .seq = 1});
    ASSERT_EQ(committed().size(), 2u);
  }
  void expect_consistent() {
    EXPECT_TRUE(check_invariants(node()).empty());
    EXPECT_EQ(node().commit_index(), 2u);
    EXPECT_EQ(node().last_index(), 3u);
  }
  static std::shared_ptr<const std::string> state() {
    return std::make_shared<const std::string>("state");
  }
};

TEST_F(InvariantOfTheOwner, SnapshotBeyondTheAppliedIndexIsCaughtAndIgnored) {
  const invariant_recorder recorder;
  node().snapshot_taken(
      snapshot_meta{.last_index = 3, .last_epoch = 1, .config = config_of({1, 2, 3})}, state());
  ASSERT_EQ(recorder.broken().size(), 1u);
  EXPECT_EQ(recorder.broken()[0].what,
            "snapshot_taken at index 3 beyond the last index handed out to apply, 2");
  EXPECT_EQ(node().first_index(), 1u);
  expect_consistent();
  // The core goes on: a snapshot of what was applied is taken as usual.
  node().snapshot_taken(
      snapshot_meta{.last_index = 2, .last_epoch = 1, .config = config_of({1, 2, 3})}, state());
  EXPECT_EQ(node().first_index(), 3u);
  EXPECT_EQ(recorder.broken().size(), 1u);
  expect_consistent();
}

TEST_F(InvariantOfTheOwner, SnapshotNamingAnotherEpochIsCaughtAndIgnored) {
  const invariant_recorder recorder;
  node().snapshot_taken(
      snapshot_meta{.last_index = 2, .last_epoch = 7, .config = config_of({1, 2, 3})}, state());
  ASSERT_EQ(recorder.broken().size(), 1u);
  EXPECT_EQ(recorder.broken()[0].what,
            "snapshot_taken at index 2 epoch 7: our committed entry there has epoch 1");
  EXPECT_EQ(node().first_index(), 1u);
  expect_consistent();
}

TEST_F(InvariantOfTheOwner, StaleSnapshotIsNotABrokenInvariant) {
  // Legitimate: the owner wrote a snapshot while the core moved past it.
  node().snapshot_taken(
      snapshot_meta{.last_index = 2, .last_epoch = 1, .config = config_of({1, 2, 3})}, state());
  const invariant_recorder recorder;
  node().snapshot_taken(
      snapshot_meta{.last_index = 1, .last_epoch = 0, .config = config_of({1, 2, 3})}, state());
  EXPECT_TRUE(recorder.broken().empty());
  EXPECT_EQ(node().first_index(), 3u);
}

TEST_F(InvariantOfTheOwner, TimeGoingBackwardsIsCaughtAndTheClockKeepsItsLatest) {
  const invariant_recorder recorder;
  node().tick(milliseconds(400));
  ASSERT_EQ(recorder.broken().size(), 1u);
  EXPECT_EQ(recorder.broken()[0].what, "tick at 400 ms after 1000 ms: time went backwards");
  EXPECT_EQ(node().now(), milliseconds(1000));
  drain();
  expect_consistent();
}

TEST_F(InvariantOfTheOwner, PeerMessagesNeverBreakAnInvariant) {
  const invariant_recorder recorder;
  // From the leader: an append that would undo a commit, one past our log, a snapshot that
  // ends inside our committed prefix with another epoch. From others: a prepare of a taken
  // epoch, a promise and a fetch_reply we never asked for. All dropped or refused.
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 0)},
                    .commit_index = 0,
                    .seq = 2});
  deliver(3, append{.epoch = 1, .leader = 3, .prev_index = 9, .prev_epoch = 1, .seq = 3});
  const snapshot_meta conflicting{.last_index = 2, .last_epoch = 5, .config = config_of({1, 2, 3})};
  deliver(
      3, install_snapshot{.epoch = 1, .leader = 3, .meta = conflicting, .data = "x", .done = true});
  deliver(1, prepare{.epoch = 1, .candidate = 1});
  deliver(1, promise{.epoch = 1, .last_log_epoch = 9, .last_log_index = 99});
  deliver(1, fetch_reply{.epoch = 1, .ok = true, .entries = {cmd(1, 0)}});
  EXPECT_TRUE(recorder.broken().empty());
  expect_consistent();
}

using InvariantOfTheBootstrap = consensus_fixture;

TEST_F(InvariantOfTheBootstrap, BootstrapWithoutThisNodeIsCaughtAndRefused) {
  make_node(3, persisted_state{});
  const invariant_recorder recorder;
  node().start_bootstrap("u-1", {m(1), m(2)});
  drain();
  ASSERT_EQ(recorder.broken().size(), 1u);
  EXPECT_EQ(recorder.broken()[0].what, "start_bootstrap of 2 members without this node 3");
  ASSERT_TRUE(last_.bootstrap);
  EXPECT_EQ(*last_.bootstrap, bootstrap_result::refused);
  EXPECT_TRUE(last_.messages.empty());
  EXPECT_TRUE(check_invariants(node()).empty());
}

// ---- the election state machine's callers ------------------------------------------------------

TEST(InvariantOfTheElection, RegisterThatSkippedCheckCommandIsCaught) {
  const invariant_recorder recorder;
  const auto e = vote::detail::make_election(
      register_cmd{.election_id = "e1", .candidates = {"a", "b"}, .voters = {"v", "v"}}, "");
  ASSERT_EQ(recorder.broken().size(), 1u);
  EXPECT_EQ(recorder.broken()[0].what,
            "voter 'v' added twice to e1: check_new_voters() was not run");
  EXPECT_EQ(e.voters.size(), 1u);
}

}  // namespace
}  // namespace vote::consensus::test
