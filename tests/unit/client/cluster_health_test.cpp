// vote-status's health rule (issue 13): which members are unreachable, the failure tolerance,
// the verdict, --check's exit codes and the JSON keys, from the leader's view and from others'.
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_server.hpp"
#include "support/text_lines.hpp"
#include "vote/client/admin.hpp"
#include "vote/client/cluster_output.hpp"
#include "vote/client/output.hpp"

namespace vote::client {
namespace {

wire::member_view member(std::uint64_t id, std::string role, std::optional<std::int64_t> contact,
                         bool voter = true) {
  return {.id = id,
          .endpoint = "127.0.0.1:" + std::to_string(7000 + id),
          .role = std::move(role),
          .voter = voter,
          .match_index = 7,
          .lag = 0,
          .last_contact_ms = contact};
}

// Three voters as node `self` sees them, node 3 leading; nodes 1 and 2 last heard from
// `contact1` and `contact2` ms ago.
wire::cluster_view three(std::uint64_t self, std::optional<std::int64_t> contact1,
                         std::optional<std::int64_t> contact2) {
  wire::cluster_view v;
  v.self = self;
  v.leader = {.id = 3, .endpoint = "127.0.0.1:7003"};
  v.epoch = 2;
  v.commit_index = 7;
  v.applied_index = 7;
  v.cluster_uuid = "bf355e93";
  v.members = {member(1, "follower", contact1), member(2, "follower", contact2),
               member(3, "leader", std::nullopt)};
  return v;
}

using test::lines;

call_result answered(const wire::cluster_view& v) {
  call_result r;
  r.result = outcome::ok;
  r.response = wire::client_response{};
  r.response->message = "ok";
  r.response->cluster = v;
  return r;
}

// What report_cluster_view printed and returned.
struct printed {
  int code = -1;
  std::string out;
  std::string err;
};

printed report(const wire::cluster_view& v, bool json, bool check) {
  std::ostringstream out, err;
  printed p;
  p.code = report_cluster_view(answered(v), json, out, err, {.check = check});
  p.out = out.str();
  p.err = err.str();
  return p;
}

TEST(ClusterHealth, EveryVoterHeardFromIsHealthyAndCanLoseOne) {
  const auto h = assess_health(three(3, 40, 12));
  EXPECT_EQ(h.verdict, health_verdict::healthy);
  EXPECT_TRUE(h.ok());
  EXPECT_EQ(h.voters, 3U);
  EXPECT_EQ(h.quorum, 2U);
  EXPECT_EQ(h.reachable_voters, 3U);
  EXPECT_EQ(h.failure_tolerance, 1U);
  EXPECT_EQ(h.reason, "");
  const auto p = report(three(3, 40, 12), false, true);
  EXPECT_EQ(p.code, exit_ok);
  EXPECT_EQ(p.err, "");
  const auto text = lines(p.out);
  ASSERT_EQ(text.size(), 8U);
  EXPECT_EQ(text[3], "1   127.0.0.1:7001  follower  yes    7      0    40 ms");
  EXPECT_EQ(text[6], "voters 3, reachable 3, quorum 2: can lose 1 more server(s)");
  EXPECT_EQ(text[7], "health: ok");
}

TEST(ClusterHealth, AVoterSilentPastTheThresholdIsUnreachableAndTheClusterDegraded) {
  const auto v = three(3, 1001, 12);
  EXPECT_EQ(member_reachable(v, v.members[0], 1000), false);
  EXPECT_EQ(member_reachable(v, v.members[1], 1000), true);
  const auto h = assess_health(v);
  EXPECT_EQ(h.verdict, health_verdict::degraded);
  EXPECT_EQ(h.reachable_voters, 2U);
  EXPECT_EQ(h.failure_tolerance, 0U);
  const auto p = report(v, false, true);
  EXPECT_EQ(p.code, exit_refused);
  EXPECT_EQ(
      p.err,
      "Error: degraded: node 1 unreachable (no contact for 1001 ms, more than 1000 ms); can lose 0 "
      "more server(s)\n");
  const auto text = lines(p.out);
  ASSERT_EQ(text.size(), 8U);
  EXPECT_EQ(text[2], "id  endpoint        role         voter  match  lag  last contact");
  EXPECT_EQ(text[3], "1   127.0.0.1:7001  unreachable  yes    7      0    1001 ms");
  EXPECT_EQ(text[6], "voters 3, reachable 2, quorum 2: can lose 0 more server(s)");
  EXPECT_EQ("Error: " + text[7].substr(std::string("health: ").size()) + "\n", p.err);
}

TEST(ClusterHealth, ContactAtTheThresholdIsStillReachable) {
  EXPECT_TRUE(assess_health(three(3, 1000, 1000)).ok());
  EXPECT_TRUE(assess_health(three(3, 1500, 12), 2000).ok());  // --unreachable-after-ms 2000
}

TEST(ClusterHealth, AVoterNotHeardFromSinceTheLeaderTookOverIsUnreachable) {
  const auto h = assess_health(three(3, std::nullopt, 12));
  EXPECT_EQ(h.verdict, health_verdict::degraded);
  EXPECT_EQ(h.reason,
            "node 1 unreachable (no contact since node 3 took the lead); can lose 0 more "
            "server(s)");
}

TEST(ClusterHealth, TwoOfThreeSilentIsNoQuorumAndExitsThree) {
  const auto v = three(3, 5000, std::nullopt);
  const auto h = assess_health(v);
  EXPECT_EQ(h.verdict, health_verdict::no_quorum);
  EXPECT_EQ(h.reachable_voters, 1U);
  EXPECT_EQ(h.failure_tolerance, 0U);
  const auto p = report(v, false, true);
  EXPECT_EQ(p.code, exit_unavailable);
  EXPECT_EQ(p.err, "Error: no quorum: 1 of 3 voters reachable, 2 needed; nodes 1, 2 unreachable\n");
  EXPECT_EQ(lines(p.out)[6],
            "voters 3, reachable 1, quorum 2: no quorum: 1 more voter(s) must "
            "be reachable");
}

TEST(ClusterHealth, AnUnreachableLearnerIsShownButDoesNotDegrade) {
  auto v = three(3, 40, 12);
  v.members.push_back(member(12, "learner", 9000, false));
  const auto h = assess_health(v);
  EXPECT_TRUE(h.ok());
  EXPECT_EQ(h.voters, 3U);
  const auto text = lines(format_cluster_view(v));
  EXPECT_EQ(text[6], "12  127.0.0.1:7012  unreachable  no     7      0    9000 ms");
}

TEST(ClusterHealth, AFollowersViewSaysOnlyTheLeaderKnows) {
  const auto v = three(1, std::nullopt, std::nullopt);
  EXPECT_EQ(member_reachable(v, v.members[0], 1000), true);  // the server that answered
  EXPECT_EQ(member_reachable(v, v.members[1], 1000), std::nullopt);
  const auto h = assess_health(v);
  EXPECT_EQ(h.verdict, health_verdict::unknown);
  EXPECT_EQ(h.reachable_voters, std::nullopt);
  EXPECT_EQ(h.failure_tolerance, std::nullopt);
  const auto p = report(v, false, true);
  EXPECT_EQ(p.code, exit_refused);
  EXPECT_EQ(
      p.err,
      "Error: unknown: node 1 is not the leader; only the leader knows which members are reachable "
      "(ask node 3 at 127.0.0.1:7003)\n");
  const auto text = lines(p.out);
  EXPECT_EQ(text[4], "2   127.0.0.1:7002  follower  yes    -      -    -");  // not "unreachable"
  EXPECT_EQ(text[7], "voters 3, quorum 2: which voters are reachable is known only by the leader");
  EXPECT_EQ(report(v, false, false).code, exit_ok);  // without --check: a leader is known
}

TEST(ClusterHealth, NoLeaderKnownExitsThreeWithOrWithoutCheck) {
  auto v = three(1, std::nullopt, std::nullopt);
  v.leader = {};
  v.members[2].role = "follower";
  EXPECT_EQ(assess_health(v).verdict, health_verdict::no_leader);
  const auto p = report(v, true, true);
  EXPECT_EQ(p.code, exit_unavailable);
  EXPECT_EQ(p.err, "Error: no leader: node 1 knows none\n");
  const auto j = nlohmann::json::parse(p.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["health"], "no_leader");
  EXPECT_EQ(report(v, false, false).code, exit_unavailable);
}

TEST(ClusterHealth, WithoutCheckTheExitCodesStayAsBefore) {
  EXPECT_EQ(report(three(3, 5000, 12), false, false).code, exit_ok);
  EXPECT_EQ(report(three(3, 5000, 5000), true, false).code, exit_ok);
  EXPECT_EQ(report(three(3, 5000, 12), false, false).err, "");
}

TEST(ClusterJson, CarriesOkTheToleranceAndEachMembersReachability) {
  const auto j = nlohmann::json::parse(report(three(3, 40, 12), true, false).out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["health"], "ok");
  EXPECT_EQ(j["reason"], "");
  EXPECT_EQ(j["voters"], 3);
  EXPECT_EQ(j["reachable_voters"], 3);
  EXPECT_EQ(j["quorum"], 2);
  EXPECT_EQ(j["failure_tolerance"], 1);
  EXPECT_EQ(j["unreachable_after_ms"], default_unreachable_after_ms);
  for (const auto& m : j["members"]) EXPECT_EQ(m["reachable"], true) << m.dump();
}

TEST(ClusterJson, MarksTheUnreachableAndIsNotOk) {
  const auto j = nlohmann::json::parse(report(three(3, 1500, 12), true, true).out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["health"], "degraded");
  EXPECT_EQ(j["members"][0]["reachable"], false);
  EXPECT_EQ(j["members"][0]["last_contact_ms"], 1500);
  EXPECT_EQ(j["reachable_voters"], 2);
  EXPECT_EQ(j["failure_tolerance"], 0);
}

TEST(ClusterJson, AFollowersViewHasNullWhereOnlyTheLeaderKnows) {
  const auto j =
      nlohmann::json::parse(report(three(2, std::nullopt, std::nullopt), true, true).out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["health"], "unknown");
  EXPECT_TRUE(j["reachable_voters"].is_null());
  EXPECT_TRUE(j["failure_tolerance"].is_null());
  EXPECT_TRUE(j["members"][0]["reachable"].is_null());
  EXPECT_EQ(j["members"][1]["reachable"], true);  // node 2 answered
  EXPECT_EQ(j["voters"], 3);
}

TEST(ClusterJson, AFailureIsTheFailureObjectWithOkFalse) {
  std::ostringstream out, err;
  call_result r;
  r.result = outcome::not_sent;
  r.why = failure::no_leader;
  r.code = errc::unavailable;
  r.message = "no leader known: no vote-server answered";
  EXPECT_EQ(report_cluster_view(r, true, out, err, {.check = true}), exit_unavailable);
  EXPECT_EQ(nlohmann::json::parse(out.str())["ok"], false);
}

TEST(ClusterHealth, StatusCheckAsksTheServerAndExitsWithTheVerdict) {
  testing::fake_server s([](const wire::client_request&, std::size_t) {
    auto r = testing::reply::ok("ok");
    r.response.cluster = three(3, 4000, 12);
    return r;
  });
  common_options o;
  o.server = s.endpoint_text();
  std::ostringstream out, err;
  EXPECT_EQ(run_cluster_status(o, {out, err}, {.check = true}), exit_refused);
  EXPECT_EQ(err.str().rfind("Error: degraded: node 1 unreachable", 0), 0U) << err.str();
  std::ostringstream out2, err2;
  EXPECT_EQ(run_cluster_status(o, {out2, err2}, {.check = true, .unreachable_after_ms = 5000}),
            exit_ok);
  EXPECT_EQ(err2.str(), "");
}

}  // namespace
}  // namespace vote::client
