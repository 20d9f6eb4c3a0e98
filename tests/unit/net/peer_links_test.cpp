// Peer links against real loopback sockets: a real client_listener (or a socket that never reads)
// on the far side, everything on one io_context run by the test thread with deadlines.
#include "vote/net/peer_links.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vote/net/client_listener.hpp"
#include "vote/net/peer_message.hpp"

namespace vote::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::uint64_t peer = 7;

class no_requests : public request_handler {
 public:
  void on_request(std::string, const request_origin&, reply_fn reply) override { reply("{}"); }
};

// Records the messages handed over: leave requests, by their cluster_uuid (what wrap() carries).
class frame_recorder : public peer_message_handler {
 public:
  void on_peer_message(peer_message m, const request_origin& origin) override {
    const auto* leave = std::get_if<leave_request>(&m);
    frames.push_back(leave ? leave->cluster_uuid : "not a leave request");
    from_same_host = origin.same_host;
  }
  std::vector<std::string> frames;
  bool from_same_host = false;
};

std::string endpoint_of(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

// The listener hands over only peer messages that decode: `text` travels as a leave request's
// cluster_uuid (an empty text stays an empty payload).
std::string wrap(const std::string& text) {
  return text.empty() ? text : encode_leave({.from = 1, .incarnation = 2, .cluster_uuid = text});
}

// A payload that says which message it is: "m<i>:" padded to `size` bytes.
std::string message(int i, std::size_t size = 32) {
  std::string m = "m" + std::to_string(i) + ":";
  m.resize(std::max(size, m.size()), static_cast<char>('a' + i % 26));
  return m;
}

class PeerLinksTest : public ::testing::Test {
 protected:
  static peer_link_options fast() {
    peer_link_options o;
    o.connect_timeout = 500ms;
    o.backoff_initial = 5ms;
    o.backoff_max = 20ms;
    return o;
  }

  // With `opening`, every connection starts with an opening frame (as in vote-server).
  void make_links(peer_link_options o = fast(), bool opening = true) {
    peer_links::opening_fn open;
    if (opening) open = [] { return encode_opening({.from = 3}); };
    links_ = std::make_unique<peer_links>(
        io_, o, [this](std::uint64_t p) { downs_.push_back(p); }, open);
  }

  void send(std::uint64_t to, const std::string& endpoint, const std::string& text) {
    links_->send(to, endpoint, wrap(text));
  }

  // A peer server: a client_listener with a peer handler on 127.0.0.1:`port` (0: any).
  void listen(std::uint16_t port = 0, listener_options options = {}) {
    std::erase_if(held_, [&](const tcp::socket& s) { return s.local_endpoint().port() == port; });
    listener_ = std::make_unique<client_listener>(io_, tcp::endpoint{loopback(), port}, requests_,
                                                  options, &received_);
    listener_->start();
    port_ = listener_->local_endpoint().port();
  }

  // The listener's port stays held (see hold) until listen(port) takes it again.
  void close_listener() {
    listener_->stop();
    listener_.reset();
    hold(port_);
  }

  // A port nobody listens on, held.
  std::uint16_t dead_port() { return hold(0); }

  // Holds `port` (0: any) for the test with a socket bound to it that never listens, so a connect
  // there is refused. A port that is simply free is free for anything else meanwhile: another
  // test's listener, or one of this process's connects taking it as its source port, which on
  // loopback connects the socket to itself (a link that opens, then breaks). The kernel picks no
  // bound port as a source port. SO_REUSEADDR lets it bind over a closed listener's connections.
  std::uint16_t hold(std::uint16_t port) {
    auto& s = held_.emplace_back(io_);
    s.open(tcp::v4());
    s.set_option(tcp::socket::reuse_address(true));
    s.bind({loopback(), port});
    return s.local_endpoint().port();
  }

  static asio::ip::address_v4 loopback() { return asio::ip::make_address_v4("127.0.0.1"); }
  std::string here() const { return endpoint_of(port_); }
  const peer_link_stats& stats() const { return links_->stats(); }

  // Runs the io_context until `done` or the deadline; false on the deadline.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = steady::now() + limit;
    while (!done()) {
      if (steady::now() >= deadline) return false;
      io_.run_one_for(10ms);
    }
    return true;
  }

  // Keeps sending `peer` a message until `done` (each loop sends once, then runs the io).
  bool send_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = steady::now() + limit;
    for (int i = 0; !done(); ++i) {
      if (steady::now() >= deadline) return false;
      send(peer, here(), message(i));
      io_.run_one_for(2ms);
    }
    return true;
  }

  // Runs every handler that is ready, e.g. the completions of closed sockets.
  void drain() {
    while (io_.poll() > 0) {
    }
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  no_requests requests_;
  frame_recorder received_;
  std::unique_ptr<client_listener> listener_;
  std::unique_ptr<peer_links> links_;
  std::uint16_t port_ = 0;
  std::vector<std::uint64_t> downs_;
  std::vector<tcp::socket> held_;  // the ports hold() holds
};

TEST_F(PeerLinksTest, FramesArriveInOrderAndIntact) {
  listen();
  make_links();
  std::vector<std::string> sent;
  for (int i = 0; i < 50; ++i) sent.push_back(message(i, i == 25 ? 300'000 : 1 + i * 97));
  for (const auto& m : sent) send(peer, here(), m);
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == sent.size(); }));
  EXPECT_EQ(received_.frames, sent);
  EXPECT_TRUE(received_.from_same_host);
  EXPECT_TRUE(run_until([&] { return stats().frames_sent == sent.size(); }));
  EXPECT_EQ(stats().connects, 1u);
  EXPECT_EQ(stats().frames_dropped, 0u);
  EXPECT_EQ(links_->queued_bytes(peer), 0u);
  EXPECT_TRUE(downs_.empty());
}

TEST_F(PeerLinksTest, ManyFramesSentWhileConnectedAreBatchedAndArriveInOrder) {
  listen();
  make_links();
  send(peer, here(), message(0));
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 1; }));
  for (int i = 1; i <= 5000; ++i) send(peer, here(), message(i));
  EXPECT_GT(links_->queued_bytes(peer), 0u);  // completions run on the io thread, not in send()
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 5001; }));
  for (int i = 0; i <= 5000; ++i) ASSERT_EQ(received_.frames[i], message(i)) << i;
  // The last write's completion may run after the listener read its bytes.
  EXPECT_TRUE(run_until([&] { return stats().frames_sent == 5001; }));
  EXPECT_EQ(links_->queued_bytes(peer), 0u);
}

TEST_F(PeerLinksTest, ReconnectsAfterTheListenerRestarts) {
  listen();
  make_links();
  send(peer, here(), "before");
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 1; }));
  const auto port = port_;
  close_listener();
  ASSERT_TRUE(run_until([&] { return !downs_.empty(); }));
  listen(port);
  received_.frames.clear();
  ASSERT_TRUE(send_until([&] { return !received_.frames.empty(); }));
  EXPECT_EQ(stats().connects, 2u);
  EXPECT_EQ(stats().links_lost, 1u);
  EXPECT_EQ(downs_, std::vector<std::uint64_t>{peer});
}

// DESIGN.md §5.1 fast path: the immediate reconnect is refused, so on_down is called, once.
TEST_F(PeerLinksTest, OnDownOnceWhenTheRemoteListenerCloses) {
  listen();
  make_links();
  send(peer, here(), "hello");
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 1; }));
  close_listener();
  ASSERT_TRUE(run_until([&] { return !downs_.empty(); }, 2s));
  EXPECT_EQ(stats().links_lost, 1u);
  EXPECT_EQ(stats().connect_failures, 1u);  // the immediate reconnect
  ASSERT_TRUE(send_until([&] { return stats().connect_failures >= 4; }));
  EXPECT_EQ(downs_, std::vector<std::uint64_t>{peer});
}

TEST_F(PeerLinksTest, OnDownOnceWhenNobodyListens) {
  port_ = dead_port();
  make_links();
  send(peer, here(), "hello");
  ASSERT_TRUE(run_until([&] { return !downs_.empty(); }, 2s));
  EXPECT_EQ(stats().connect_failures, 1u);
  ASSERT_TRUE(send_until([&] { return stats().connect_failures >= 4; }));
  EXPECT_EQ(downs_, std::vector<std::uint64_t>{peer});
  EXPECT_EQ(stats().connects, 0u);
  EXPECT_GT(stats().frames_dropped, 0u);
}

TEST_F(PeerLinksTest, MessagesAreDroppedAndCountedInBackoffAndTheBackoffDoubles) {
  port_ = dead_port();
  auto o = fast();
  o.backoff_initial = 100ms;
  o.backoff_max = 1000ms;
  make_links(o);
  send(peer, here(), "queued while connecting");
  ASSERT_TRUE(run_until([&] { return stats().connect_failures == 1; }));
  const auto first_failure = steady::now();
  EXPECT_EQ(stats().frames_dropped, 1u);  // the queue of a failed connect is dropped
  for (int i = 0; i < 10; ++i) send(peer, here(), message(i));
  EXPECT_EQ(stats().frames_dropped, 11u);
  EXPECT_EQ(links_->queued_bytes(peer), 0u);
  ASSERT_TRUE(send_until([&] { return stats().connect_failures == 2; }));
  const auto second_failure = steady::now();
  ASSERT_TRUE(send_until([&] { return stats().connect_failures == 3; }));
  EXPECT_GE(second_failure - first_failure, 100ms);
  EXPECT_GE(steady::now() - second_failure, 200ms);
  EXPECT_EQ(downs_.size(), 1u);
}

// The first connect to a listener whose accept queue is full is never answered.
TEST_F(PeerLinksTest, AConnectThatDoesNotCompleteInTimeFailsAndCallsOnDown) {
  tcp::acceptor full(io_);
  full.open(tcp::v4());
  full.bind({loopback(), 0});
  full.listen(0);  // room for one unaccepted connection
  tcp::socket filler(io_);
  filler.connect(full.local_endpoint());
  port_ = full.local_endpoint().port();
  auto o = fast();
  o.connect_timeout = 100ms;
  make_links(o);
  const auto began = steady::now();
  send(peer, here(), "hello");
  ASSERT_TRUE(run_until([&] { return !downs_.empty(); }, 3s));
  EXPECT_GE(steady::now() - began, 100ms);
  EXPECT_EQ(stats().connect_failures, 1u);
  EXPECT_EQ(stats().connects, 0u);
}

// A listener takes at most 64 KiB as a connection's first peer frame: the opening frame each
// connection starts with is what lets a large first message through.
TEST_F(PeerLinksTest, TheOpeningFrameLetsALargeFirstMessageThrough) {
  listen();
  make_links();
  const std::string big = message(1, 300'000);
  send(peer, here(), big);
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 1; }));
  EXPECT_EQ(received_.frames.front(), big);
  EXPECT_TRUE(run_until([&] { return stats().frames_sent == 1; }));  // the opening is not counted
}

TEST_F(PeerLinksTest, WithoutAnOpeningALargeFirstMessageIsRefusedByTheListener) {
  listen();
  make_links(fast(), /*opening=*/false);
  send(peer, here(), message(1, 300'000));
  ASSERT_TRUE(run_until([&] { return listener_->stats().frame_errors >= 1; }));
  EXPECT_TRUE(received_.frames.empty());
}

TEST_F(PeerLinksTest, KeepalivesHoldAQuietLinkOpenPastTheReceiversIdleDeadline) {
  listener_options lo;
  lo.peer_idle_timeout = 300ms;
  listen(0, lo);
  auto o = fast();
  o.keepalive_interval = 50ms;
  make_links(o);
  send(peer, here(), "hello");
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 1; }));
  EXPECT_FALSE(run_until([&] { return stats().links_lost > 0; }, 1s));  // three idle deadlines
  EXPECT_EQ(stats().connects, 1u);
  EXPECT_EQ(listener_->stats().timeouts, 0u);
  send(peer, here(), "still here");
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 2; }));
}

// Without keepalives the receiver closes a quiet link; the sender reconnects at once, so the
// peer is not reported down and the next message goes through.
TEST_F(PeerLinksTest, AQuietLinkClosedByTheReceiverIsReopenedWithoutADown) {
  listener_options lo;
  lo.peer_idle_timeout = 200ms;
  listen(0, lo);
  auto o = fast();
  o.keepalive_interval = 0ms;
  o.backoff_max = 100ms;
  make_links(o);
  send(peer, here(), "hello");
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 1; }));
  ASSERT_TRUE(run_until([&] { return stats().connects >= 2; }));
  EXPECT_GE(listener_->stats().timeouts, 1u);
  EXPECT_TRUE(downs_.empty());
  send(peer, here(), "after");
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 2; }));
}

// A peer that accepts but never reads: the queue stops at its bound, send() drops at once, and
// the io thread keeps serving everything else.
TEST_F(PeerLinksTest, AQueueToAPeerThatNeverReadsStaysBoundedAndNothingBlocks) {
  tcp::acceptor never_reads(io_, tcp::endpoint{loopback(), 0});  // and never accepts
  port_ = never_reads.local_endpoint().port();
  auto o = fast();
  o.max_queue_bytes = 1u << 20;
  o.write_timeout = 60s;
  make_links(o);
  const std::string big = wrap(std::string(64 * 1024, 'x'));  // encoded once
  const auto deadline = steady::now() + 10s;
  for (int i = 0; i < 20'000 && stats().frames_dropped == 0 && steady::now() < deadline; ++i) {
    links_->send(peer, here(), big);
    io_.poll();
  }
  ASSERT_GT(stats().frames_dropped, 0u) << "the kernel buffers never filled";
  EXPECT_LE(links_->queued_bytes(peer), o.max_queue_bytes);
  // Sending to the full queue drops at once (a send() that waited for room would hang here: the
  // peer never reads), and queues nothing more.
  const auto dropped = stats().frames_dropped;
  const auto queued = links_->queued_bytes(peer);
  for (int i = 0; i < 1000; ++i) links_->send(peer, here(), big);
  EXPECT_EQ(stats().frames_dropped, dropped + 1000);
  EXPECT_EQ(links_->queued_bytes(peer), queued);
  asio::steady_timer timer(io_);
  bool fired = false;
  timer.expires_after(20ms);
  timer.async_wait([&](boost::system::error_code) { fired = true; });
  EXPECT_TRUE(run_until([&] { return fired; }, 2s));
  EXPECT_TRUE(downs_.empty());
}

// A write that makes no progress for write_timeout breaks the link; the immediate reconnect
// succeeds (the listener's backlog takes it), so the peer is not reported down.
TEST_F(PeerLinksTest, AStuckWriteBreaksTheLinkAndTheImmediateReconnectIsNotADown) {
  tcp::acceptor never_reads(io_, tcp::endpoint{loopback(), 0});
  port_ = never_reads.local_endpoint().port();
  auto o = fast();
  o.write_timeout = 200ms;
  o.backoff_max = 10s;
  make_links(o);
  const std::string big(256 * 1024, 'x');
  const auto deadline = steady::now() + 10s;
  for (int i = 0; i < 2000 && stats().links_lost == 0 && steady::now() < deadline; ++i) {
    send(peer, here(), big);
    io_.run_one_for(1ms);
  }
  ASSERT_EQ(stats().links_lost, 1u);
  ASSERT_TRUE(run_until([&] { return stats().connects == 2; }));
  EXPECT_TRUE(downs_.empty());
}

// A remote that accepts and at once closes (here: a listener at its connection cap, which also
// writes an error, a protocol error on a one-way link) must not be reconnected to in a loop.
TEST_F(PeerLinksTest, AFlappingLinkBacksOffInsteadOfReconnectingInALoop) {
  listener_options full;
  full.limits.max_client_connections = 0;
  listener_ = std::make_unique<client_listener>(io_, tcp::endpoint{loopback(), 0}, requests_, full,
                                                &received_);
  listener_->start();
  port_ = listener_->local_endpoint().port();
  auto o = fast();
  o.backoff_initial = 50ms;
  o.backoff_max = 10s;
  make_links(o);
  send(peer, here(), "hello");
  ASSERT_TRUE(run_until([&] { return stats().connects == 2; }));
  const auto second_connect = steady::now();
  ASSERT_TRUE(send_until([&] { return stats().connects == 4; }));
  EXPECT_GE(steady::now() - second_connect, 150ms);  // backoffs of 50 ms, then 100 ms
  EXPECT_GE(stats().links_lost, 3u);
  EXPECT_GE(downs_.size(), 2u);  // each connect that then broke ended a separate outage
  EXPECT_TRUE(received_.frames.empty());
}

TEST_F(PeerLinksTest, AChangedEndpointClosesTheOldLink) {
  listen();
  auto& first = *listener_;
  frame_recorder second_received;
  client_listener second(io_, tcp::endpoint{loopback(), 0}, requests_, {}, &second_received);
  second.start();
  make_links();
  send(peer, here(), "to first");
  ASSERT_TRUE(run_until([&] { return received_.frames.size() == 1; }));
  ASSERT_EQ(first.stats().open, 1u);
  send(peer, endpoint_of(second.local_endpoint().port()), "to second");
  ASSERT_TRUE(run_until([&] { return second_received.frames.size() == 1; }));
  ASSERT_TRUE(run_until([&] { return first.stats().open == 0; }));
  EXPECT_EQ(second_received.frames.front(), "to second");
  EXPECT_EQ(received_.frames.size(), 1u);
  EXPECT_TRUE(downs_.empty());
  second.stop();
}

TEST_F(PeerLinksTest, ABadEndpointOrAnEmptyPayloadIsDroppedWithoutThrowing) {
  make_links();
  for (const char* bad : {"", "nonsense", "127.0.0.1", "127.0.0.1:0", "host.example:80"}) {
    send(peer, bad, "x");
  }
  send(peer + 1, endpoint_of(dead_port()), "");
  EXPECT_EQ(stats().frames_dropped, 6u);
  drain();
  EXPECT_EQ(stats().connect_failures, 0u);
  EXPECT_TRUE(downs_.empty());
}

// forget() and stop() with connects and writes in flight: no callback afterwards, and the late
// completions touch nothing freed (run under ASan).
TEST_F(PeerLinksTest, ForgetAndStopWithOperationsInFlightCallNothingAndFreeEverything) {
  tcp::acceptor never_reads(io_, tcp::endpoint{loopback(), 0});
  listen();
  make_links();
  const std::string refused = endpoint_of(dead_port());
  const std::string stuck = endpoint_of(never_reads.local_endpoint().port());
  const std::string big(256 * 1024, 'x');
  for (int i = 0; i < 100; ++i) {
    send(1, stuck, big);
    send(2, refused, "x");
    send(3, here(), message(i));
    io_.poll_one();
  }
  links_->forget(2);
  links_->forget(1);
  const auto downs_before = downs_.size();  // peer 2 may have been reported before
  EXPECT_EQ(links_->queued_bytes(1), 0u);
  drain();
  send(3, here(), "after forget");
  send(4, refused, "x");
  links_->stop();
  send(3, here(), "after stop");
  EXPECT_EQ(links_->queued_bytes(3), 0u);
  links_.reset();  // completions still pending reference the links, not peer_links
  drain();
  ASSERT_TRUE(run_until([&] { return listener_->stats().open == 0; }));
  EXPECT_EQ(downs_.size(), downs_before);
}

}  // namespace
}  // namespace vote::net
