// wal crash safety: a crash at every write point loses nothing acknowledged, and damage a crash
// cannot explain is reported as corruption instead of being silently cut off.
#include <gtest/gtest.h>

#include <algorithm>

#include "storage_test_support.hpp"
#include "vote/storage/wal.hpp"
#include "vote/storage/wal_record.hpp"

namespace vote::storage {
namespace {

using test::make_batch;
using test::make_entry;

constexpr const char* wal_dir = "/data/wal";
const wal_options small_segments{512, 1, 0, {}};
constexpr int workload_steps = 60;

// What a workload run did, as far as a crash is concerned.
struct run_record {
  std::vector<log_entry> model;                    // the logical log from index 1 (drops aside)
  std::vector<std::vector<log_entry>> candidates;  // logs that may be on disk after a crash
  std::vector<log_entry> acked;                    // the log at the last durability point
  std::uint64_t dropped_up_to = 0;                 // entries <= this may be compacted away
  std::uint64_t truncating_from = UINT64_MAX;      // a truncate_suffix that failed since acked
  int truncates = 0;
  int drops = 0;
  std::size_t max_segments = 0;
};

// A seeded workload: random batches appended and (mostly) synced, an occasional truncate_suffix
// (followed by a new epoch, as after a leader change) and drop_prefix. It stops at the first
// failed operation: with fail_after(k) that is the process dying at write point k.
class workload {
 public:
  explicit workload(std::uint64_t seed) : rng_(seed) { r_.candidates.push_back({}); }

  run_record run(memory_file_system& fs) {
    std::unique_ptr<wal> log;
    try {
      wal_recovery ignored;
      log = wal::open(fs, wal_dir, small_segments, ignored);
    } catch (const std::system_error&) {
      return r_;
    }
    for (int i = 0; i < workload_steps && step(*log); ++i) {
      r_.max_segments = std::max(r_.max_segments, log->segment_count());
    }
    return r_;
  }

 private:
  bool step(wal& log) {
    const auto dice = rng_() % 10;
    if (dice < 6) return append(log);
    if (dice < 8 && log.last_index() >= log.first_index()) return truncate(log);
    if (dice < 9) return drop(log);
    return sync(log);
  }

  bool append(wal& log) {
    const auto batch = make_batch(r_.model.size() + 1, 1 + rng_() % 8, epoch_, rng_);
    std::vector<log_entry> next = r_.model;
    next.insert(next.end(), batch.begin(), batch.end());
    r_.candidates.push_back(next);  // part of it may reach the disk even if the append fails
    if (log.append(batch)) return false;
    r_.model = std::move(next);
    if (rng_() % 4 == 0) return true;  // left unsynced for now
    return sync(log);
  }

  bool sync(wal& log) {
    if (log.sync()) return false;
    acknowledge();
    return true;
  }

  bool truncate(wal& log) {
    const std::uint64_t last = log.last_index();
    const std::uint64_t lo = std::max<std::uint64_t>(log.first_index(), last > 12 ? last - 12 : 1);
    const std::uint64_t from = lo + rng_() % (last - lo + 1);
    ++r_.truncates;
    r_.truncating_from = std::min(r_.truncating_from, from);
    r_.candidates.emplace_back(r_.model.begin(), r_.model.begin() + (from - 1));
    if (log.truncate_suffix(from)) return false;
    r_.model.resize(from - 1);
    ++epoch_;
    acknowledge();  // truncate_suffix returns with the whole log durable
    return true;
  }

  bool drop(wal& log) {
    const std::uint64_t last = log.last_index();
    const std::uint64_t up_to = rng_() % 3 == 0 ? last : rng_() % (last + 1);
    ++r_.drops;
    r_.dropped_up_to = std::max(r_.dropped_up_to, up_to);
    return !log.drop_prefix(up_to);
  }

  void acknowledge() {
    r_.acked = r_.model;
    r_.candidates = {r_.model};
    r_.truncating_from = UINT64_MAX;
  }

  std::mt19937_64 rng_;
  std::uint64_t epoch_ = 1;
  run_record r_;
};

// The recovered log is [first, last] of some log the run may have left on disk, with that log's
// epoch at `last`.
bool is_slice_of_a_candidate(const run_record& r, const std::vector<log_entry>& got,
                             std::uint64_t first, std::uint64_t last, std::uint64_t last_epoch) {
  return std::any_of(r.candidates.begin(), r.candidates.end(), [&](const auto& c) {
    if (c.size() < last) return false;
    if (!std::equal(got.begin(), got.end(), c.begin() + (first - 1))) return false;
    return last == 0 ? last_epoch == 0 : c[last - 1].epoch == last_epoch;
  });
}

std::unique_ptr<wal> reopen(memory_file_system& fs, wal_recovery& rec) {
  return wal::open(fs, wal_dir, small_segments, rec);
}

void check_recovery(memory_file_system& fs, const run_record& r, std::uint64_t seed) {
  fs.crash(seed);
  // The read-only check sees no damage (a crash is never "damaged") and writes nothing.
  const std::uint64_t ops = fs.mutating_ops();
  wal_layout layout;
  ASSERT_NO_THROW(layout = wal::inspect(fs, wal_dir, small_segments));
  ASSERT_EQ(fs.mutating_ops(), ops);
  wal_recovery rec;
  std::unique_ptr<wal> log;
  ASSERT_NO_THROW(log = reopen(fs, rec));
  ASSERT_EQ(layout.last_index, log->last_index());
  ASSERT_EQ(layout.truncated_bytes, rec.truncated_bytes);
  const std::uint64_t first = log->first_index();
  const std::uint64_t last = log->last_index();
  const std::uint64_t last_epoch = log->last_epoch();
  ASSERT_EQ(rec.entries.size(), last + 1 - first);
  ASSERT_TRUE(is_slice_of_a_candidate(r, rec.entries, first, last, last_epoch))
      << "recovered [" << first << ", " << last << "] is not what was appended";
  for (std::uint64_t i = r.dropped_up_to + 1; i <= r.acked.size() && i < r.truncating_from; ++i) {
    ASSERT_TRUE(i >= first && i <= last) << "acknowledged entry " << i << " was lost";
    ASSERT_EQ(rec.entries[i - first], r.acked[i - 1]);
  }
  // Recovery left nothing to redo: crashing again and reopening gives the same log.
  log.reset();
  fs.crash(seed + 1000);
  wal_recovery again;
  log = reopen(fs, again);
  ASSERT_EQ(again.entries, rec.entries);
  ASSERT_EQ(again.truncated_bytes, 0u);
  ASSERT_EQ(log->first_index(), first);
  ASSERT_EQ(log->last_index(), last);
  ASSERT_EQ(log->last_epoch(), last_epoch);
  // And the recovered log takes new entries durably.
  const log_entry next = make_entry(last + 1, log->last_epoch() + 1);
  ASSERT_FALSE(log->append({next}));
  ASSERT_FALSE(log->sync());
  log.reset();
  fs.crash(seed + 2000);
  wal_recovery third;
  log = reopen(fs, third);
  ASSERT_FALSE(third.entries.empty());
  ASSERT_EQ(third.entries.back(), next);
}

TEST(wal_crash, CrashAtEveryWritePointKeepsEveryAcknowledgedEntryAndRecoversAPrefix) {
  for (std::uint64_t workload_seed : {11u, 22u, 33u, 44u, 55u}) {
    memory_file_system reference;
    const run_record full = workload(workload_seed).run(reference);
    const std::uint64_t total = reference.mutating_ops();
    ASSERT_GT(full.truncates, 0);
    ASSERT_GT(full.drops, 0);
    ASSERT_GT(full.max_segments, 2u) << "segments must roll";
    for (std::uint64_t k = 0; k <= total; ++k) {
      for (std::uint64_t crash_seed = 0; crash_seed < 4; ++crash_seed) {
        SCOPED_TRACE("workload " + std::to_string(workload_seed) + ", fail_after " +
                     std::to_string(k) + " of " + std::to_string(total) + ", crash seed " +
                     std::to_string(crash_seed));
        memory_file_system fs;
        fs.fail_after(k);
        const run_record r = workload(workload_seed).run(fs);
        check_recovery(fs, r, crash_seed * 1'000'003 + k);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

TEST(wal_crash, ACrashAtEveryWritePointOfResetLeavesAPrefixOfTheOldLogOrTheNewStart) {
  // As the node does after installing a snapshot at index 99, epoch 7: reset the WAL to 100 and,
  // on restart, open it with the snapshot's position as the start of an empty directory.
  const wal_options after_snapshot{512, 100, 7, {}};
  auto prepare = [](memory_file_system& fs, std::vector<log_entry>& old) {
    wal_recovery rec;
    auto log = wal::open(fs, wal_dir, small_segments, rec);
    std::mt19937_64 rng(5);
    old = make_batch(1, 40, 2, rng);
    EXPECT_FALSE(log->append(old));
    EXPECT_FALSE(log->sync());
    return log;
  };
  std::vector<log_entry> old;
  memory_file_system probe;
  auto probe_log = prepare(probe, old);
  ASSERT_GT(probe_log->segment_count(), 2u);
  const std::uint64_t before = probe.mutating_ops();
  ASSERT_FALSE(probe_log->reset(100, 7));
  const std::uint64_t ops = probe.mutating_ops() - before;
  for (std::uint64_t k = 0; k <= ops; ++k) {
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      SCOPED_TRACE("fail_after " + std::to_string(k) + " crash seed " + std::to_string(seed));
      memory_file_system fs;
      auto log = prepare(fs, old);
      fs.fail_after(k);
      const bool acknowledged = !log->reset(100, 7);
      log.reset();
      fs.crash(seed);
      wal_recovery rec;
      log = wal::open(fs, wal_dir, after_snapshot, rec);
      const bool at_new_start = log->first_index() == 100 && log->last_index() == 99 &&
                                log->last_epoch() == 7 && rec.entries.empty();
      const bool old_prefix = log->first_index() == 1 &&
                              std::equal(rec.entries.begin(), rec.entries.end(), old.begin());
      EXPECT_TRUE(acknowledged ? at_new_start : at_new_start || old_prefix);
    }
  }
}

// Damage on a quiet disk (not a crash): a durable log, then one file edited.
class wal_damage_test : public test::wal_fixture {
 protected:
  static constexpr std::uint64_t entries = 22;  // four segments, the last holding three

  void SetUp() override {
    options_.segment_bytes = 300;
    log_ = open_wal();
    for (std::uint64_t i = 1; i <= entries; ++i) append_and_sync({make_entry(i, 1 + i / 8)});
    log_.reset();
    names_ = segment_names();
    ASSERT_EQ(names_.size(), 4u);
  }
  std::string path(std::size_t segment) const { return std::string(dir) + "/" + names_[segment]; }
  std::string bytes(std::size_t segment) {
    std::string out;
    EXPECT_FALSE(fs_.read_file(path(segment), out));
    return out;
  }
  std::size_t last() const { return names_.size() - 1; }
  // Offset of the last record of a segment (all records in it are whole).
  std::uint64_t last_record_offset(std::size_t segment) {
    const std::string data = bytes(segment);
    std::uint64_t offset = 0;
    for (;;) {
      const auto rec = read_wal_record(data, offset);
      if (rec.next_offset == data.size()) return offset;
      offset = rec.next_offset;
    }
  }
  void expect_corruption_at(std::size_t segment, std::uint64_t offset) {
    try {
      open_wal();
      ADD_FAILURE() << "no corruption_error";
    } catch (const corruption_error& e) {
      EXPECT_EQ(e.path(), path(segment));
      EXPECT_EQ(e.offset(), offset);
      const std::string what = e.what();
      EXPECT_NE(what.find(path(segment)), std::string::npos);
      EXPECT_NE(what.find("offset " + std::to_string(offset)), std::string::npos);
      EXPECT_NE(what.find("replica"), std::string::npos);
      EXPECT_NE(what.find("Do not delete"), std::string::npos);
    }
  }
  std::vector<log_entry> written_up_to(std::uint64_t index) const {
    return {written_.begin(), written_.begin() + static_cast<std::ptrdiff_t>(index)};
  }

  std::vector<std::string> names_;
};

TEST_F(wal_damage_test, BitFlipInTheMiddleOfANonLastSegmentIsCorruption) {
  const std::uint64_t offset = last_record_offset(0);  // a record in the middle of the log
  ASSERT_FALSE(fs_.flip_bit(path(0), offset + 12, 3));
  expect_corruption_at(0, offset);
}

TEST_F(wal_damage_test, BitFlipInTheLastRecordOfANonLastSegmentIsCorruptionNotATornTail) {
  const std::uint64_t offset = last_record_offset(1);
  ASSERT_FALSE(fs_.flip_bit(path(1), bytes(1).size() - 1, 0));
  expect_corruption_at(1, offset);
}

TEST_F(wal_damage_test, BitFlipInTheLastRecordIsCutAsATornTail) {
  const std::uint64_t offset = last_record_offset(last());
  const std::uint64_t size = bytes(last()).size();
  ASSERT_FALSE(fs_.flip_bit(path(last()), size - 2, 5));
  log_ = open_wal();
  EXPECT_EQ(recovery_.entries.back().index, entries - 1);
  EXPECT_EQ(recovery_.truncated_bytes, size - offset);
  EXPECT_EQ(bytes(last()).size(), offset);
  crash_and_reopen(3);
  EXPECT_EQ(recovery_.truncated_bytes, 0u);
  EXPECT_EQ(log_->last_index(), entries - 1);
}

TEST_F(wal_damage_test, TruncationAtEveryOffsetOfTheLastRecordRecoversThePrefix) {
  const std::string original = bytes(last());
  const std::uint64_t offset = last_record_offset(last());
  for (std::uint64_t cut = offset; cut < original.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    ASSERT_FALSE(fs_.truncate_raw(path(last()), 0));
    std::unique_ptr<writable_file> f;
    ASSERT_FALSE(fs_.open_appendable(path(last()), f));
    ASSERT_FALSE(f->append(original.substr(0, cut)));
    ASSERT_FALSE(f->sync());
    log_ = open_wal();
    EXPECT_EQ(recovery_.entries, written_up_to(entries - 1));
    EXPECT_EQ(recovery_.truncated_bytes, cut - offset);
    log_.reset();
  }
}

TEST_F(wal_damage_test, AZeroFilledTailIsCut) {
  const std::uint64_t size = bytes(last()).size();
  ASSERT_FALSE(fs_.truncate_raw(path(last()), size + 4096));
  log_ = open_wal();
  EXPECT_EQ(recovery_.entries, written_);
  EXPECT_EQ(recovery_.truncated_bytes, 4096u);
}

TEST_F(wal_damage_test, ARecordWhoseDataNeverReachedTheDiskBeforeZerosIsCut) {
  // The file grew (size metadata) but the end of the last record stayed zeros.
  const std::uint64_t size = bytes(last()).size();
  ASSERT_FALSE(fs_.truncate_raw(path(last()), size - 6));
  ASSERT_FALSE(fs_.truncate_raw(path(last()), size + 100));
  log_ = open_wal();
  EXPECT_EQ(recovery_.entries, written_up_to(entries - 1));
}

TEST_F(wal_damage_test, ADamagedRecordFollowedByAValidOneIsCorruptionNotSilentLoss) {
  const std::string data = bytes(last());
  const std::uint64_t first_entry = read_wal_record(data, 0).next_offset;
  ASSERT_NE(first_entry, last_record_offset(last()));
  ASSERT_FALSE(fs_.flip_bit(path(last()), first_entry + 20, 1));
  expect_corruption_at(last(), first_entry);
}

TEST_F(wal_damage_test, AMissingSegmentIsCorruption) {
  ASSERT_FALSE(fs_.remove(path(1)));
  expect_corruption_at(2, 0);
}

TEST_F(wal_damage_test, ADamagedHeaderOfANonLastSegmentIsCorruption) {
  ASSERT_FALSE(fs_.flip_bit(path(1), 14, 0));
  expect_corruption_at(1, 0);
}

TEST_F(wal_damage_test, AnEmptyLastSegmentFromACrashedRollIsRemoved) {
  const std::string extra = std::string(dir) + "/" + segment_file_name(entries + 1);
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_.open_appendable(extra, f));
  ASSERT_FALSE(f->append("\x25\x00\x00"));  // the first bytes of a header, then the crash
  log_ = open_wal();
  EXPECT_EQ(recovery_.entries, written_);
  EXPECT_EQ(recovery_.removed_files, (std::vector<std::string>{extra}));
  EXPECT_FALSE(fs_.exists(extra));
}

TEST_F(wal_damage_test, NonDenseIndexesAreCorruptionEvenWithValidChecksums) {
  std::string data;
  append_segment_header_record({entries + 1, 3}, data);
  append_entry_record(make_entry(entries + 1, 3), data);
  const std::uint64_t gap = data.size();
  append_entry_record(make_entry(entries + 3, 3), data);
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_.open_appendable(std::string(dir) + "/" + segment_file_name(entries + 1), f));
  ASSERT_FALSE(f->append(data));
  names_ = segment_names();
  expect_corruption_at(last(), gap);
}

}  // namespace
}  // namespace vote::storage
