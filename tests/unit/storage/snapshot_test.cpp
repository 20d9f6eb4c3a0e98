// Snapshot files: round trip, damage detection, replacement of older snapshots, crash safety.
#include "vote/storage/snapshot.hpp"

#include <gtest/gtest.h>

#include "vote/storage/memory_file_system.hpp"

namespace vote::storage {
namespace {

constexpr const char* snap_dir = "/data";

class snapshot_test : public ::testing::Test {
 protected:
  std::vector<std::string> files() {
    std::vector<std::string> names;
    EXPECT_FALSE(fs_.list_dir(snap_dir, names));
    return names;
  }
  static snapshot_meta meta(std::uint64_t index) {
    return {index, index / 10 + 1, "members=1,2,3@" + std::to_string(index)};
  }

  memory_file_system fs_;
};

TEST_F(snapshot_test, RoundTripsMetaConfigAndState) {
  const std::string state(100000, 's');
  ASSERT_FALSE(write_snapshot(fs_, snap_dir, meta(120), state));
  const auto loaded = load_latest_snapshot(fs_, snap_dir);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->meta, meta(120));
  EXPECT_EQ(loaded->state, state);
  EXPECT_EQ(files(), (std::vector<std::string>{"snapshot-00000000000000000120.snap"}));
}

TEST_F(snapshot_test, NoSnapshotOrNoDirectoryLoadsAsNothing) {
  EXPECT_FALSE(load_latest_snapshot(fs_, "/nowhere"));
  ASSERT_FALSE(fs_.create_dirs(snap_dir));
  EXPECT_FALSE(load_latest_snapshot(fs_, snap_dir));
}

TEST_F(snapshot_test, ANewSnapshotRemovesOlderOnesOnceDurable) {
  ASSERT_FALSE(write_snapshot(fs_, snap_dir, meta(10), "a"));
  ASSERT_FALSE(write_snapshot(fs_, snap_dir, meta(20), "b"));
  ASSERT_FALSE(write_snapshot(fs_, snap_dir, meta(30), "c"));
  EXPECT_EQ(files(), (std::vector<std::string>{"snapshot-00000000000000000030.snap"}));
  fs_.crash(1);
  EXPECT_EQ(load_latest_snapshot(fs_, snap_dir)->state, "c");
}

TEST_F(snapshot_test, EveryBitFlipIsDetected) {
  ASSERT_FALSE(write_snapshot(fs_, snap_dir, meta(7), "state bytes"));
  const std::string path = std::string(snap_dir) + "/" + snapshot_file_name(7);
  std::string original;
  ASSERT_FALSE(fs_.read_file(path, original));
  for (std::uint64_t byte = 0; byte < original.size(); ++byte) {
    for (unsigned bit = 0; bit < 8; ++bit) {
      ASSERT_FALSE(fs_.flip_bit(path, byte, bit));
      EXPECT_THROW(load_latest_snapshot(fs_, snap_dir), corruption_error) << "byte " << byte;
      ASSERT_FALSE(fs_.flip_bit(path, byte, bit));
    }
  }
}

TEST_F(snapshot_test, ATruncatedOrExtendedSnapshotIsCorruption) {
  ASSERT_FALSE(write_snapshot(fs_, snap_dir, meta(7), "state bytes"));
  const std::string path = std::string(snap_dir) + "/" + snapshot_file_name(7);
  ASSERT_FALSE(fs_.truncate_raw(path, 60));
  EXPECT_THROW(load_latest_snapshot(fs_, snap_dir), corruption_error);
  ASSERT_FALSE(fs_.truncate_raw(path, 500));
  EXPECT_THROW(load_latest_snapshot(fs_, snap_dir), corruption_error);
}

TEST_F(snapshot_test, ACorruptLatestSnapshotIsAnErrorNotAFallbackToAnOlderOne) {
  ASSERT_FALSE(write_snapshot(fs_, snap_dir, meta(10), "old"));
  // Keep the older file: the removal after the new write fails (and is only logged).
  memory_file_system& fs = fs_;
  std::uint64_t write_ops = 0;
  {
    memory_file_system probe;
    ASSERT_FALSE(write_snapshot(probe, snap_dir, meta(10), "old"));
    const std::uint64_t before = probe.mutating_ops();
    ASSERT_FALSE(write_file_atomically(probe, snap_dir, snapshot_file_name(20), "x"));
    write_ops = probe.mutating_ops() - before + 1;  // + create_dirs
  }
  fs.fail_after(write_ops);
  ASSERT_FALSE(write_snapshot(fs, snap_dir, meta(20), "new"));
  fs.clear_failure();
  ASSERT_EQ(files().size(), 2u);
  ASSERT_FALSE(fs.flip_bit(std::string(snap_dir) + "/" + snapshot_file_name(20), 40, 2));
  EXPECT_THROW(load_latest_snapshot(fs, snap_dir), corruption_error);
}

TEST_F(snapshot_test, ACrashAtEveryWritePointLeavesTheOldOrTheNewSnapshot) {
  memory_file_system probe;
  ASSERT_FALSE(write_snapshot(probe, snap_dir, meta(10), "old state"));
  const std::uint64_t before = probe.mutating_ops();
  ASSERT_FALSE(write_snapshot(probe, snap_dir, meta(20), "new state"));
  const std::uint64_t ops = probe.mutating_ops() - before;
  for (std::uint64_t k = 0; k <= ops; ++k) {
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
      SCOPED_TRACE("k " + std::to_string(k) + " seed " + std::to_string(seed));
      memory_file_system fs;
      ASSERT_FALSE(write_snapshot(fs, snap_dir, meta(10), "old state"));
      fs.fail_after(k);
      const bool acknowledged = !write_snapshot(fs, snap_dir, meta(20), "new state");
      fs.crash(seed);
      const auto loaded = load_latest_snapshot(fs, snap_dir);
      ASSERT_TRUE(loaded);
      if (acknowledged) {
        EXPECT_EQ(loaded->state, "new state");
      } else {
        EXPECT_TRUE(loaded->state == "old state" || loaded->state == "new state");
      }
      EXPECT_EQ(loaded->meta.last_index, loaded->state == "old state" ? 10u : 20u);
    }
  }
}

TEST_F(snapshot_test, ALeftoverTempFileIsIgnoredAndCleanedUp) {
  ASSERT_FALSE(fs_.create_dirs(snap_dir));
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_.open_appendable("/data/snapshot-00000000000000000099.snap.tmp", f));
  ASSERT_FALSE(f->append("half a snapshot"));
  f.reset();
  ASSERT_FALSE(write_snapshot(fs_, snap_dir, meta(50), "s"));
  EXPECT_EQ(load_latest_snapshot(fs_, snap_dir)->meta, meta(50));
  EXPECT_EQ(files(), (std::vector<std::string>{"snapshot-00000000000000000050.snap"}));
}

TEST_F(snapshot_test, TheCodecRejectsWhatEncodeDidNotProduce) {
  snapshot expected;
  expected.meta = meta(5);
  expected.state = "state";
  const std::string bytes = encode_snapshot(expected.meta, expected.state);
  const std::optional<snapshot> decoded = decode_snapshot(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, expected);
  EXPECT_FALSE(decode_snapshot(""));
  EXPECT_FALSE(decode_snapshot(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(decode_snapshot(bytes + "x"));
  EXPECT_EQ(parse_snapshot_file_name("snapshot-00000000000000000005.snap"), 5u);
  EXPECT_FALSE(parse_snapshot_file_name("snapshot-00000000000000000005.snap.tmp"));
}

}  // namespace
}  // namespace vote::storage
