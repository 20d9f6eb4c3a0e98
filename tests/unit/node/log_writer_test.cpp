// The log writer against an in-memory disk: the log keeps being written and synced while a
// snapshot is serialised (a serialisation starved by a busy CPU must not hold votes back), the
// snapshot is written and the log compacted once its bytes are ready, and a snapshot overtaken by
// a leader's installed one is not written over it.
#include "vote/node/log_writer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>

#include <condition_variable>
#include <mutex>

#include "unit/storage/storage_test_support.hpp"

namespace vote::node {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using storage::test::make_batch;

constexpr const char* data_dir = "/data";

consensus::snapshot_meta meta(std::uint64_t index) {
  consensus::configuration c;
  c.cluster_uuid = "uuid-1";
  c.voters.push_back({7, 1, "127.0.0.1:7001"});
  return {index, 1, c};
}

class LogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::wal_recovery rec;
    // One segment per entry: compaction visibly drops whole segments.
    auto wal = storage::wal::open(mem_, std::string(data_dir) + "/wal", {.segment_bytes = 1}, rec);
    writer_ = std::make_unique<log_writer>(io_, mem_, data_dir, storage::node_identity{7, 1, {}},
                                           std::move(wal), [this](const snapshot_job& job) {
                                             std::unique_lock lock(mutex_);
                                             serialising_ = true;
                                             changed_.notify_all();
                                             changed_.wait(lock, [this] { return released_; });
                                             return std::make_shared<const std::string>(
                                                 "state@" + std::to_string(job.meta.last_index));
                                           });
  }
  void TearDown() override {
    release();
    writer_->stop();
  }

  // Lets the held serialisation finish.
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  // Waits until the serialiser has started on a snapshot (and is held).
  bool serialising() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [this] { return serialising_; });
  }
  // Runs the node's side (completions) until `done()` or 10 s.
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_for(50ms);
    return done();
  }
  bool persist(std::vector<log_entry> entries) {
    bool done = false;
    consensus::persist_job job;
    job.entries = std::move(entries);
    writer_->persist(std::move(job), [&] { done = true; });
    return run_until([&] { return done; });
  }
  void snapshot(std::uint64_t index) {
    writer_->snapshot(snapshot_job{meta(index), std::make_shared<const election_state>()},
                      [this](std::shared_ptr<const std::string> bytes) { saved_ = bytes; });
  }
  // What a restart would find in the log: the writer stops, the disk loses what was not synced.
  std::vector<std::uint64_t> durable_indexes() {
    writer_->stop();
    mem_.crash(1);
    storage::wal_recovery rec;
    storage::wal::open(mem_, std::string(data_dir) + "/wal", {}, rec);
    std::vector<std::uint64_t> indexes;
    for (const auto& e : rec.entries) indexes.push_back(e.index);
    return indexes;
  }

  storage::memory_file_system mem_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<log_writer> writer_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool serialising_ = false;                  // guarded by mutex_
  bool released_ = false;                     // guarded by mutex_
  std::shared_ptr<const std::string> saved_;  // what the snapshot's completion handed back
};

TEST_F(LogWriterTest, TheLogIsWrittenWhileASnapshotIsSerialised) {
  ASSERT_TRUE(persist(make_batch(1, 2, 1)));
  snapshot(2);
  ASSERT_TRUE(serialising());
  // Held in serialisation, the snapshot holds back neither these writes nor their completions.
  ASSERT_TRUE(persist(make_batch(3, 2, 1)));
  EXPECT_FALSE(saved_);
  EXPECT_FALSE(storage::load_latest_snapshot(mem_, data_dir));

  release();
  ASSERT_TRUE(run_until([&] { return saved_ != nullptr; }));
  EXPECT_EQ(*saved_, "state@2");
  const auto snap = storage::load_latest_snapshot(mem_, data_dir);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->meta, meta(2));
  EXPECT_EQ(snap->state, "state@2");
  // The entries the snapshot covers are dropped; those written meanwhile are kept.
  EXPECT_EQ(durable_indexes(), (std::vector<std::uint64_t>{3, 4}));
}

TEST_F(LogWriterTest, ASnapshotOvertakenByAnInstalledOneIsNotWritten) {
  ASSERT_TRUE(persist(make_batch(1, 2, 1)));
  snapshot(2);
  ASSERT_TRUE(serialising());
  // A leader's snapshot up to 5 is installed while ours (up to 2) is still being serialised.
  bool installed = false;
  consensus::persist_job job;
  job.install_snapshot =
      consensus::snapshot_install{meta(5), std::make_shared<const std::string>("leader@5")};
  writer_->persist(std::move(job), [&] { installed = true; });
  ASSERT_TRUE(run_until([&] { return installed; }));
  ASSERT_TRUE(persist(make_batch(6, 1, 1)));

  release();
  ASSERT_TRUE(run_until([&] { return saved_ != nullptr; }));
  EXPECT_EQ(*saved_, "state@2");  // handed back all the same: the machine's snapshot is done
  const auto snap = storage::load_latest_snapshot(mem_, data_dir);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->meta, meta(5));
  EXPECT_EQ(snap->state, "leader@5");
  EXPECT_FALSE(mem_.exists(std::string(data_dir) + "/" + storage::snapshot_file_name(2)));
  EXPECT_EQ(durable_indexes(), (std::vector<std::uint64_t>{6}));
}

// The metrics (node_metrics.hpp) read these: each sync of the log is timed, each snapshot written
// is counted with its size.
TEST_F(LogWriterTest, SyncsAndSnapshotsAreMeasured) {
  ASSERT_TRUE(persist(make_batch(1, 2, 1)));
  ASSERT_TRUE(persist(make_batch(3, 1, 1)));
  EXPECT_EQ(writer_->measures().fsync_seconds.snapshot().count, 2u);
  EXPECT_EQ(writer_->measures().snapshots.load(), 0u);
  release();
  snapshot(2);
  ASSERT_TRUE(run_until([&] { return saved_ != nullptr; }));
  EXPECT_EQ(writer_->measures().snapshots.load(), 1u);
  EXPECT_EQ(writer_->measures().snapshot_bytes.load(), std::string("state@2").size());
  EXPECT_EQ(writer_->measures().snapshot_seconds.snapshot().count, 1u);
}

}  // namespace
}  // namespace vote::node
