// wal: appending, syncing, segments, truncation, compaction, and the record codec.
#include "vote/storage/wal.hpp"

#include <gtest/gtest.h>

#include "storage_test_support.hpp"
#include "vote/storage/wal_record.hpp"

namespace vote::storage {
namespace {

using test::make_batch;
using test::make_entry;

class wal_test : public test::wal_fixture {
 protected:
  void SetUp() override { log_ = open_wal(); }
};

TEST_F(wal_test, FreshLogIsEmptyAtIndexOne) {
  EXPECT_EQ(log_->first_index(), 1u);
  EXPECT_EQ(log_->last_index(), 0u);
  EXPECT_EQ(log_->last_epoch(), 0u);
  EXPECT_TRUE(recovery_.entries.empty());
  EXPECT_EQ(segment_names(), (std::vector<std::string>{"wal-00000000000000000001.log"}));
}

TEST_F(wal_test, SyncedEntriesComeBackAfterReopenInOrder) {
  append_and_sync(make_batch(1, 3, 1));
  append_and_sync(make_batch(4, 2, 2));
  reopen();
  EXPECT_EQ(recovery_.entries, written_);
  EXPECT_EQ(recovery_.truncated_bytes, 0u);
  EXPECT_EQ(log_->last_index(), 5u);
  EXPECT_EQ(log_->last_epoch(), 2u);
  EXPECT_EQ(log_->epoch_at(3), 1u);
  EXPECT_EQ(log_->epoch_at(0), 0u);
  EXPECT_FALSE(log_->epoch_at(6));
}

TEST_F(wal_test, AppendOfNonDenseEntriesIsAProgrammingError) {
  EXPECT_THROW(log_->append({make_entry(2, 1)}), std::logic_error);
  append_and_sync({make_entry(1, 1)});
  EXPECT_THROW(log_->append({make_entry(2, 1), make_entry(4, 1)}), std::logic_error);
}

TEST_F(wal_test, ABatchIsOneWriteAndASyncIsOneFdatasync) {
  const std::uint64_t before = fs_.mutating_ops();
  std::mt19937_64 rng(7);
  ASSERT_FALSE(log_->append(make_batch(1, 64, 1, rng, 40)));
  EXPECT_EQ(fs_.mutating_ops() - before, 1u);
  ASSERT_FALSE(log_->sync());
  EXPECT_EQ(fs_.mutating_ops() - before, 2u);
  ASSERT_FALSE(log_->sync());  // nothing new: no syscall at all
  EXPECT_EQ(fs_.mutating_ops() - before, 2u);
}

TEST_F(wal_test, UnsyncedEntriesMayBeLostButSyncedOnesNeverAre) {
  append_and_sync(make_batch(1, 2, 1));
  ASSERT_FALSE(log_->append(make_batch(3, 5, 1)));
  bool lost_some = false;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    crash_and_reopen(seed);
    ASSERT_GE(recovery_.entries.size(), 2u);
    lost_some = lost_some || recovery_.entries.size() < 7;
    if (log_->last_index() < 7) {
      const auto missing = make_batch(log_->last_index() + 1, 7 - log_->last_index(), 1);
      ASSERT_FALSE(log_->append(missing));  // put them back unsynced for the next seed
    }
  }
  EXPECT_TRUE(lost_some);
}

TEST_F(wal_test, SegmentsRollAtSegmentBytesAndAreNamedByFirstIndex) {
  options_.segment_bytes = 200;
  reopen();
  for (std::uint64_t i = 1; i <= 20; ++i) append_and_sync({make_entry(i, 1)});
  const auto names = segment_names();
  ASSERT_GT(names.size(), 3u);
  EXPECT_EQ(names.front(), "wal-00000000000000000001.log");
  std::uint64_t expected_first = 1;
  for (const auto& name : names) {
    std::string bytes;
    ASSERT_FALSE(fs_.read_file(std::string(dir) + "/" + name, bytes));
    EXPECT_LE(bytes.size(), 200u);
    EXPECT_EQ(parse_segment_file_name(name), expected_first);
    std::uint64_t offset = read_wal_record(bytes, 0).next_offset;  // skip the header
    for (; offset < bytes.size(); ++expected_first) {
      offset = read_wal_record(bytes, offset).next_offset;
    }
  }
  EXPECT_EQ(expected_first, 21u);
  reopen();
  EXPECT_EQ(recovery_.entries, written_);
  EXPECT_EQ(log_->segment_count(), names.size());
}

TEST_F(wal_test, ARecordLargerThanASegmentGetsASegmentOfItsOwn) {
  options_.segment_bytes = 100;
  reopen();
  append_and_sync({make_entry(1, 1, std::string(500, 'x')), make_entry(2, 1)});
  reopen();
  EXPECT_EQ(recovery_.entries, written_);
  EXPECT_EQ(log_->segment_count(), 2u);
}

TEST_F(wal_test, TruncateSuffixAcrossSegmentsIsDurableAndAppendingContinues) {
  options_.segment_bytes = 150;
  reopen();
  for (std::uint64_t i = 1; i <= 12; ++i) append_and_sync({make_entry(i, 1)});
  ASSERT_FALSE(log_->truncate_suffix(5));  // mid-segment; two later segments go too
  EXPECT_EQ(log_->last_index(), 4u);
  EXPECT_EQ(log_->last_epoch(), 1u);
  crash_and_reopen(5);
  written_.resize(4);
  EXPECT_EQ(recovery_.entries, written_);
  append_and_sync({make_entry(5, 2), make_entry(6, 2)});
  crash_and_reopen(6);
  EXPECT_EQ(recovery_.entries, written_);
  EXPECT_EQ(log_->last_epoch(), 2u);
}

TEST_F(wal_test, TruncateSuffixBeyondTheEndIsANoOpAndBelowTheStartIsAnError) {
  append_and_sync(make_batch(1, 3, 1));
  EXPECT_FALSE(log_->truncate_suffix(10));
  EXPECT_EQ(log_->last_index(), 3u);
  ASSERT_FALSE(log_->drop_prefix(3));
  EXPECT_THROW(log_->truncate_suffix(2), std::logic_error);
}

TEST_F(wal_test, TruncateSuffixOfEverythingKeepsTheStartIndex) {
  append_and_sync(make_batch(1, 3, 1));
  ASSERT_FALSE(log_->truncate_suffix(1));
  EXPECT_EQ(log_->last_index(), 0u);
  reopen();
  EXPECT_TRUE(recovery_.entries.empty());
  append_and_sync(make_batch(1, 1, 3));
  EXPECT_EQ(log_->last_epoch(), 3u);
}

TEST_F(wal_test, DropPrefixDeletesOnlySegmentsWhollyCovered) {
  options_.segment_bytes = 150;
  reopen();
  for (std::uint64_t i = 1; i <= 12; ++i) append_and_sync({make_entry(i, 1)});
  const std::size_t before = log_->segment_count();
  ASSERT_FALSE(log_->drop_prefix(5));
  EXPECT_LT(log_->segment_count(), before);
  EXPECT_LE(log_->first_index(), 6u);
  EXPECT_GT(log_->first_index(), 1u);
  crash_and_reopen(2);
  EXPECT_EQ(recovery_.entries.front().index, log_->first_index());
  EXPECT_EQ(recovery_.entries.back(), written_.back());
}

TEST_F(wal_test, DropPrefixOfEverythingContinuesAtTheNextIndexWithItsEpoch) {
  append_and_sync(make_batch(1, 5, 4));
  ASSERT_FALSE(log_->drop_prefix(5));
  EXPECT_EQ(log_->first_index(), 6u);
  EXPECT_EQ(log_->last_index(), 5u);
  crash_and_reopen(9);
  EXPECT_TRUE(recovery_.entries.empty());
  EXPECT_EQ(log_->first_index(), 6u);
  EXPECT_EQ(log_->last_epoch(), 4u);
  EXPECT_EQ(log_->epoch_at(5), 4u);
  EXPECT_EQ(segment_names(), (std::vector<std::string>{"wal-00000000000000000006.log"}));
  append_and_sync({make_entry(6, 5)});
  reopen();
  EXPECT_EQ(recovery_.entries, (std::vector<log_entry>{make_entry(6, 5)}));
}

TEST_F(wal_test, ResetDiscardsEverythingAndContinuesAtTheGivenIndex) {
  append_and_sync(make_batch(1, 5, 1));
  ASSERT_FALSE(log_->reset(100, 7));
  crash_and_reopen(4);
  EXPECT_TRUE(recovery_.entries.empty());
  EXPECT_EQ(log_->first_index(), 100u);
  EXPECT_EQ(log_->last_epoch(), 7u);
  EXPECT_THROW(log_->append({make_entry(6, 7)}), std::logic_error);
  append_and_sync({make_entry(100, 8)});
}

TEST_F(wal_test, AnEmptyDirectoryStartsAtTheConfiguredFirstIndex) {
  options_.first_index = 42;
  options_.prev_epoch = 3;
  log_.reset();
  memory_file_system other;
  wal_recovery rec;
  auto log = wal::open(other, "/w", options_, rec);
  EXPECT_EQ(log->first_index(), 42u);
  EXPECT_EQ(log->last_index(), 41u);
  EXPECT_EQ(log->last_epoch(), 3u);
}

TEST_F(wal_test, AfterAnIoErrorTheLogRefusesEveryLaterCall) {
  ASSERT_FALSE(log_->append(make_batch(1, 2, 1)));
  fs_.fail_after(0);
  EXPECT_EQ(log_->sync(), std::errc::io_error);
  fs_.clear_failure();
  EXPECT_EQ(log_->sync(), std::errc::io_error);
  EXPECT_EQ(log_->append(make_batch(3, 1, 1)), std::errc::io_error);
  EXPECT_EQ(log_->truncate_suffix(1), std::errc::io_error);
}

TEST_F(wal_test, OpenReportsAnIoErrorAsSystemError) {
  log_.reset();
  fs_.fail_after(0);
  EXPECT_THROW(open_wal(), std::system_error);
}

TEST(wal_record, RecordsRoundTripAndAreCheckedByCrc) {
  std::string bytes;
  append_segment_header_record({5, 2}, bytes);
  append_entry_record(make_entry(5, 2), bytes);
  const wal_record_view head = read_wal_record(bytes, 0);
  ASSERT_EQ(head.status, wal_read_status::ok);
  EXPECT_EQ(decode_segment_header(head.payload), (wal_segment_header{5, 2}));
  const wal_record_view rec = read_wal_record(bytes, head.next_offset);
  ASSERT_EQ(rec.status, wal_read_status::ok);
  EXPECT_EQ(rec.next_offset - head.next_offset, entry_record_size(make_entry(5, 2)));
  EXPECT_EQ(decode_log_entry(rec.payload), make_entry(5, 2));
  EXPECT_EQ(read_wal_record(bytes, rec.next_offset).status, wal_read_status::end);
  bytes[rec.next_offset - 1] ^= 1;
  EXPECT_EQ(read_wal_record(bytes, head.next_offset).status, wal_read_status::bad);
}

TEST(wal_record, TornTailRuleDistinguishesAnInterruptedWriteFromDamage) {
  std::string two;
  append_entry_record(make_entry(1, 1), two);
  const std::size_t second = two.size();
  append_entry_record(make_entry(2, 1), two);
  EXPECT_TRUE(is_torn_tail(two.substr(0, second + 3), second));      // header cut off
  EXPECT_TRUE(is_torn_tail(two.substr(0, two.size() - 1), second));  // extends past the end
  std::string flipped_last = two;
  flipped_last.back() ^= 1;
  EXPECT_TRUE(is_torn_tail(flipped_last, second));  // the final record
  EXPECT_TRUE(is_torn_tail(flipped_last + std::string(30, '\0'), second));
  EXPECT_TRUE(is_torn_tail(two + std::string(30, '\0'), two.size()));  // zero fill
  std::string flipped_first = two;
  flipped_first[second - 1] ^= 1;
  EXPECT_FALSE(is_torn_tail(flipped_first, 0));  // followed by more data
}

TEST(wal_record, SegmentFileNamesHaveTwentyDigits) {
  EXPECT_EQ(segment_file_name(1), "wal-00000000000000000001.log");
  EXPECT_EQ(parse_segment_file_name("wal-18446744073709551615.log"), UINT64_MAX);
  EXPECT_FALSE(parse_segment_file_name("wal-18446744073709551616.log"));
  EXPECT_FALSE(parse_segment_file_name("wal-0000000000000000001.log"));
  EXPECT_FALSE(parse_segment_file_name("wal-00000000000000000001.log.tmp"));
}

}  // namespace
}  // namespace vote::storage
