// vote-status text: the leader line, the summary and the member table, from the leader's view
// and from a follower's.
#include <sstream>
#include <vector>

#include <gtest/gtest.h>

#include "support/text_lines.hpp"
#include "vote/client/cluster_output.hpp"
#include "vote/client/output.hpp"

namespace vote::client {
namespace {

wire::member_view member(std::uint64_t id, std::string role, std::uint64_t match, std::uint64_t lag,
                         std::optional<std::int64_t> contact) {
  wire::member_view m;
  m.id = id;
  m.endpoint = "127.0.0.1:" + std::to_string(7000 + id);
  m.role = std::move(role);
  m.voter = m.role != "learner";
  m.match_index = match;
  m.lag = lag;
  m.last_contact_ms = contact;
  return m;
}

wire::cluster_view seen_by(std::uint64_t self, std::uint64_t leader) {
  wire::cluster_view v;
  v.self = self;
  v.leader = {.id = leader,
              .endpoint = leader == 0 ? "" : "127.0.0.1:" + std::to_string(7000 + leader)};
  v.epoch = 5;
  v.commit_index = 44;
  v.applied_index = 43;
  v.cluster_uuid = "6a1f0c2e";
  v.members = {member(3, "leader", 44, 0, std::nullopt), member(1, "follower", 44, 0, 12),
               member(12, "learner", 30, 14, 150)};
  return v;
}

using test::lines;

TEST(ClusterText, LeaderViewShowsEveryColumn) {
  EXPECT_EQ(lines(format_cluster_view(seen_by(3, 3))),
            (std::vector<std::string>{
                "leader: node 3 at 127.0.0.1:7003",
                "cluster 6a1f0c2e: epoch 5, commit_index 44, applied_index 43 (as seen by node 3)",
                "id  endpoint        role      voter  match  lag  last contact",
                "3   127.0.0.1:7003  leader    yes    44     0    -",
                "1   127.0.0.1:7001  follower  yes    44     0    12 ms",
                "12  127.0.0.1:7012  learner   no     30     14   150 ms",
                "voters 2, reachable 2, quorum 2: can lose 0 more server(s)",
                "health: ok",
            }));
}

TEST(ClusterText, FollowerViewHidesWhatOnlyTheLeaderKnows) {
  auto v = seen_by(1, 3);
  v.members[0].match_index = 0;  // a follower reports 0 / null for the others
  v.members[2].match_index = 0;
  v.members[2].last_contact_ms.reset();
  v.members[1].last_contact_ms.reset();
  const auto text = lines(format_cluster_view(v));
  ASSERT_EQ(text.size(), 9U);
  EXPECT_EQ(text[0], "leader: node 3 at 127.0.0.1:7003");
  EXPECT_EQ(text[3], "3   127.0.0.1:7003  leader    yes    -      -    -");
  EXPECT_EQ(text[4], "1   127.0.0.1:7001  follower  yes    44     -    -");  // its own index
  EXPECT_EQ(text[6],
            "note: node 1 is not the leader; only the leader knows the other members' match, "
            "lag and last contact");
  EXPECT_EQ(text[7], "voters 2, quorum 2: which voters are reachable is known only by the leader");
}

TEST(ClusterText, NoLeaderIsSaidOnTheFirstLine) {
  auto v = seen_by(2, 0);
  v.cluster_uuid = "";
  v.members.clear();
  const auto text = lines(format_cluster_view(v));
  EXPECT_EQ(text[0], "leader: none known to node 2");
  EXPECT_EQ(text[1],
            "cluster (no uuid yet): epoch 5, commit_index 44, applied_index 43 (as seen by "
            "node 2)");
  EXPECT_EQ(text[2], "id  endpoint  role  voter  match  lag  last contact");
}

call_result answered(const wire::cluster_view& v) {
  call_result r;
  r.result = outcome::ok;
  r.response = wire::client_response{};
  r.response->message = "ok";
  r.response->cluster = v;
  return r;
}

TEST(ClusterReport, ExitCodeSaysWhetherALeaderIsKnown) {
  std::ostringstream out, err;
  EXPECT_EQ(report_cluster_view(answered(seen_by(1, 3)), false, out, err), exit_ok);
  EXPECT_EQ(report_cluster_view(answered(seen_by(1, 0)), false, out, err), exit_unavailable);
  EXPECT_EQ(report_cluster_view(answered(seen_by(1, 0)), true, out, err), exit_unavailable);
  EXPECT_TRUE(err.str().empty());
}

TEST(ClusterReport, JsonIsTheClusterObjectOnOneLine) {
  std::ostringstream out, err;
  const auto v = seen_by(3, 3);
  EXPECT_EQ(report_cluster_view(answered(v), true, out, err), exit_ok);
  EXPECT_EQ(out.str(), cluster_view_json(v).dump() + "\n");
  const auto j = nlohmann::json::parse(out.str());
  const auto wire_object = wire::cluster_to_json(v);  // the wire's object, and more
  for (const char* key :
       {"applied_index", "cluster_uuid", "commit_index", "epoch", "leader", "self"}) {
    EXPECT_EQ(j.at(key), wire_object.at(key)) << key;
  }
  EXPECT_EQ(j["leader"]["id"], 3);
  EXPECT_EQ(j["members"][2]["role"], "learner");
  EXPECT_TRUE(j["members"][0]["last_contact_ms"].is_null());
}

TEST(ClusterReport, AnAnswerWithoutAViewIsAnError) {
  std::ostringstream out, err;
  call_result r = answered(seen_by(3, 3));
  r.response->cluster.reset();
  r.last_target = "127.0.0.1:7003";
  EXPECT_EQ(report_cluster_view(r, false, out, err), exit_unavailable);
  EXPECT_EQ(err.str(), "Error: the answer of 127.0.0.1:7003 carries no cluster view\n");
  EXPECT_TRUE(out.str().empty());
}

TEST(ClusterReport, FailuresArePrintedLikeEveryClientsWithoutRetryAdvice) {
  std::ostringstream out, err;
  call_result r;
  r.result = outcome::not_sent;
  r.why = failure::no_leader;
  r.code = errc::unavailable;
  r.message = "no leader known: no vote-server answered";
  EXPECT_EQ(report_cluster_view(r, false, out, err), exit_unavailable);
  EXPECT_EQ(err.str(), "Error: no leader known: no vote-server answered\n");
  r.result = outcome::refused;
  r.why = failure::none;
  r.code = errc::unsupported;
  r.message = "unknown request type 'cluster_status'";
  EXPECT_EQ(report_cluster_view(r, true, out, err), exit_refused);
  EXPECT_EQ(nlohmann::json::parse(out.str())["error"]["code"], "unsupported");
}

}  // namespace
}  // namespace vote::client
