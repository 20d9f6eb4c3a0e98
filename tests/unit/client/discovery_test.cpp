// Leader discovery: a fake responder on 127.255.255.255:<test port>, never a real network.
#include <gtest/gtest.h>

#include "fake_server.hpp"
#include "vote/client/call.hpp"
#include "vote/client/discovery.hpp"
#include "vote/client/output.hpp"

namespace vote::client {
namespace {

using clock_type = std::chrono::steady_clock;
using testing::answer;
using testing::fake_responder;
using testing::fake_server;
using testing::reply;

discovery_options loopback_discovery(std::uint16_t port, std::string cluster = "") {
  discovery_options o;
  o.broadcast = "127.255.255.255";
  o.port = port;
  o.cluster = std::move(cluster);
  return o;
}

// The leader a discovery result names (the caller asserted that it names one).
const consensus::leader_info& leader_of(const discovery_result& r) {
  return std::get<discovered_leader>(r).leader;
}

clock_type::time_point in(std::chrono::milliseconds d) {
  return clock_type::now() + d;
}

TEST(SelectLeader, TakesTheHighestEpoch) {
  auto a = answer("127.0.0.1:7001", 3);
  auto b = answer("127.0.0.1:7002", 5);
  const auto r = select_leader({a, b}, 0, "");
  ASSERT_TRUE(std::holds_alternative<discovered_leader>(r));
  EXPECT_EQ(leader_of(r).endpoint, "127.0.0.1:7002");
  EXPECT_EQ(leader_of(r).epoch, 5U);
  EXPECT_EQ(leader_of(r).id, 50U);  // answer() names node epoch * 10
}

TEST(SelectLeader, DropsOtherNoncesClustersAndBadEndpoints) {
  auto stale = answer("127.0.0.1:7001", 9);
  stale.nonce = 42;
  auto other_cluster = answer("127.0.0.1:7002", 9, "u", "other");
  auto bad = answer("nonsense", 9);
  auto good = answer("127.0.0.1:7003", 1, "u", "main");
  const auto r = select_leader({stale, other_cluster, bad, good}, 0, "main");
  ASSERT_TRUE(std::holds_alternative<discovered_leader>(r));
  EXPECT_EQ(leader_of(r).endpoint, "127.0.0.1:7003");
  EXPECT_TRUE(std::holds_alternative<discovery_failure>(select_leader({stale, bad}, 0, "")));
}

TEST(SelectLeader, TwoUuidsUnderOneNameAreAnError) {
  const auto r = select_leader(
      {answer("127.0.0.1:7001", 3, "uuid-a", "c"), answer("127.0.0.1:7002", 4, "uuid-b", "c")}, 0,
      "c");
  ASSERT_TRUE(std::holds_alternative<discovery_failure>(r));
  EXPECT_EQ(std::get<discovery_failure>(r).kind, discovery_error::conflicting_clusters);
  EXPECT_NE(std::get<discovery_failure>(r).message.find("uuid-b"), std::string::npos);
}

TEST(SelectLeader, EmptyUuidDoesNotConflict) {
  const auto r = select_leader(
      {answer("127.0.0.1:7001", 3, "", "c"), answer("127.0.0.1:7001", 3, "uuid-a", "c")}, 0, "c");
  ASSERT_TRUE(std::holds_alternative<discovered_leader>(r));
  EXPECT_EQ(std::get<discovered_leader>(r).cluster_uuid, "uuid-a");
}

TEST(Discovery, FindsTheLeaderWithTheHighestEpoch) {
  const auto port = testing::free_udp_port();
  fake_responder responder(port, [](const wire::who_is_leader&) {
    return std::vector{answer("127.0.0.1:7001", 3), answer("127.0.0.1:7002", 7),
                       answer("127.0.0.1:7003", 5)};
  });
  const auto r = discover_leader(loopback_discovery(port), in(std::chrono::seconds(5)));
  ASSERT_TRUE(std::holds_alternative<discovered_leader>(r));
  EXPECT_EQ(leader_of(r).endpoint, "127.0.0.1:7002");
  // The ask is resent 25 ms after the first (discovery.hpp): a responder slower than that (a
  // sanitizer build on a loaded machine) answers both, and every usable answer counts.
  EXPECT_GE(std::get<discovered_leader>(r).answers, 3U);
}

TEST(Discovery, AsksForTheGivenCluster) {
  const auto port = testing::free_udp_port();
  std::string asked;
  fake_responder responder(port, [&](const wire::who_is_leader& ask) {
    asked = ask.cluster;  // read below only after discover_leader() returned an answer
    return std::vector{answer("127.0.0.1:7001", 1, "u", ask.cluster)};
  });
  const auto r = discover_leader(loopback_discovery(port, "blue"), in(std::chrono::seconds(5)));
  ASSERT_TRUE(std::holds_alternative<discovered_leader>(r));
  EXPECT_EQ(std::get<discovered_leader>(r).cluster, "blue");
  EXPECT_EQ(asked, "blue");
}

TEST(Discovery, TwoUuidsUnderOneClusterNameAreAnError) {
  const auto port = testing::free_udp_port();
  fake_responder responder(port, [](const wire::who_is_leader&) {
    return std::vector{answer("127.0.0.1:7001", 3, "uuid-a", "c"),
                       answer("127.0.0.1:7002", 3, "uuid-b", "c")};
  });
  const auto r = discover_leader(loopback_discovery(port), in(std::chrono::seconds(5)));
  ASSERT_TRUE(std::holds_alternative<discovery_failure>(r));
  EXPECT_EQ(std::get<discovery_failure>(r).kind, discovery_error::conflicting_clusters);
}

TEST(Discovery, NothingAnsweringEndsAtTheDeadline) {
  const auto r = discover_leader(loopback_discovery(testing::free_udp_port()),
                                 in(std::chrono::milliseconds(300)));
  ASSERT_TRUE(std::holds_alternative<discovery_failure>(r));
  EXPECT_EQ(std::get<discovery_failure>(r).kind, discovery_error::none_answered);
}

TEST(Discovery, KeepsAskingUntilAnAnswerComes) {
  const auto port = testing::free_udp_port();
  fake_responder responder(port, [n = 0](const wire::who_is_leader&) mutable {
    return ++n < 3 ? std::vector<wire::leader_is>{} : std::vector{answer("127.0.0.1:7001", 1)};
  });
  const auto r = discover_leader(loopback_discovery(port), in(std::chrono::seconds(5)));
  ASSERT_TRUE(std::holds_alternative<discovered_leader>(r));
  EXPECT_GE(responder.asks(), 3U);
}

TEST(CallWithDiscovery, SendsToTheDiscoveredLeader) {
  fake_server leader([](const wire::client_request&, std::size_t) { return reply::ok("done"); });
  const auto port = testing::free_udp_port();
  fake_responder responder(port, [&](const wire::who_is_leader&) {
    return std::vector{answer(leader.endpoint_text(), 2)};
  });
  call_options o;
  o.discovery = loopback_discovery(port);
  wire::client_request request;
  request.type = wire::request_type::close;
  request.request_id = "rid";
  request.body = close_cmd{"e1"};
  const auto r = call(request, o);
  EXPECT_EQ(r.result, outcome::ok);
  EXPECT_EQ(leader.request_ids(), (std::vector<std::string>{"rid"}));
}

TEST(CallWithDiscovery, NoServerMeansNoLeaderAndNothingSent) {
  call_options o;
  o.discovery = loopback_discovery(testing::free_udp_port());
  o.timeout = std::chrono::milliseconds(300);
  wire::client_request request;
  request.type = wire::request_type::vote;
  request.request_id = "rid";
  request.body = vote_cmd{"e1", "u1", "A"};
  const auto r = call(request, o);
  EXPECT_EQ(r.result, outcome::not_sent);
  EXPECT_EQ(exit_code(r), 3);
  EXPECT_NE(r.message.find("no vote-server answered on 127.255.255.255:"), std::string::npos);
  EXPECT_NE(r.message.find("is --broadcast right?"), std::string::npos);
}

TEST(CallWithDiscovery, ConflictingClustersEndTheCallAtOnce) {
  const auto port = testing::free_udp_port();
  fake_responder responder(port, [](const wire::who_is_leader&) {
    return std::vector{answer("127.0.0.1:7001", 3, "uuid-a"),
                       answer("127.0.0.1:7002", 3, "uuid-b")};
  });
  call_options o;
  o.discovery = loopback_discovery(port);
  o.timeout = std::chrono::seconds(30);  // would hang the test if the client kept retrying
  wire::client_request request;
  request.type = wire::request_type::close;
  request.request_id = "rid";
  request.body = close_cmd{"e1"};
  const auto r = call(request, o);
  EXPECT_EQ(r.why, failure::cluster_conflict);
  EXPECT_EQ(r.result, outcome::not_sent);
  EXPECT_EQ(exit_code(r), 3);
}

// Hedging: an attempt on a leader that stays silent is left for a newer leader that discovery
// announces meanwhile; the request goes there with the same request id.

wire::client_request a_close(std::string request_id) {
  wire::client_request r;
  r.type = wire::request_type::close;
  r.request_id = std::move(request_id);
  r.body = close_cmd{"e1"};
  return r;
}

TEST(CallHedging, LeavesASilentLeaderForTheNewerOneDiscoveryAnnounces) {
  fake_server frozen([](const wire::client_request&, std::size_t) { return reply::no_answer(); });
  fake_server successor([](const wire::client_request&, std::size_t) { return reply::ok("done"); });
  const auto port = testing::free_udp_port();
  // The frozen leader is named until it has the request in hand; then its successor, one epoch on.
  fake_responder responder(port, [&](const wire::who_is_leader&) {
    if (frozen.request_ids().empty()) return std::vector{answer(frozen.endpoint_text(), 4)};
    return std::vector{answer(successor.endpoint_text(), 5)};
  });
  call_options o;
  o.discovery = loopback_discovery(port);
  o.timeout = std::chrono::seconds(30);          // only hedging can end the call soon
  o.attempt_timeout = std::chrono::seconds(30);  // ... the frozen attempt never times out
  const auto r = call(a_close("rid"), o);
  EXPECT_EQ(r.result, outcome::ok);
  EXPECT_EQ(r.last_target, successor.endpoint_text());
  EXPECT_EQ(r.abandoned, (std::vector<std::string>{frozen.endpoint_text()}));
  EXPECT_EQ(frozen.request_ids(), (std::vector<std::string>{"rid"}));
  EXPECT_EQ(successor.request_ids(), (std::vector<std::string>{"rid"}));
}

TEST(CallHedging, KeepsWaitingWhileDiscoveryNamesTheSameLeaderOrAnOlderOne) {
  fake_server slow([](const wire::client_request&, std::size_t) { return reply::no_answer(); });
  fake_server stale([](const wire::client_request&, std::size_t) { return reply::ok("stale"); });
  const auto port = testing::free_udp_port();
  fake_responder responder(port, [&](const wire::who_is_leader&) {
    return std::vector{answer(slow.endpoint_text(), 7), answer(stale.endpoint_text(), 6)};
  });
  call_options o;
  o.discovery = loopback_discovery(port);
  o.timeout = std::chrono::milliseconds(600);
  o.attempt_timeout = std::chrono::milliseconds(600);
  const auto r = call(a_close("rid"), o);
  EXPECT_EQ(r.result, outcome::unknown);  // sent to the slow leader, never answered
  EXPECT_TRUE(r.abandoned.empty());
  EXPECT_TRUE(stale.request_ids().empty());
  EXPECT_GE(responder.asks(), 3U);  // the first discovery, then the hedge's probes
}

TEST(CallHedging, IsOffForACallPinnedToOneServer) {
  fake_server pinned([](const wire::client_request&, std::size_t) { return reply::no_answer(); });
  const auto port = testing::free_udp_port();
  fake_responder responder(
      port, [&](const wire::who_is_leader&) { return std::vector{answer("127.0.0.1:1", 9)}; });
  call_options o;
  o.server = pinned.endpoint();
  o.discovery = loopback_discovery(port);
  o.timeout = std::chrono::milliseconds(400);
  const auto r = call(a_close("rid"), o);
  EXPECT_EQ(r.result, outcome::unknown);
  EXPECT_TRUE(r.abandoned.empty());
  EXPECT_EQ(responder.asks(), 0U);
}

}  // namespace
}  // namespace vote::client
