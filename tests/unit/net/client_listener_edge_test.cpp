// The listener's edge rules against real loopback sockets (edge.hpp, client_listener.hpp "First
// frame"): unauthenticated bytes cost a connection its slot at once, pin no memory and never
// reach the peer handler; the client and peer pools cannot starve each other.
#include <gtest/gtest.h>

#include "unit/net/listener_fixture.hpp"
#include "vote/net/cluster_key.hpp"

namespace vote::net {
namespace {

using namespace vote::net::test;
using namespace std::chrono_literals;

class ListenerEdgeTest : public ClientListenerTest {
 protected:
  // A peer frame carrying `json`, sealed with `k` (or not at all).
  static std::string sealed_frame(const std::string& json, const cluster_key* k) {
    return frame(k ? k->seal(json, unix_now_ms()) : json, wire::frame_type::peer);
  }
  static std::string opening(const cluster_key* k) {
    return sealed_frame(encode_opening({.from = 3}), k);
  }
  static std::string leave(const std::string& name, const cluster_key* k) {
    return sealed_frame(encode_leave({.from = 1, .incarnation = 2, .cluster_uuid = name}), k);
  }
  listener_stats stats() {
    return on_io([this] { return listener_->stats(); });
  }
  // Polls `pred` until it holds, for at most 2 s.
  template <class Pred>
  static bool eventually(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(2ms);  // poll interval
    }
    return true;
  }
  // Waits until the listener has `open` connections.
  bool settles_to(std::size_t open) {
    return eventually([&] { return stats().open == open; });
  }

  const cluster_key key_{std::string(32, 'k')};
  const cluster_key other_key_{std::string(32, 'o')};
};

TEST_F(ListenerEdgeTest, AnUnprovenConnectionAnnouncingALargePeerFrameIsRefusedAtItsHeader) {
  start({}, true, &key_);
  auto s = connect(2s);
  asio::write(s, asio::buffer(header(wire::frame_type::peer, (64u << 10) + 1)));
  EXPECT_EQ(read_response(s).code, errc::too_large);
  EXPECT_TRUE(closed_by_server(s));
  ASSERT_TRUE(settles_to(0));
  EXPECT_EQ(stats().buffered_bytes, 0u);
  EXPECT_EQ(stats().frame_errors, 1u);
}

TEST_F(ListenerEdgeTest, AFirstPeerFrameUpTo64KiBIsStillTakenWhenItOpens) {
  start({}, true, &key_);
  auto s = connect(2s);
  const std::string name(60u << 10, 'n');
  asio::write(s, asio::buffer(leave(name, &key_)));
  ASSERT_EQ(peers_.wait_for(1, 2s), std::vector<std::string>{name});
  EXPECT_EQ(stats().peer_links, 1u);
}

TEST_F(ListenerEdgeTest, AForgedFirstPeerFrameClosesTheConnectionAtOnceAndIsCounted) {
  start({}, true, &key_);
  for (const auto& bytes : {leave("forged", &other_key_), leave("unsealed", nullptr),
                            frame("x", wire::frame_type::peer)}) {
    auto s = connect(2s);
    asio::write(s, asio::buffer(bytes));
    EXPECT_EQ(next_read(s), seen::closed);
  }
  ASSERT_TRUE(settles_to(0));
  EXPECT_EQ(stats().peer_frames_refused, 3u);
  EXPECT_EQ(stats().peer_links, 0u);
  EXPECT_EQ(stats().buffered_bytes, 0u);
  EXPECT_TRUE(peers_.wait_for(1, 0ms).empty());
}

TEST_F(ListenerEdgeTest, WithoutAKeyAnUndecodableFirstPeerFrameClosesTheConnection) {
  start({}, true);
  auto s = connect(2s);
  asio::write(s, asio::buffer(frame("x", wire::frame_type::peer)));
  EXPECT_EQ(next_read(s), seen::closed);
  EXPECT_EQ(stats().peer_frames_refused, 1u);
  EXPECT_TRUE(peers_.wait_for(1, 0ms).empty());
}

TEST_F(ListenerEdgeTest, AProvenLinkMaySendALargeFrameAndItsBufferShrinksAfterwards) {
  start({}, true, &key_);
  auto s = connect(2s);
  const std::string name(3u << 20, 'b');
  asio::write(s, asio::buffer(opening(&key_) + leave(name, &key_)));
  ASSERT_EQ(peers_.wait_for(1, 5s).size(), 1u);
  EXPECT_EQ(peers_.wait_for(1, 0ms).front(), name);
  EXPECT_EQ(stats().open_peers, 1u);
  EXPECT_LE(stats().buffered_bytes, frame_buffer::base_capacity);
}

TEST_F(ListenerEdgeTest, AForgedFrameOnAProvenLinkClosesIt) {
  start({}, true, &key_);
  auto s = connect(2s);
  asio::write(s, asio::buffer(opening(&key_) + leave("good", &key_) + leave("forged", &other_key_) +
                              leave("after", &key_)));
  EXPECT_EQ(next_read(s), seen::closed);
  EXPECT_EQ(peers_.wait_for(2, 200ms), std::vector<std::string>{"good"});
  EXPECT_EQ(stats().peer_frames_refused, 1u);
}

// The client pool is full of connections that never send a frame: the one quiet longest makes
// room for each new client, and for each new peer.
TEST_F(ListenerEdgeTest, SilentConnectionsAtTheCapAreEvictedForNewClientsAndPeers) {
  listener_options o;
  o.limits.max_client_connections = 8;
  start(o, true, &key_);
  std::vector<tcp::socket> silent;
  for (int i = 0; i < 8; ++i) silent.push_back(connect(2s));
  ASSERT_TRUE(settles_to(8));
  auto client = connect(2s);
  const std::string request = frame(R"({"type":"status"})");
  asio::write(client, asio::buffer(request));
  std::string in(request.size(), '\0');
  asio::read(client, asio::buffer(in));
  EXPECT_EQ(in, request);
  auto link = connect(2s);
  asio::write(link, asio::buffer(opening(&key_) + leave("peer", &key_)));
  EXPECT_EQ(peers_.wait_for(1, 2s), std::vector<std::string>{"peer"});
  EXPECT_EQ(stats().evicted, 2u);
  EXPECT_EQ(stats().refused_over_cap, 0u);
  EXPECT_EQ(next_read(silent.front()), seen::closed) << "the oldest silent one made room";
}

TEST_F(ListenerEdgeTest, PeerLinksHaveTheirOwnCapAndTheQuietestMakesRoom) {
  listener_options o;
  o.limits.max_peer_connections = 1;
  start(o, true, &key_);
  auto first = connect(2s);
  asio::write(first, asio::buffer(opening(&key_)));
  ASSERT_TRUE(eventually([&] { return stats().open_peers == 1; }));
  auto second = connect(2s);
  asio::write(second, asio::buffer(opening(&key_) + leave("second", &key_)));
  EXPECT_EQ(peers_.wait_for(1, 2s), std::vector<std::string>{"second"});
  EXPECT_EQ(next_read(first), seen::closed);
  EXPECT_EQ(stats().open_peers, 1u);
  EXPECT_EQ(stats().evicted, 1u);
}

TEST_F(ListenerEdgeTest, AFrameThatDoesNotFitTheBufferedBytesCapIsRefused) {
  listener_options o;
  o.limits.max_client_buffer_bytes = 40u << 10;
  start(o, true);
  auto s = connect(2s);
  asio::write(s, asio::buffer(header(wire::frame_type::json, 64u << 10)));
  EXPECT_EQ(read_response(s).code, errc::unavailable);
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_EQ(stats().over_budget, 1u);
}

TEST(EdgeReport, NamesWhatWasRefusedSinceTheLastReportAndIsSilentWhenNothingWas) {
  listener_stats before;
  before.accepted = 10;
  before.peer_frames_refused = 5;
  listener_stats now = before;
  now.accepted = 20;  // accepting is not news
  EXPECT_FALSE(edge_report(now, before));
  now.peer_frames_refused = 42;
  now.refused_over_cap = 3;
  now.open = 7;
  now.open_peers = 2;
  now.buffered_bytes = 100;
  const auto line = edge_report(now, before);
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("37 peer frames that did not open"), std::string::npos) << *line;
  EXPECT_NE(line->find("3 connections refused for lack of room"), std::string::npos) << *line;
  EXPECT_EQ(line->find("bad frames"), std::string::npos) << *line;
  EXPECT_NE(line->find("open connections 7 (2 peer links), 100 bytes buffered"), std::string::npos)
      << *line;
}

}  // namespace
}  // namespace vote::net
