// A crash at every write point of what a server does to its data directory (identity, WAL
// appends and rolls, truncations, snapshots with compaction, snapshot installs with reset) is
// never reported as damage, and keeps every acknowledged entry.
#include <gtest/gtest.h>

#include <algorithm>

#include "storage_test_support.hpp"
#include "vote/storage/data_dir_check.hpp"
#include "vote/storage/snapshot.hpp"

namespace vote::storage {
namespace {

constexpr const char* data = "/data";
constexpr const char* wal_path = "/data/wal";
constexpr int steps = 50;

wal_options options_after(std::uint64_t snapshot_index, std::uint64_t snapshot_epoch) {
  wal_options o;
  o.segment_bytes = 400;
  o.first_index = snapshot_index + 1;
  o.prev_epoch = snapshot_epoch;
  o.manifest_dir = data;
  return o;
}

// The server's writes in the server's order; stops at the first failure (the process dies).
class server_workload {
 public:
  explicit server_workload(std::uint64_t seed) : rng_(seed) {}

  // The highest index acknowledged (durable by the WAL's contract or covered by a snapshot).
  std::uint64_t acked() const { return acked_; }
  int compactions = 0, installs = 0, truncations = 0;

  void run(memory_file_system& fs) {
    // As vote-server: a new identity, the WAL opened, later the cluster UUID and a promise.
    if (fs.create_dirs(data) || save_identity(fs, data, {7, 1, ""})) return;
    std::unique_ptr<wal> log;
    try {
      wal_recovery rec;
      log = wal::open(fs, wal_path, options_after(0, 0), rec);
    } catch (const std::system_error&) {
      return;
    }
    if (save_identity(fs, data, {7, 1, "cluster"}) || save_promise(fs, data, {1, 7})) return;
    for (int i = 0; i < steps && step(fs, *log); ++i) {
    }
  }

 private:
  bool step(memory_file_system& fs, wal& log) {
    const auto dice = rng_() % 20;
    const std::uint64_t last = log.last_index();
    if (dice < 2 && last > snapshot_) {  // own snapshot, then compaction
      const std::uint64_t at = snapshot_ + 1 + rng_() % (last - snapshot_);
      if (write_snapshot(fs, data, {at, epoch_, {}}, "s")) return false;
      snapshot_ = at;
      ++compactions;
      return !log.drop_prefix(at);
    }
    if (dice < 3) {  // a snapshot from the leader, ahead of this log
      const std::uint64_t at = last + 1 + rng_() % 5;
      if (write_snapshot(fs, data, {at, ++epoch_, {}}, "s")) return false;
      snapshot_ = at;
      acked_ = std::max(acked_, at);
      ++installs;
      return !log.reset(at + 1, epoch_);
    }
    if (dice < 5 && last > std::max(snapshot_, log.first_index())) {  // uncommitted suffix
      const std::uint64_t lo = std::max(snapshot_ + 1, log.first_index());
      const std::uint64_t from = lo + rng_() % (last - lo + 1);
      acked_ = std::min(acked_, from - 1);  // never committed: a crash may cut them anyway
      if (log.truncate_suffix(from)) return false;
      ++epoch_;
      ++truncations;
      return true;
    }
    if (log.append(test::make_batch(last + 1, 1 + rng_() % 6, epoch_, rng_)) || log.sync()) {
      return false;
    }
    acked_ = log.last_index();
    return true;
  }

  std::mt19937_64 rng_;
  std::uint64_t epoch_ = 1;
  std::uint64_t snapshot_ = 0;
  std::uint64_t acked_ = 0;
};

// After a crash: healthy, and a server-like open keeps everything acknowledged.
void check_after_crash(memory_file_system& fs, const server_workload& w, std::uint64_t seed) {
  fs.crash(seed);
  const data_dir_report r = check_data_dir(fs, data);
  ASSERT_TRUE(r.healthy()) << r.damage.front();
  const std::uint64_t snap = r.snapshot_index.value_or(0);
  std::uint64_t epoch = 0;
  if (auto s = load_latest_snapshot(fs, data)) epoch = s->meta.last_epoch;
  wal_recovery rec;
  std::unique_ptr<wal> log;
  ASSERT_NO_THROW(log = wal::open(fs, wal_path, options_after(snap, epoch), rec));
  ASSERT_GE(std::max(snap, log->last_index()), w.acked()) << "an acknowledged entry was lost";
  log.reset();
  fs.crash(seed + 7);
  const data_dir_report again = check_data_dir(fs, data);
  ASSERT_TRUE(again.healthy()) << again.damage.front();
}

TEST(data_dir_crash, ACrashAtEveryWritePointIsNeverReportedAsDamage) {
  for (std::uint64_t workload_seed : {3u, 4u, 5u}) {
    memory_file_system reference;
    server_workload full(workload_seed);
    full.run(reference);
    ASSERT_GT(full.compactions, 0);
    ASSERT_GT(full.installs, 0);
    ASSERT_GT(full.truncations, 0);
    const std::uint64_t total = reference.mutating_ops();
    for (std::uint64_t k = 0; k <= total; ++k) {
      for (std::uint64_t crash_seed = 0; crash_seed < 3; ++crash_seed) {
        SCOPED_TRACE("workload " + std::to_string(workload_seed) + ", fail_after " +
                     std::to_string(k) + " of " + std::to_string(total) + ", crash seed " +
                     std::to_string(crash_seed));
        memory_file_system fs;
        fs.fail_after(k);
        server_workload w(workload_seed);
        w.run(fs);
        check_after_crash(fs, w, crash_seed * 1'000'003 + k);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

}  // namespace
}  // namespace vote::storage
