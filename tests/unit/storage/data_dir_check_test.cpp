// check_data_dir(): every kind of missing data is reported as damage, a crash never is, and the
// check never writes.
#include <gtest/gtest.h>

#include "storage_test_support.hpp"
#include "vote/storage/data_dir_check.hpp"
#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal_record.hpp"

namespace vote::storage {
namespace {

using test::make_batch;

constexpr const char* data = "/data";
constexpr const char* wal_path = "/data/wal";

// A data directory as the server leaves it: identity (member of a cluster), promise, a WAL of
// small segments with its manifest in the data directory, optionally a snapshot + compaction.
class data_dir_check_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(fs_.create_dirs(data));
    ASSERT_FALSE(save_identity(fs_, data, {7, 99, "cluster-uuid"}));
    ASSERT_FALSE(save_promise(fs_, data, {1, 7}));
    open_log(1, 0);
    append(1, 30);
  }
  void open_log(std::uint64_t first, std::uint64_t prev_epoch) {
    wal_options o;
    o.segment_bytes = 300;
    o.first_index = first;
    o.prev_epoch = prev_epoch;
    o.manifest_dir = data;
    wal_recovery rec;
    log_.reset();
    log_ = wal::open(fs_, wal_path, o, rec);
  }
  void append(std::uint64_t first, std::size_t n) {
    ASSERT_FALSE(log_->append(make_batch(first, n, 1)));
    ASSERT_FALSE(log_->sync());
  }
  void snapshot_and_compact(std::uint64_t index) {
    ASSERT_FALSE(write_snapshot(fs_, data, {index, 1, {}}, "state"));
    ASSERT_FALSE(log_->drop_prefix(index));
  }
  std::vector<std::string> segments() {
    std::vector<std::string> names;
    EXPECT_FALSE(fs_.list_dir(wal_path, names));
    std::erase_if(names, [](const std::string& n) { return !parse_segment_file_name(n); });
    return names;
  }
  // The check's verdict; asserts it wrote nothing.
  data_dir_report check() {
    log_.reset();
    const std::uint64_t ops = fs_.mutating_ops();
    data_dir_report r = check_data_dir(fs_, data);
    EXPECT_EQ(fs_.mutating_ops(), ops) << "the check must never write";
    return r;
  }
  void cut_last_segment_after_its_first_entry();
  static bool mentions(const data_dir_report& r, const std::string& what) {
    for (const auto& d : r.damage) {
      if (d.find(what) != std::string::npos) return true;
    }
    return false;
  }

  memory_file_system fs_;
  std::unique_ptr<wal> log_;
};

TEST_F(data_dir_check_test, AnIntactDirectoryIsHealthy) {
  const auto r = check();
  EXPECT_TRUE(r.healthy()) << r.damage.front();
  EXPECT_EQ(r.log.last_index, 30u);
  ASSERT_TRUE(r.log.manifest);
  EXPECT_GT(r.log.manifest->last_segment, 1u);
}

TEST_F(data_dir_check_test, AnEmptyOrMissingDirectoryIsHealthy) {
  memory_file_system empty;
  EXPECT_TRUE(check_data_dir(empty, "/nothing").healthy());
  ASSERT_FALSE(empty.create_dirs("/new"));
  EXPECT_TRUE(check_data_dir(empty, "/new").healthy());
}

TEST_F(data_dir_check_test, ADeletedLastSegmentIsDamage) {
  const auto names = segments();
  ASSERT_GT(names.size(), 1u);
  ASSERT_FALSE(fs_.remove(std::string(wal_path) + "/" + names.back()));
  const auto r = check();
  EXPECT_FALSE(r.healthy());
  EXPECT_TRUE(mentions(r, names.back() + " is missing")) << r.damage.front();
}

TEST_F(data_dir_check_test, ADeletedMiddleSegmentIsDamage) {
  const auto names = segments();
  ASSERT_GT(names.size(), 2u);
  ASSERT_FALSE(fs_.remove(std::string(wal_path) + "/" + names[1]));
  EXPECT_TRUE(mentions(check(), "a segment is missing"));
}

TEST_F(data_dir_check_test, ADeletedFirstSegmentIsAGapBeforeTheLog) {
  const auto names = segments();
  ASSERT_FALSE(fs_.remove(std::string(wal_path) + "/" + names.front()));
  EXPECT_TRUE(mentions(check(), "there is no snapshot"));
}

TEST_F(data_dir_check_test, AnEmptiedLogIsDamage) {
  for (const auto& n : segments()) ASSERT_FALSE(fs_.remove(std::string(wal_path) + "/" + n));
  EXPECT_TRUE(mentions(check(), "has no segment at all"));
}

TEST_F(data_dir_check_test, AMemberWithNeitherLogNorManifestNorSnapshotIsDamage) {
  for (const auto& n : segments()) ASSERT_FALSE(fs_.remove(std::string(wal_path) + "/" + n));
  ASSERT_FALSE(fs_.remove(std::string(data) + "/" + wal_manifest_file_name));
  EXPECT_TRUE(mentions(check(), "the log is missing: this node belongs to cluster cluster-uuid"));
}

TEST_F(data_dir_check_test, ALogCutBelowTheDurableIndexIsDamageAfterARestart) {
  open_log(1, 0);  // a restart records durable_index = 30
  cut_last_segment_after_its_first_entry();
  const auto r = check();
  EXPECT_TRUE(mentions(r, "as durable")) << (r.damage.empty() ? "healthy" : r.damage.front());
}

TEST_F(data_dir_check_test, ALogCutBelowTheDurableIndexIsDamageAfterACleanStop) {
  ASSERT_FALSE(log_->checkpoint());  // what the log writer does when the server stops
  ASSERT_EQ(load_wal_manifest(fs_, data)->durable_index, 30u);
  cut_last_segment_after_its_first_entry();
  const auto r = check();
  EXPECT_TRUE(mentions(r, "as durable")) << (r.damage.empty() ? "healthy" : r.damage.front());
}

void data_dir_check_test::cut_last_segment_after_its_first_entry() {
  log_.reset();
  const auto names = segments();
  const std::string last = std::string(wal_path) + "/" + names.back();
  std::string bytes;
  ASSERT_FALSE(fs_.read_file(last, bytes));
  const auto header = read_wal_record(bytes, 0);
  ASSERT_FALSE(fs_.truncate_raw(last, read_wal_record(bytes, header.next_offset).next_offset));
}

TEST_F(data_dir_check_test, ADeletedSnapshotIsDamage) {
  snapshot_and_compact(25);
  ASSERT_TRUE(check().healthy());
  ASSERT_FALSE(fs_.remove(std::string(data) + "/" + snapshot_file_name(25)));
  const auto r = check();
  EXPECT_TRUE(mentions(r, snapshot_file_name(25) + " is missing"));
  EXPECT_TRUE(mentions(r, "there is no snapshot"));  // and the log no longer starts at 1
}

TEST_F(data_dir_check_test, ADeletedSnapshotIsDamageEvenWhenTheLogStillStartsAtOne) {
  ASSERT_FALSE(write_snapshot(fs_, data, {3, 1, {}}, "state"));
  ASSERT_FALSE(log_->drop_prefix(3));  // segment 1 holds more than 3: nothing is removed
  ASSERT_FALSE(fs_.remove(std::string(data) + "/" + snapshot_file_name(3)));
  EXPECT_TRUE(mentions(check(), snapshot_file_name(3) + " is missing"));
}

TEST_F(data_dir_check_test, ATornTailIsHealthyAndOnlyReported) {
  ASSERT_FALSE(log_->append(make_batch(31, 1, 1)));  // never synced
  log_.reset();
  fs_.crash(3);
  const auto names = segments();
  const std::string last = std::string(wal_path) + "/" + names.back();
  std::string bytes;
  ASSERT_FALSE(fs_.read_file(last, bytes));
  ASSERT_FALSE(fs_.truncate_raw(last, bytes.size() + 7));  // a zero-filled torn write
  const auto r = check();
  EXPECT_TRUE(r.healthy());
  EXPECT_EQ(r.log.truncated_bytes, 7u);
  std::string after;
  ASSERT_FALSE(fs_.read_file(last, after));
  EXPECT_EQ(after.size(), bytes.size() + 7) << "the check must not cut the tail";
}

TEST_F(data_dir_check_test, ACrashDuringAResetAfterASnapshotInstallIsHealthy) {
  ASSERT_FALSE(write_snapshot(fs_, data, {100, 4, {}}, "state"));
  fs_.fail_after(8);  // the reset dies part-way: some segments removed, no new one yet
  EXPECT_TRUE(log_->reset(101, 4));
  log_.reset();
  fs_.crash(1);
  const auto r = check();
  EXPECT_TRUE(r.healthy()) << r.damage.front();
}

TEST_F(data_dir_check_test, ADamagedManifestIsDamage) {
  ASSERT_FALSE(fs_.flip_bit(std::string(data) + "/" + wal_manifest_file_name, 20, 1));
  EXPECT_TRUE(mentions(check(), wal_manifest_file_name));
}

}  // namespace
}  // namespace vote::storage
