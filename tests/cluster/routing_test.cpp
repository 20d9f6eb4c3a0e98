// Where client requests go in a cluster: a follower points at the leader and the clients follow
// it; a server cut off from its majority refuses with exit code 3 instead of accepting votes.
#include <regex>

#include "cluster/cluster_fixture.hpp"

namespace vote::test {
namespace {

class RoutingTest : public ClusterTest {
 protected:
  // A vote with a short client deadline through `flags`, expected to fail with exit code 3 (and,
  // when sent to the survivor itself, a message that names the missing quorum or leader; by
  // broadcast nobody may answer at all).
  void expect_refused_for_want_of_quorum(const ballot& b, std::vector<std::string> flags,
                                         bool direct) {
    auto r = client("vote",
                    {"--id", ballot::voter(0), "--candidate", "Alice", "--election-id", b.election},
                    flags);
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    const std::regex names_it("quorum|leader", std::regex::icase);
    if (direct) {
      EXPECT_TRUE(std::regex_search(r.err, names_it)) << r.err;
    }
    std::cerr << (direct ? "direct" : "broadcast") << " vote refused (exit " << r.code
              << "): " << r.err;
  }
};

TEST_F(RoutingTest, FollowerAnswersNotLeaderWithTheLeaderEndpointAndTheClientFollowsIt) {
  make(3);
  ASSERT_TRUE(form_at_once());
  ballot b;
  ASSERT_TRUE(register_election(b, "routing", 4));

  // Asked again while a leader change (a load hiccup) is under way; should a follower have led
  // for a moment and counted the vote, it is an acknowledged vote like any other.
  std::optional<wire::client_response> resp;
  node_id leader = 0;
  EXPECT_TRUE(eventually(
      [&] {
        leader = c().agreed_leader(c().live()).value_or(0);
        if (leader == 0) return false;
        resp = request(c().port(leader == 1 ? 2 : 1),
                       vote_request(b.election, ballot::voter(3), ballot::candidate_for(3), "r3"));
        if (resp && resp->ok()) b.acknowledged[ballot::voter(3)] = ballot::candidate_for(3);
        return resp && resp->code == errc::not_leader &&
               resp->leader_endpoint == c().endpoint(leader);
      },
      converge))
      << "a follower of " << leader << " answered "
      << (resp ? std::string(to_string(resp->code)) + ": " + resp->message : "nothing");

  // Clients sent to any server reach the leader; the refused request changed nothing.
  ASSERT_TRUE(cast(b, 0, c().direct_flags(1)));
  ASSERT_TRUE(cast(b, 1, c().direct_flags(2)));
  ASSERT_TRUE(cast(b, 2, c().direct_flags(3)));
  close_and_expect_exact_tally(b);
}

TEST_F(RoutingTest, LeaderLeftWithoutItsFollowersRefusesWithExitThree) {
  make(3);
  ASSERT_TRUE(form_at_once());
  ballot b;
  ASSERT_TRUE(register_election(b, "minority", 4));
  const auto leader = c().wait_for_leader(converge);
  ASSERT_TRUE(leader);
  for (node_id id = 1; id <= 3; ++id) {
    if (id != *leader) c().kill9(id);
  }

  // It steps down once it misses its majority, and then says no_quorum.
  std::optional<wire::client_response> resp;
  EXPECT_TRUE(eventually(
      [&] {
        resp = request(c().port(*leader), vote_request(b.election, "v1", "Bob", "raw-1"));
        return resp && resp->code == errc::no_quorum;
      },
      converge))
      << (resp ? resp->message : "no answer");
  expect_refused_for_want_of_quorum(b, c().direct_flags(*leader, 2), true);
  expect_refused_for_want_of_quorum(b, c().discovery_flags(2), false);
}

TEST_F(RoutingTest, FollowerLeftAloneRefusesWithExitThree) {
  make(3);
  ASSERT_TRUE(form_at_once());
  ballot b;
  ASSERT_TRUE(register_election(b, "minority", 4));
  const auto leader = c().wait_for_leader(converge);
  ASSERT_TRUE(leader);
  const node_id survivor = *leader == 1 ? 2 : 1;
  for (node_id id = 1; id <= 3; ++id) {
    if (id != survivor) c().kill9(id);
  }

  expect_refused_for_want_of_quorum(b, c().direct_flags(survivor, 2), true);
  expect_refused_for_want_of_quorum(b, c().discovery_flags(2), false);
  auto s = c().status(survivor);
  ASSERT_TRUE(s);
  EXPECT_NE(s->role, "leader") << "a lone member of three leads";
}

}  // namespace
}  // namespace vote::test
