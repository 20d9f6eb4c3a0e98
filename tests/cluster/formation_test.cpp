// How a loopback cluster forms: the first server leads and the others join it; a simultaneous
// start with --bootstrap-expect makes exactly one cluster; a cluster key keeps strangers out; a
// member whose disk was lost cannot come back under its old id.
#include <regex>

#include "cluster/cluster_fixture.hpp"

namespace vote::test {
namespace {

class FormationTest : public ClusterTest {};

TEST_F(FormationTest, ThreeServersJoinTheFirstServerWhichLeads) {
  make(3);
  ASSERT_TRUE(form());
  // Every follower's status names the leader's endpoint (read again should leadership move).
  std::string mismatch;
  EXPECT_TRUE(eventually(
      [&] {
        auto leader = c().agreed_leader(c().live());
        if (!leader) return false;
        mismatch.clear();
        for (node_id id = 1; id <= 3; ++id) {
          auto s = c().status(id);
          if (!s || s->node_id != id || s->endpoint != c().endpoint(id) ||
              (id != *leader && s->leader.endpoint != c().endpoint(*leader))) {
            mismatch += "server " + std::to_string(id) + " says " +
                        (s ? s->endpoint + " led by " + s->leader.endpoint : "nothing") + "; ";
          }
        }
        return mismatch.empty();
      },
      converge))
      << mismatch;
}

TEST_F(FormationTest, FiveServersJoinTheFirstServerWhichLeads) {
  make(5);
  ASSERT_TRUE(form());
  EXPECT_TRUE(c().wait_for_leader(converge));
}

TEST_F(FormationTest, SimultaneousStartWithBootstrapExpectFormsExactlyOneCluster) {
  make(3);
  c().start_all({"--bootstrap-expect", "3"});
  auto leader = c().wait_for_leader(converge);
  ASSERT_TRUE(leader) << "no single leader that all three servers follow";
  ASSERT_TRUE(all_voters(3));
  if (!cluster_status_served()) return;
  std::set<std::string> uuids;
  for (node_id id = 1; id <= 3; ++id) {
    auto j = c().cluster_status(id);
    ASSERT_TRUE(j && j->value("ok", false)) << "server " << id;
    uuids.insert(j->at("cluster").at("cluster_uuid").get<std::string>());
  }
  EXPECT_EQ(uuids.size(), 1u) << "servers report different cluster_uuids";
  EXPECT_FALSE(uuids.begin()->empty());
}

// A client that names a server still forming waits for it, within --timeout, instead of failing:
// at the deadline it exits 3 saying what the server waits for (and "not applied", unless its last
// attempt was cut short by the deadline: then it cannot know); a command sent before the other
// servers start is applied once they have formed the cluster with it.
TEST_F(FormationTest, ClientOfAFormingServerWaitsUntilTheClusterHasFormed) {
  make(3);
  c().start(1, {"--bootstrap-expect", "3"});
  const std::vector<std::string> election = {
      "--id", "early", "--candidates", "A", "B", "--authorized-users", "v1"};
  auto early = client("register", election, c().direct_flags(1, 2));
  EXPECT_EQ(early.code, 3) << early.err;
  EXPECT_NE(early.err.find("still forming"), std::string::npos) << early.err;
  EXPECT_NE(early.err.find("waiting for 2 more servers to form a cluster (--bootstrap-expect 3"),
            std::string::npos)
      << early.err;

  auto args = election;
  for (const auto& f : c().direct_flags(1, 60)) args.push_back(f);
  process waiting(bin("register"), args);
  EXPECT_FALSE(waiting.wait(std::chrono::milliseconds(300)).has_value())
      << "register gave up on a forming server: " << waiting.stderr_text();
  c().start_all({"--bootstrap-expect", "3"}, {2, 3});
  const auto code = waiting.wait(60s);
  ASSERT_TRUE(code.has_value()) << "register still waiting after the cluster formed";
  EXPECT_EQ(*code, 0) << waiting.stderr_text();
  auto vote = client("vote", {"--election-id", "early", "--id", "v1", "--candidate", "A"},
                     c().discovery_flags());
  EXPECT_EQ(vote.code, 0) << vote.err;
}

TEST_F(FormationTest, ServerWithAnotherClusterKeyIsNeverAdmitted) {
  make(4);
  const auto key = c().write_file("key", "0123456789abcdef-shared-cluster-key\n");
  const auto other = c().write_file("other-key", "fedcba9876543210-some-other-key!!\n");
  const std::vector<std::string> with_key = {"--cluster-key-file", key.string()};
  c().start(1, with_key);
  ASSERT_TRUE(c().wait_until_leader_is(1, converge));
  c().start_all(with_key, {2, 3});
  c().start(4, {"--cluster-key-file", other.string()});

  // The stranger's hellos reach the members, which drop them as forged and say so.
  const std::regex forged("forged", std::regex::icase);
  for (node_id id = 1; id <= 3; ++id) {
    EXPECT_TRUE(eventually([&] { return std::regex_search(c().log_of(id), forged); }, converge))
        << "server " << id << " logged no forged message from the stranger";
  }

  auto leader = c().wait_for_leader({1, 2, 3}, converge);
  ASSERT_TRUE(leader) << "the keyed members did not agree on a leader";
  EXPECT_NE(*leader, 4u);
  for (node_id id = 1; id <= 3; ++id) {
    auto s = c().status(id);
    ASSERT_TRUE(s);
    EXPECT_NE(s->leader.id, 4u) << "server " << id << " follows the stranger";
  }
  auto stranger = c().status(4);
  ASSERT_TRUE(stranger) << "server 4 does not answer status";
  EXPECT_TRUE(stranger->leader.id == 0 || stranger->leader.id == 4)
      << "the stranger follows " << stranger->leader.id;
  if (auto voters = voters_seen_by(*leader)) {
    EXPECT_EQ(*voters, (std::set<node_id>{1, 2, 3}));
  }
}

TEST_F(FormationTest, MemberWhoseDataDirWasWipedRefusesToRestartUnderItsId) {
  make(3);
  ASSERT_TRUE(form());
  const node_id lost = c().wait_for_leader(converge).value_or(0) == 2 ? 3 : 2;  // any follower
  c().kill9(lost);
  c().wipe(lost);
  auto& p = c().launch(lost);
  auto code = p.wait(converge);
  ASSERT_TRUE(code) << "a member restarted with an empty data dir kept running:\n"
                    << p.stderr_text();
  EXPECT_EQ(*code, 4) << "exit code 4: data directory unusable (vote-server --help)";
  const std::regex clear("member|already|lost", std::regex::icase);
  EXPECT_TRUE(std::regex_search(p.stderr_text(), clear)) << p.stderr_text();
  std::cerr << "refusal (exit " << *code << "): " << p.stderr_text();
  EXPECT_TRUE(c().wait_for_leader(converge)) << "the rest of the cluster lost its leader";
}

}  // namespace
}  // namespace vote::test
