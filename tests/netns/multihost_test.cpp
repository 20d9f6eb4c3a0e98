// Five vote-servers on five "hosts" (network namespaces on one bridge), each finding its own
// address and broadcast address by default detection: they form one cluster, the highest id
// leads, a minority cut off with the leader refuses writes while the majority elects its own
// highest id and keeps serving, and after healing all five converge with every acknowledged vote
// counted once. Needs root and iproute2; skipped otherwise. Server logs are printed on failure.
#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "vote/client/request_id.hpp"
#include "vote/lab/chaos.hpp"

namespace vote::lab {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

class MultiHostTest : public ::testing::Test {
 protected:
  static constexpr const char* election = "mh";

  void SetUp() override {
    if (auto why = netns_unavailable_reason()) GTEST_SKIP() << *why;
    remove_stale_namespaces();
    cluster_ = std::make_unique<netns_cluster>(netns_cluster::options{});
  }
  void TearDown() override {
    if (cluster_ && HasFailure()) std::cerr << "server logs:\n" << cluster_->logs(80);
  }

  client::call_result send(wire::client_request r) {
    r.request_id = client::make_request_id();
    return cluster_->call(r, cluster_->client_options(10s));
  }
  void register_election() {
    register_cmd c{election, {"A", "B", "C"}, {}, tie_break::none};
    c.live_results = true;  // the test reads every server's tallies while the election is open
    for (int i = 1; i <= 40; ++i) c.voters.push_back("u" + std::to_string(i));
    wire::client_request r;
    r.type = wire::request_type::register_election;
    r.admin_token = cluster_->admin_token();
    r.body = c;
    auto done = send(r);
    ASSERT_TRUE(done.ok()) << done.message;
  }
  // Votes u<from>..u<to> round-robin for A, B, C; every vote must be acknowledged.
  void vote_range(int from, int to) {
    for (int i = from; i <= to; ++i) {
      const std::string candidate(1, static_cast<char>('A' + i % 3));
      wire::client_request r;
      r.type = wire::request_type::vote;
      r.body = vote_cmd{election, "u" + std::to_string(i), candidate};
      auto done = send(r);
      ASSERT_TRUE(done.ok()) << "u" << i << ": " << done.message;
      ++acknowledged_[candidate];
    }
  }
  wire::client_response vote_at(node_id id, const std::string& voter) {
    wire::client_request r;
    r.type = wire::request_type::vote;
    r.request_id = client::make_request_id();
    r.body = vote_cmd{election, voter, "A"};
    auto answer = run_in_netns(cluster_->net().client_ns(),
                               [&] { return exchange(cluster_->endpoint(id), r, 3s); });
    EXPECT_TRUE(answer.has_value()) << "server " << id << " did not answer";
    return answer.value_or(wire::client_response{});
  }

  std::unique_ptr<netns_cluster> cluster_;
  std::map<std::string, std::uint64_t> acknowledged_;  // candidate -> acknowledged votes
};

TEST_F(MultiHostTest, HighestIdLeadsMinorityRefusesMajorityServesAndAllConvergeAfterHealing) {
  const auto began = clock_type::now();
  const std::vector<node_id> all = {1, 2, 3, 4, 5};
  cluster_->form(40s);
  ASSERT_TRUE(cluster_->wait_until_leader_is(5, all, 20s)) << "5 did not lead after its tenure";
  for (auto id : all) {  // every server found its own eth0 address by itself
    auto s = cluster_->status(id);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->endpoint, net::format_endpoint(cluster_->endpoint(id)));
  }
  register_election();
  vote_range(1, 10);

  // Cut the leader off with server 1: the majority {2,3,4} elects 4 and keeps serving.
  cluster_->net().partition({5, 1});
  ASSERT_TRUE(cluster_->wait_until_leader_is(4, {2, 3, 4}, 20s)) << "no leader 4 in the majority";
  vote_range(11, 20);

  // The client joins the minority side: neither server there leads or accepts a vote.
  cluster_->net().partition({5, 1}, side::far);
  ASSERT_TRUE(test::eventually(
      [&] {
        for (const auto& s : cluster_->statuses({1, 5})) {
          if (!s || s->role == "leader") return false;
        }
        return true;
      },
      10s))
      << "the minority still claims a leader";
  for (node_id id : {1, 5}) {
    const auto answer = vote_at(id, "u21");
    EXPECT_TRUE(answer.code == errc::no_quorum || answer.code == errc::not_leader)
        << "server " << id << " answered " << to_string(answer.code) << ": " << answer.message;
    if (answer.leader_endpoint) {
      for (node_id minority : {1, 5})
        EXPECT_NE(*answer.leader_endpoint, net::format_endpoint(cluster_->endpoint(minority)));
    }
  }
  const auto cli =
      cluster_->net().run(cluster_->net().client_ns(), test::bin("vote"),
                          {"--server", net::format_endpoint(cluster_->endpoint(5)), "--id", "u22",
                           "--candidate", "B", "--election-id", election, "--timeout", "3"});
  EXPECT_EQ(cli.code, 3) << cli.out << cli.err;

  // Heal: one leader (5 again after its tenure), the same state everywhere, nothing lost or
  // doubled.
  cluster_->net().heal();
  ASSERT_TRUE(cluster_->wait_converged(all, 30s)) << "no convergence after healing";
  EXPECT_TRUE(cluster_->wait_until_leader_is(5, all, 20s));
  ASSERT_TRUE(cluster_->wait_converged(all, 10s));
  std::uint64_t acked_total = 0;
  for (const auto& [c, n] : acknowledged_) acked_total += n;
  for (auto id : all) {
    const auto answer = cluster_->local_results(id, election);
    ASSERT_TRUE(answer && answer->ok() && answer->result)
        << "server " << id << ": " << (answer ? answer->message : "no answer");
    EXPECT_EQ(answer->result->votes_cast, acked_total) << "server " << id;
    for (const auto& t : answer->result->tallies)
      EXPECT_EQ(t.votes, acknowledged_[t.candidate]) << "server " << id << " " << t.candidate;
  }
  EXPECT_LT(clock_type::now() - began, 90s);
}

}  // namespace
}  // namespace vote::lab
