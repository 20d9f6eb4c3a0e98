// Token buckets per source address (node/rate_limit.hpp): the web gateway's limits.
#include <gtest/gtest.h>

#include "vote/node/rate_limit.hpp"

namespace vote::node {
namespace {

using namespace std::chrono_literals;
using clock_type = address_buckets::clock;

TEST(AddressBuckets, ABurstIsAllowedThenTheRefillRate) {
  address_buckets b(2.0, 3.0, 100);  // 2 per second, 3 at once
  const auto t0 = clock_type::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.take("10.0.0.1", t0).count(), 0) << i;
  // Empty: the fourth waits for half a second's refill, and is not taken.
  EXPECT_EQ(b.take("10.0.0.1", t0), 500ms);
  EXPECT_EQ(b.wait("10.0.0.1", t0 + 250ms), 250ms);
  EXPECT_EQ(b.take("10.0.0.1", t0 + 500ms).count(), 0);
  // Another address has its own bucket.
  EXPECT_EQ(b.take("10.0.0.2", t0).count(), 0);
  // Refill stops at the burst.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.take("10.0.0.1", t0 + 1h).count(), 0) << i;
  EXPECT_GT(b.take("10.0.0.1", t0 + 1h).count(), 0);
}

TEST(AddressBuckets, WaitTakesNothing) {
  address_buckets b(1.0, 1.0, 10);
  const auto t0 = clock_type::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.wait("a", t0).count(), 0);
  EXPECT_EQ(b.take("a", t0).count(), 0);
  EXPECT_EQ(b.wait("a", t0), 1000ms);
}

TEST(AddressBuckets, TheLeastRecentlyUsedAddressGoesWhenFull) {
  address_buckets b(0.001, 1.0, 2);
  const auto t0 = clock_type::time_point{} + 1h;
  EXPECT_EQ(b.take("a", t0).count(), 0);
  EXPECT_EQ(b.take("b", t0).count(), 0);
  EXPECT_GT(b.take("a", t0).count(), 0);  // a is used again: b is now the oldest
  EXPECT_EQ(b.take("c", t0).count(), 0);  // b goes
  EXPECT_EQ(b.size(), 2u);
  EXPECT_GT(b.take("a", t0).count(), 0);  // a kept its empty bucket
  EXPECT_EQ(b.take("b", t0).count(), 0);  // b starts full again
}

TEST(AddressBuckets, ATokenGivenBackCanBeTakenAgainButNotBeyondTheBurst) {
  address_buckets b(0.001, 2.0, 10);
  const auto t0 = clock_type::time_point{} + 1h;
  EXPECT_EQ(b.take("a", t0).count(), 0);
  EXPECT_EQ(b.take("a", t0).count(), 0);
  EXPECT_GT(b.take("a", t0).count(), 0);
  b.give_back("a", t0);
  EXPECT_EQ(b.take("a", t0).count(), 0);
  b.give_back("a", t0);
  b.give_back("a", t0);
  b.give_back("a", t0);  // capped at the burst
  EXPECT_EQ(b.take("a", t0).count(), 0);
  EXPECT_EQ(b.take("a", t0).count(), 0);
  EXPECT_GT(b.take("a", t0).count(), 0);
  b.give_back("unknown", t0);  // not kept: nothing happens
  EXPECT_EQ(b.size(), 1u);
}

TEST(AddressBuckets, ACostAboveTheBurstIsNeverAllowed) {
  address_buckets b(1.0, 2.0, 10);
  EXPECT_EQ(b.take("a", clock_type::time_point{} + 1h, 3.0), std::chrono::milliseconds::max());
}

}  // namespace
}  // namespace vote::node
