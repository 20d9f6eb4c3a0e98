// The voter table's copies share storage in chunks (voter_table_chunks.hpp) and stay independent:
// whatever one copy is told afterwards, the other keeps what it held, across chunk boundaries.
#include "core/voter_table.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vote::detail {
namespace {

// More voters than one chunk of every array holds (16,384 records, 64 KiB of ids).
constexpr std::uint32_t many = 40'000;

std::string voter(std::uint32_t i) {
  return "voter-" + std::to_string(i);
}
std::string nonce_for(std::uint32_t i) {
  std::string n = std::to_string(i);
  return std::string(32 - n.size(), 'a') + n;
}

class VoterTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::uint32_t i = 0; i < many; ++i) ASSERT_TRUE(table_.insert(voter(i)));
    for (std::uint32_t i = 0; i < many; i += 3) record(table_, i, 1);
  }
  static void record(voter_table& t, std::uint32_t i, std::int32_t candidate) {
    t.record(i, candidate, "req-" + std::to_string(i), nonce_for(i));
  }
  // Every voter 0..many-1 is found at its index, with a vote for 1 exactly when i % 3 == 0.
  static void expect_as_set_up(const voter_table& t) {
    ASSERT_EQ(t.size(), many);
    for (std::uint32_t i = 0; i < many; ++i) {
      ASSERT_EQ(t.find(voter(i)), std::optional<std::uint32_t>(i));
      ASSERT_EQ(t.voter(i), voter(i));
      if (i % 3 == 0) {
        ASSERT_EQ(t.choice(i), 1);
        ASSERT_EQ(t.request_id(i), "req-" + std::to_string(i));
        ASSERT_EQ(t.nonce(i), nonce_for(i));
      } else {
        ASSERT_EQ(t.choice(i), voter_table::no_vote);
        ASSERT_EQ(t.nonce(i), "");
      }
    }
  }
  voter_table table_;
};

TEST_F(VoterTableTest, ACopyKeepsItsVotersWhileTheOriginalGrowsAndRecords) {
  const voter_table copy = table_;
  for (std::uint32_t i = 1; i < many; i += 3) record(table_, i, 2);
  for (std::uint32_t i = many; i < 3 * many; ++i) ASSERT_TRUE(table_.insert(voter(i)));  // rehash
  expect_as_set_up(copy);
  EXPECT_FALSE(copy.find(voter(many)).has_value());
  EXPECT_EQ(table_.size(), 3 * many);
  EXPECT_EQ(table_.choice(1), 2);
  EXPECT_EQ(table_.find(voter(3 * many - 1)), std::optional<std::uint32_t>(3 * many - 1));
  EXPECT_FALSE(copy == table_);
}

TEST_F(VoterTableTest, TheOriginalKeepsItsVotersWhileACopyChanges) {
  voter_table copy = table_;
  for (std::uint32_t i = 2; i < many; i += 3) record(copy, i, 0);
  ASSERT_TRUE(copy.insert("newcomer"));
  expect_as_set_up(table_);
  EXPECT_EQ(copy.choice(2), 0);
  EXPECT_EQ(copy.request_id(2), "req-2");
  EXPECT_FALSE(table_.find("newcomer").has_value());
}

TEST_F(VoterTableTest, EqualTablesStayEqualAfterACopy) {
  const voter_table copy = table_;
  EXPECT_TRUE(copy == table_);
  expect_as_set_up(copy);
}

TEST(VoterTableIds, AnIdLongerThanAnArenaChunkIsKeptWhole) {
  voter_table t;
  const std::string huge(100'000, 'x');
  ASSERT_TRUE(t.insert("short"));
  ASSERT_TRUE(t.insert(huge));
  ASSERT_TRUE(t.insert("after"));
  EXPECT_EQ(t.voter(1), huge);
  EXPECT_EQ(t.find(huge), std::optional<std::uint32_t>(1));
  EXPECT_EQ(t.voter(2), "after");
  EXPECT_FALSE(t.insert(huge));
}

}  // namespace
}  // namespace vote::detail
