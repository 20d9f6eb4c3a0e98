// The discovery adapter on real loopback sockets: several responders share one discovery port on
// 127.255.255.255 the way several servers on one host do, exchange hellos, filter by cluster name
// and cluster key, and still answer who_is_leader.
#include "vote/net/discovery_responder.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/socket_base.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vote::net {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

const auto loopback = asio::ip::make_address_v4("127.0.0.1");
const auto broadcast = asio::ip::make_address_v4("127.255.255.255");

wire::hello hello_of(std::uint64_t id, const std::string& cluster) {
  wire::hello h;
  h.cluster = cluster;
  h.node_id = id;
  h.incarnation = id * 100;
  h.endpoint = "127.0.0.1:" + std::to_string(7000 + id);
  h.role = "follower";
  return h;
}

// One responder and what its sink heard.
struct peer {
  std::uint64_t id = 0;
  std::vector<wire::hello> heard;
  std::vector<udp::endpoint> senders;
  std::unique_ptr<discovery_responder> responder;

  bool hears(std::uint64_t other) const {
    return std::any_of(heard.begin(), heard.end(),
                       [&](const wire::hello& h) { return h.node_id == other; });
  }
  const discovery_stats& stats() const { return responder->stats(); }
};

class DiscoveryResponderTest : public ::testing::Test {
 protected:
  // Holds the port for the test: a reuse-port socket on the broadcast address whose port the
  // kernel chose, so the responders can join it and nobody else's traffic lands on it.
  DiscoveryResponderTest() : holder_(io_) {
    holder_.open(udp::v4());
    holder_.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    ::setsockopt(holder_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    holder_.bind(udp::endpoint(broadcast, 0));
    port_ = holder_.local_endpoint().port();
  }

  peer& start_peer(
      std::uint64_t id, const std::string& cluster = "lab", const cluster_key* key = nullptr,
      discovery_responder::leader_lookup lookup = [] { return std::nullopt; }) {
    auto p = std::make_unique<peer>();
    p->id = id;
    peer* raw = p.get();
    p->responder = std::make_unique<discovery_responder>(
        io_, loopback, broadcast, port_, discovery_options{cluster, 50ms, key}, std::move(lookup),
        [id, cluster] { return std::optional(hello_of(id, cluster)); },
        [raw](const wire::hello& h, const udp::endpoint& from) {
          raw->heard.push_back(h);
          raw->senders.push_back(from);
        });
    p->responder->start();
    peers_.push_back(std::move(p));
    return *raw;
  }

  // Runs the io_context until `done` holds; false after `limit`.
  bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = clock_type::now() + limit;
    while (!done()) {
      if (clock_type::now() >= deadline) return false;
      io_.restart();
      io_.run_for(10ms);
    }
    return true;
  }

  // Sends `bytes` to the discovery port from a socket of the test's own.
  void send_raw(const std::string& bytes) {
    udp::socket s(io_);
    s.open(udp::v4());
    s.set_option(asio::socket_base::broadcast(true));
    s.bind(udp::endpoint(loopback, 0));
    s.send_to(asio::buffer(bytes), udp::endpoint(broadcast, port_));
  }

  asio::io_context io_;
  udp::socket holder_;
  std::uint16_t port_ = 0;
  std::vector<std::unique_ptr<peer>> peers_;
};

TEST_F(DiscoveryResponderTest, HellosReachEveryServerSharingThePortOnOneHost) {
  peer& a = start_peer(1);
  peer& b = start_peer(2);
  peer& c = start_peer(3);
  ASSERT_TRUE(eventually([&] {
    return std::all_of(peers_.begin(), peers_.end(),
                       [](const auto& p) { return p->hears(1) && p->hears(2) && p->hears(3); });
  }));
  for (const peer* p : {&a, &b, &c}) {
    EXPECT_GE(p->stats().hellos_sent, 1u);
    EXPECT_EQ(p->stats().dropped, 0u);
    EXPECT_EQ(p->heard.front(), hello_of(p->heard.front().node_id, "lab"));
    for (const udp::endpoint& from : p->senders) EXPECT_EQ(from.address(), loopback);
  }
}

TEST_F(DiscoveryResponderTest, HellosRepeatEveryJitteredInterval) {
  peer& a = start_peer(1);
  const auto started = clock_type::now();
  ASSERT_TRUE(eventually([&] { return a.heard.size() >= 5; }));
  // One hello at start, then one every 50 ms * [0.8, 1.2]: four gaps take at least 160 ms.
  EXPECT_GE(clock_type::now() - started, 160ms);
}

TEST_F(DiscoveryResponderTest, OtherClusterNamesAreDroppedAndCounted) {
  peer& lab = start_peer(1, "lab");
  peer& other = start_peer(2, "other");
  ASSERT_TRUE(eventually([&] {
    return lab.stats().dropped >= 2 && other.stats().dropped >= 2 && lab.hears(1) && other.hears(2);
  }));
  EXPECT_FALSE(lab.hears(2));
  EXPECT_FALSE(other.hears(1));
}

TEST_F(DiscoveryResponderTest, KeyedServersAcceptEachOther) {
  const cluster_key key("a shared cluster secret");
  peer& a = start_peer(1, "lab", &key);
  peer& b = start_peer(2, "lab", &key);
  ASSERT_TRUE(eventually([&] { return a.hears(2) && b.hears(1); }));
  EXPECT_EQ(a.stats().forged + a.stats().stale + b.stats().forged + b.stats().stale, 0u);
}

TEST_F(DiscoveryResponderTest, KeyedServerDropsAKeylessSender) {
  const cluster_key key("a shared cluster secret");
  peer& keyed = start_peer(1, "lab", &key);
  peer& keyless = start_peer(2, "lab");
  ASSERT_TRUE(eventually([&] {
    return keyed.stats().forged >= 2 && keyless.stats().dropped >= 2 && keyed.hears(1) &&
           keyless.hears(2);
  }));
  EXPECT_FALSE(keyed.hears(2));
  EXPECT_FALSE(keyless.hears(1));  // a keyless server cannot check a seal, so it drops them too
}

TEST_F(DiscoveryResponderTest, WrongKeyIsForged) {
  const cluster_key ours("a shared cluster secret");
  const cluster_key theirs("another cluster secret");
  peer& a = start_peer(1, "lab", &ours);
  peer& b = start_peer(2, "lab", &theirs);
  ASSERT_TRUE(eventually([&] { return a.stats().forged >= 2 && b.stats().forged >= 2; }));
  EXPECT_FALSE(a.hears(2));
  EXPECT_FALSE(b.hears(1));
}

TEST_F(DiscoveryResponderTest, ReplayedStaleHelloIsDroppedAndCounted) {
  const cluster_key key("a shared cluster secret");
  peer& a = start_peer(1, "lab", &key);
  const std::string captured = wire::encode_datagram(hello_of(7, "lab"));
  send_raw(key.seal(captured, unix_now_ms() - 60'000));  // sealed a minute ago, replayed now
  send_raw(key.seal(captured, unix_now_ms() + 60'000));  // from a clock a minute ahead
  ASSERT_TRUE(eventually([&] { return a.stats().stale == 2; }));
  EXPECT_FALSE(a.hears(7));
  send_raw(key.seal(captured, unix_now_ms()));
  ASSERT_TRUE(eventually([&] { return a.hears(7); }));
  EXPECT_EQ(a.stats().forged, 0u);
}

TEST_F(DiscoveryResponderTest, UndecodableDatagramsAreDroppedAndCounted) {
  const cluster_key key("a shared cluster secret");
  peer& a = start_peer(1, "lab", &key);
  const std::string sealed = key.seal(wire::encode_datagram(hello_of(7, "lab")), unix_now_ms());
  send_raw("garbage");
  send_raw(sealed.substr(0, sealed.size() - 1));  // cut short: no longer a hello plus a trailer
  send_raw(sealed + sealed);
  send_raw(std::string(wire::max_datagram + cluster_key::trailer_size + 1, 'x'));
  ASSERT_TRUE(eventually([&] { return a.stats().dropped == 4; }));
  EXPECT_FALSE(a.hears(7));
}

TEST_F(DiscoveryResponderTest, WhoIsLeaderIsAnsweredByUnicastAndNeedsNoKey) {
  const cluster_key key("a shared cluster secret");
  wire::leader_is leader{.nonce = 0,
                         .cluster = "lab",
                         .cluster_uuid = "uuid-1",
                         .leader = {.id = 3, .epoch = 9, .endpoint = "127.0.0.1:7003"}};
  start_peer(1, "lab", &key, [&] { return std::optional(leader); });
  peer& silent = start_peer(2, "lab");  // knows no leader

  udp::socket client(io_);
  client.open(udp::v4());
  client.set_option(asio::socket_base::broadcast(true));
  client.bind(udp::endpoint(loopback, 0));
  std::array<char, wire::max_datagram + 1> buffer{};
  udp::endpoint from;
  std::vector<wire::datagram> answers;
  std::function<void()> receive = [&] {
    client.async_receive_from(
        asio::buffer(buffer), from, [&](boost::system::error_code ec, std::size_t n) {
          if (ec) return;
          answers.push_back(wire::decode_datagram(std::string_view(buffer.data(), n)));
          receive();
        });
  };
  receive();
  const auto ask = [&](const wire::who_is_leader& m) {
    client.send_to(asio::buffer(wire::encode_datagram(m)), udp::endpoint(broadcast, port_));
  };
  ask({42, "other"});  // another cluster: dropped
  ask({43, "lab"});
  ask({44, ""});  // any cluster
  ASSERT_TRUE(eventually([&] { return answers.size() == 2; }));
  leader.nonce = 43;
  EXPECT_EQ(answers[0], wire::datagram(leader));
  leader.nonce = 44;
  EXPECT_EQ(answers[1], wire::datagram(leader));
  EXPECT_EQ(peers_[0]->stats().answered, 2u);
  EXPECT_EQ(silent.stats().answered, 0u);
  ASSERT_TRUE(eventually([&] { return silent.stats().dropped >= 1; }));  // the "other" question
}

TEST_F(DiscoveryResponderTest, HelloNowSendsOnlyWhatTheSourceGives) {
  // The first call sends nothing, the second gives a hello that breaks an invariant (logged, not
  // sent), the third is sent; the interval is long, so only start() and hello_now() send.
  int calls = 0;
  std::vector<wire::hello> heard;
  discovery_responder r(
      io_, loopback, broadcast, port_, discovery_options{"lab", 1h, nullptr},
      [] { return std::nullopt; },
      [&]() -> std::optional<wire::hello> {
        ++calls;
        if (calls == 1) return std::nullopt;
        return hello_of(calls == 2 ? 0 : 5, "lab");
      },
      [&](const wire::hello& h, const udp::endpoint&) { heard.push_back(h); });
  r.start();
  r.hello_now();
  r.hello_now();
  ASSERT_TRUE(eventually([&] { return !heard.empty() && r.stats().hellos_sent == 1; }));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(heard, std::vector{hello_of(5, "lab")});
  r.stop();
  r.hello_now();
  EXPECT_EQ(calls, 3);
}

TEST_F(DiscoveryResponderTest, NonPositiveIntervalIsRefused) {
  EXPECT_THROW(
      discovery_responder(io_, loopback, broadcast, port_, discovery_options{"lab", 0ms, nullptr},
                          [] { return std::nullopt; }),
      std::invalid_argument);
}

}  // namespace
}  // namespace vote::net
