// §5.5 snapshots: compaction, chunked install on a far-behind follower, snapshot_wanted.
#include <gtest/gtest.h>

#include "consensus_fixture.hpp"
#include "invariant_recorder.hpp"

namespace vote::consensus::test {
namespace {

using ConsensusSnapshot = consensus_fixture;

TEST_F(ConsensusSnapshot, SnapshotTakenCompactsTheLogPrefix) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1), cmd(3, 1), cmd(4, 1)}, 1, 3));
  deliver(
      3,
      append{
          .epoch = 1, .leader = 3, .prev_index = 4, .prev_epoch = 1, .commit_index = 3, .seq = 1});
  ASSERT_EQ(node().commit_index(), 3u);
  node().snapshot_taken(
      snapshot_meta{.last_index = 3, .last_epoch = 1, .config = config_of({1, 2, 3})},
      std::make_shared<const std::string>("state"));
  EXPECT_EQ(node().first_index(), 4u);
  EXPECT_EQ(node().entry_at(3), nullptr);
  EXPECT_EQ(node().epoch_at(3), std::optional<std::uint64_t>(1));
  EXPECT_EQ(node().last_index(), 4u);
  drain();
}

TEST_F(ConsensusSnapshot, SnapshotBeyondWhatWasAppliedIsRefused) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1)}, 1, 3));
  const vote::test::invariant_recorder recorder;  // the owner breaks the contract: recorded
  node().snapshot_taken(
      snapshot_meta{.last_index = 2, .last_epoch = 1, .config = config_of({1, 2, 3})},
      std::make_shared<const std::string>("state"));
  EXPECT_EQ(node().first_index(), 1u);
  EXPECT_EQ(recorder.broken().size(), 1u);
}

TEST_F(ConsensusSnapshot, SnapshotIsWantedAfterTheThreshold) {
  options o = test_options(2);
  o.snapshot_threshold = 3;
  make_node(2, member_state({1, 2, 3}, {}, 1, 3), o);
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 1,
                    .prev_epoch = 0,
                    .entries = {cmd(2, 1)},
                    .commit_index = 2,
                    .seq = 1});
  EXPECT_FALSE(last_.snapshot_wanted);
  deliver(3, append{.epoch = 1,
                    .leader = 3,
                    .prev_index = 2,
                    .prev_epoch = 1,
                    .entries = {cmd(3, 1)},
                    .commit_index = 3,
                    .seq = 2});
  EXPECT_EQ(last_.snapshot_wanted, std::optional<std::uint64_t>(3));
}

TEST_F(ConsensusSnapshot, FarBehindFollowerReceivesTheSnapshotInChunks) {
  options o = test_options(3);
  o.snapshot_chunk_size = 4;
  o.max_inflight_appends = 1;  // one chunk at a time: a readable trace
  make_node(3, member_state({1, 2, 3}), o);
  deliver(2, election{.round = 1, .uid = 3, .visited = {3, 1, 2}});
  deliver(1, promise{.epoch = 1, .last_log_epoch = 0, .last_log_index = 1});
  const append a = expect_sent<append>(1);
  deliver(1, append_reply{
                 .epoch = 1, .ok = true, .match_index = 2, .last_index_hint = 2, .seq = a.seq});
  ASSERT_EQ(node().role(), role::leader);
  node().snapshot_taken(
      snapshot_meta{.last_index = 2, .last_epoch = 1, .config = config_of({1, 2, 3})},
      std::make_shared<const std::string>("0123456789"));
  const std::uint64_t seq = expect_sent<append>(2).seq;
  forget();
  // node 2 has nothing: needs the snapshot
  deliver(
      2, append_reply{.epoch = 1, .ok = false, .match_index = 0, .last_index_hint = 0, .seq = seq});
  install_snapshot first = expect_sent<install_snapshot>(2);
  EXPECT_EQ(first.offset, 0u);
  EXPECT_EQ(first.data, "0123");
  EXPECT_FALSE(first.done);
  deliver(2,
          snapshot_reply{.epoch = 1, .ok = true, .next_offset = 4, .last_index = 2, .done = false});
  EXPECT_EQ(expect_sent<install_snapshot>(2).data, "4567");
  deliver(2,
          snapshot_reply{.epoch = 1, .ok = true, .next_offset = 8, .last_index = 2, .done = false});
  const install_snapshot last = expect_sent<install_snapshot>(2);
  EXPECT_EQ(last.data, "89");
  EXPECT_TRUE(last.done);
  deliver(2,
          snapshot_reply{.epoch = 1, .ok = true, .next_offset = 10, .last_index = 2, .done = true});
  tick_by(50);  // the next heartbeat continues after the snapshot
  const append after = expect_sent<append>(2);
  EXPECT_EQ(after.prev_index, 2u);
}

TEST_F(ConsensusSnapshot, SeveralChunksAreInFlightAndANewerSnapshotDoesNotRestartTheTransfer) {
  options o = test_options(3);
  o.snapshot_chunk_size = 4;
  o.max_inflight_appends = 2;
  make_node(3, member_state({1, 2, 3}), o);
  deliver(2, election{.round = 1, .uid = 3, .visited = {3, 1, 2}});
  deliver(1, promise{.epoch = 1, .last_log_epoch = 0, .last_log_index = 1});
  deliver(1, append_reply{.epoch = 1,
                          .ok = true,
                          .match_index = 2,
                          .last_index_hint = 2,
                          .seq = expect_sent<append>(1).seq});
  node().snapshot_taken(
      snapshot_meta{.last_index = 2, .last_epoch = 1, .config = config_of({1, 2, 3})},
      std::make_shared<const std::string>("0123456789"));
  const std::uint64_t seq = expect_sent<append>(2).seq;
  forget();
  deliver(
      2, append_reply{.epoch = 1, .ok = false, .match_index = 0, .last_index_hint = 0, .seq = seq});
  EXPECT_EQ(sent<install_snapshot>(2).size(), 2u);  // "0123" and "4567"
  node().propose(entry_kind::command, "x");
  drain();
  deliver(1, append_reply{.epoch = 1,
                          .ok = true,
                          .match_index = 3,
                          .last_index_hint = 3,
                          .seq = expect_sent<append>(1).seq});
  node().snapshot_taken(
      snapshot_meta{.last_index = 3, .last_epoch = 1, .config = config_of({1, 2, 3})},
      std::make_shared<const std::string>("newer"));
  deliver(2,
          snapshot_reply{.epoch = 1, .ok = true, .next_offset = 4, .last_index = 2, .done = false});
  const install_snapshot next = expect_sent<install_snapshot>(2);
  EXPECT_EQ(next.meta.last_index, 2u);  // still the pinned one
  EXPECT_EQ(next.data, "89");
}

TEST_F(ConsensusSnapshot, FollowerInstallsTheSnapshotWhenDone) {
  make_node(2, member_state({1, 2, 3}, {}, 1, 3));
  const snapshot_meta meta{.last_index = 5, .last_epoch = 1, .config = config_of({1, 2, 3, 4})};
  deliver(3, install_snapshot{
                 .epoch = 1, .leader = 3, .meta = meta, .offset = 0, .data = "abc", .done = false});
  EXPECT_EQ(
      expect_sent<snapshot_reply>(3),
      (snapshot_reply{.epoch = 1, .ok = true, .next_offset = 3, .last_index = 5, .done = false}));
  EXPECT_FALSE(last_.persist.install_snapshot);
  deliver(3, install_snapshot{
                 .epoch = 1, .leader = 3, .meta = meta, .offset = 3, .data = "def", .done = true});
  ASSERT_TRUE(last_.persist.install_snapshot);
  EXPECT_EQ(last_.persist.install_snapshot->meta, meta);
  EXPECT_EQ(*last_.persist.install_snapshot->data, "abcdef");
  EXPECT_EQ(
      expect_sent<snapshot_reply>(3),
      (snapshot_reply{.epoch = 1, .ok = true, .next_offset = 6, .last_index = 5, .done = true}));
  EXPECT_EQ(node().commit_index(), 5u);
  EXPECT_EQ(node().last_index(), 5u);
  EXPECT_TRUE(node().configuration().is_voter(4));
  EXPECT_TRUE(last_.committed.empty());  // the owner loads the snapshot instead
}

TEST_F(ConsensusSnapshot, ReorderedChunksAreBufferedUntilTheGapFills) {
  make_node(2, member_state({1, 2, 3}, {}, 1, 3));
  const snapshot_meta meta{.last_index = 5, .last_epoch = 1, .config = config_of({1, 2, 3})};
  // even before the first chunk
  deliver(3, install_snapshot{
                 .epoch = 1, .leader = 3, .meta = meta, .offset = 6, .data = "ghi", .done = true});
  EXPECT_EQ(
      expect_sent<snapshot_reply>(3),
      (snapshot_reply{.epoch = 1, .ok = true, .next_offset = 0, .last_index = 5, .done = false}));
  deliver(3, install_snapshot{
                 .epoch = 1, .leader = 3, .meta = meta, .offset = 0, .data = "abc", .done = false});
  EXPECT_EQ(
      expect_sent<snapshot_reply>(3),
      (snapshot_reply{.epoch = 1, .ok = true, .next_offset = 3, .last_index = 5, .done = false}));
  EXPECT_FALSE(last_.persist.install_snapshot);
  deliver(3, install_snapshot{
                 .epoch = 1, .leader = 3, .meta = meta, .offset = 3, .data = "def", .done = false});
  ASSERT_TRUE(last_.persist.install_snapshot);
  EXPECT_EQ(*last_.persist.install_snapshot->data, "abcdefghi");
  EXPECT_EQ(
      expect_sent<snapshot_reply>(3),
      (snapshot_reply{.epoch = 1, .ok = true, .next_offset = 9, .last_index = 5, .done = true}));
}

TEST_F(ConsensusSnapshot, DuplicateChunksAddNothing) {
  make_node(2, member_state({1, 2, 3}, {}, 1, 3));
  const snapshot_meta meta{.last_index = 5, .last_epoch = 1, .config = config_of({1, 2, 3})};
  deliver(3, install_snapshot{
                 .epoch = 1, .leader = 3, .meta = meta, .offset = 0, .data = "abc", .done = false});
  deliver(3, install_snapshot{
                 .epoch = 1, .leader = 3, .meta = meta, .offset = 0, .data = "abc", .done = false});
  deliver(3, install_snapshot{
                 .epoch = 1, .leader = 3, .meta = meta, .offset = 3, .data = "def", .done = true});
  ASSERT_TRUE(last_.persist.install_snapshot);
  EXPECT_EQ(*last_.persist.install_snapshot->data, "abcdef");
}

TEST_F(ConsensusSnapshot, FollowerHoldingTheSnapshotsLastEntryKeepsItsLog) {
  // Regression: a rewound leader sent a snapshot ending before entries this follower had
  // already acked; installing it discarded them.
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1), cmd(3, 1)}, 1, 3));
  deliver(3, install_snapshot{.epoch = 1,
                              .leader = 3,
                              .meta = snapshot_meta{.last_index = 2,
                                                    .last_epoch = 1,
                                                    .config = config_of({1, 2, 3})},
                              .offset = 0,
                              .data = "s",
                              .done = true});
  EXPECT_FALSE(last_.persist.install_snapshot);
  EXPECT_EQ(node().last_index(), 3u);
  EXPECT_EQ(
      expect_sent<snapshot_reply>(3),
      (snapshot_reply{.epoch = 1, .ok = true, .next_offset = 1, .last_index = 2, .done = true}));
}

TEST_F(ConsensusSnapshot, SnapshotFromAnOlderEpochIsRejected) {
  make_node(2, member_state({1, 2, 3}, {}, 4, 3));
  deliver(1, install_snapshot{.epoch = 3,
                              .leader = 1,
                              .meta = snapshot_meta{.last_index = 5,
                                                    .last_epoch = 1,
                                                    .config = config_of({1, 2, 3})},
                              .offset = 0,
                              .data = "x",
                              .done = true});
  EXPECT_FALSE(expect_sent<snapshot_reply>(1).ok);
  EXPECT_FALSE(last_.persist.install_snapshot);
}

TEST_F(ConsensusSnapshot, RestartFromSnapshotAppliesOnlyLaterEntries) {
  persisted_state s;
  s.cluster_uuid = test_uuid;
  s.promise = {.epoch = 1, .to = 3};
  s.snapshot = snapshot_meta{.last_index = 3, .last_epoch = 1, .config = config_of({1, 2, 3})};
  s.log = {cmd(4, 1), cmd(5, 1)};
  make_node(2, s);
  EXPECT_EQ(node().commit_index(), 3u);
  deliver(
      3,
      append{
          .epoch = 1, .leader = 3, .prev_index = 5, .prev_epoch = 1, .commit_index = 5, .seq = 1});
  EXPECT_EQ(last_.committed, (std::vector<log_entry>{cmd(4, 1), cmd(5, 1)}));
}

}  // namespace
}  // namespace vote::consensus::test
