// The pure bounds of the TCP edge: the first-frame limit, the two pools' slots and bytes under
// one global cap, and a read buffer that grows as bytes arrive and shrinks after a large frame.
#include "vote/net/edge.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace vote::net {
namespace {

using wire::frame_type;

edge_limits small_limits() {
  edge_limits l;
  l.max_client_connections = 2;
  l.max_peer_connections = 1;
  l.max_client_buffer_bytes = 100;
  l.max_peer_buffer_bytes = 200;
  l.max_buffered_bytes = 250;
  return l;
}

TEST(EdgeLimitsTest, AnUnprovenConnectionMayAnnounceOnlyASmallPeerFrame) {
  const edge_limits l;
  EXPECT_EQ(payload_limit(l, connection_kind::undecided, frame_type::peer), 64u << 10);
  EXPECT_EQ(payload_limit(l, connection_kind::peer, frame_type::peer), 64u << 20);
  EXPECT_EQ(payload_limit(l, connection_kind::undecided, frame_type::json), 1u << 20);
  EXPECT_EQ(payload_limit(l, connection_kind::client, frame_type::json), 1u << 20);
  // A connection never proven a peer (a client) keeps the small bound too.
  EXPECT_EQ(payload_limit(l, connection_kind::client, frame_type::peer), 64u << 10);
}

TEST(EdgeLimitsTest, UndecidedConnectionsLiveInTheClientPool) {
  EXPECT_EQ(pool_of(connection_kind::undecided), edge_pool::client);
  EXPECT_EQ(pool_of(connection_kind::client), edge_pool::client);
  EXPECT_EQ(pool_of(connection_kind::peer), edge_pool::peer);
}

TEST(EdgeLedgerTest, EachPoolHasItsOwnConnectionCap) {
  edge_ledger ledger(small_limits());
  ledger.open(edge_pool::client);
  ledger.open(edge_pool::client);
  EXPECT_FALSE(ledger.has_slot(edge_pool::client));
  EXPECT_TRUE(ledger.has_slot(edge_pool::peer)) << "a full client pool must not keep peers out";
  ledger.open(edge_pool::peer);
  EXPECT_FALSE(ledger.has_slot(edge_pool::peer));
  ledger.close(edge_pool::client);
  EXPECT_TRUE(ledger.has_slot(edge_pool::client));
  EXPECT_EQ(ledger.connections(edge_pool::client), 1u);
  EXPECT_EQ(ledger.connections(edge_pool::peer), 1u);
}

TEST(EdgeLedgerTest, ChargesStayUnderThePoolCapsAndTheGlobalCap) {
  edge_ledger ledger(small_limits());
  std::size_t a = 0, b = 0, p = 0;
  EXPECT_TRUE(ledger.recharge(edge_pool::client, a, 60));
  EXPECT_FALSE(ledger.recharge(edge_pool::client, b, 41)) << "over the client pool's 100";
  EXPECT_EQ(b, 0u);
  EXPECT_TRUE(ledger.recharge(edge_pool::client, b, 40));
  EXPECT_EQ(ledger.bytes(edge_pool::client), 100u);
  // The peer pool still has its own room: clients cannot starve it.
  EXPECT_TRUE(ledger.recharge(edge_pool::peer, p, 150));
  EXPECT_FALSE(ledger.recharge(edge_pool::peer, p, 151)) << "over the global 250";
  EXPECT_EQ(p, 150u);
  EXPECT_EQ(ledger.bytes(), 250u);
}

TEST(EdgeLedgerTest, ShrinkingAChargeAlwaysSucceedsAndFreesItsBytes) {
  edge_ledger ledger(small_limits());
  std::size_t a = 0;
  ASSERT_TRUE(ledger.recharge(edge_pool::client, a, 100));
  EXPECT_TRUE(ledger.recharge(edge_pool::client, a, 10));
  EXPECT_EQ(ledger.bytes(edge_pool::client), 10u);
  EXPECT_TRUE(ledger.recharge(edge_pool::client, a, 0));
  EXPECT_EQ(ledger.bytes(), 0u);
  EXPECT_EQ(a, 0u);
}

// Fills the buffer's free space with `n` bytes of `c` (as a read would), growing as a
// connection does for a frame of `total` bytes.
void receive(frame_buffer& b, std::size_t n, std::size_t total, char c = 'x') {
  while (n > 0) {
    char* at = b.space(b.capacity_for(total));
    const std::size_t k = std::min(n, b.space_size());
    std::memset(at, c, k);
    b.commit(k);
    n -= k;
  }
}

TEST(FrameBufferTest, ItStartsAtTheBaseCapacityAndGrowsOnlyAsBytesArrive) {
  frame_buffer b;
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_EQ(b.capacity_for(0), frame_buffer::base_capacity);
  const std::size_t announced = 64u << 20;  // a header announcing 64 MiB ...
  receive(b, 12, announced);
  EXPECT_EQ(b.capacity(), frame_buffer::base_capacity);  // ... costs nothing before its bytes
  receive(b, frame_buffer::base_capacity, announced);
  EXPECT_EQ(b.capacity(), 2 * frame_buffer::base_capacity);  // doubles, no more
  EXPECT_EQ(b.size(), frame_buffer::base_capacity + 12);
}

TEST(FrameBufferTest, GrowthStopsAtTheSizeOfTheFrameInProgress) {
  frame_buffer b;
  const std::size_t total = 3 * frame_buffer::base_capacity + 5;
  receive(b, total, total);
  EXPECT_EQ(b.size(), total);
  EXPECT_EQ(b.capacity(), total);
}

TEST(FrameBufferTest, ItShrinksBackToTheBaseCapacityOnceALargeFrameIsConsumed) {
  frame_buffer b;
  const std::size_t total = 1u << 20;
  receive(b, total, total, 'a');
  receive(b, 0, 0);
  ASSERT_GE(b.capacity(), total);
  b.consume(total - 3);  // three bytes of the next frame remain
  EXPECT_EQ(b.capacity(), frame_buffer::base_capacity);
  EXPECT_EQ(b.data(), "aaa");
}

TEST(FrameBufferTest, ConsumedBytesAreReclaimedBeforeTheBufferGrows) {
  frame_buffer b;
  receive(b, frame_buffer::base_capacity, 0, 'a');  // full of small frames
  b.consume(frame_buffer::base_capacity - 4);
  EXPECT_EQ(b.capacity_for(100), frame_buffer::base_capacity);
  receive(b, 96, 100, 'b');
  EXPECT_EQ(b.capacity(), frame_buffer::base_capacity);
  EXPECT_EQ(b.data(), std::string(4, 'a') + std::string(96, 'b'));
}

TEST(FrameBufferTest, ReleaseFreesEverything) {
  frame_buffer b;
  receive(b, 100, 0);
  b.release();
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_EQ(b.size(), 0u);
}

}  // namespace
}  // namespace vote::net
