// Membership by hand (DESIGN.md §4 "Stop and leave", §2 vote-admin): --leave, removing a dead
// member, transferring leadership, and the explicitly unsafe force-new-cluster.
#include "cluster/cluster_fixture.hpp"

namespace vote::test {
namespace {

class MembershipTest : public ClusterTest {
 protected:
  node_id a_follower(node_id leader) { return leader == 1 ? 2 : 1; }
};

TEST_F(MembershipTest, LeaveOnStopRemovesTheServerAndTheRestKeepsServing) {
  make(3);
  ASSERT_TRUE(form_at_once({"--leave"}));
  ballot b;
  ASSERT_TRUE(register_election(b, "leave", 4));
  const auto leader = c().wait_for_leader(converge);
  ASSERT_TRUE(leader);
  const node_id leaving = a_follower(*leader);
  EXPECT_EQ(c().stop(leaving), 0);
  std::set<node_id> rest{1, 2, 3};
  rest.erase(leaving);
  ASSERT_TRUE(voters_become(rest));
  // Two voters left, both up: votes are still acknowledged and counted.
  ASSERT_TRUE(cast_range(b, 0, 2));
  close_and_expect_exact_tally(b);
}

TEST_F(MembershipTest, AdminRemovesADeadMemberSoThatItNoLongerCounts) {
  make(3);
  ASSERT_TRUE(form());
  const auto leader = c().wait_for_leader(converge);
  ASSERT_TRUE(leader);
  const node_id dead = a_follower(*leader);
  c().kill9(dead);
  auto r =
      client("vote-admin", {"remove", "--node", std::to_string(dead)}, c().direct_flags(*leader));
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  std::set<node_id> rest{1, 2, 3};
  rest.erase(dead);
  ASSERT_TRUE(voters_become(rest));
  // A member that is not there is refused, with exit code 1.
  r = client("vote-admin", {"remove", "--node", "99"}, c().direct_flags(*leader));
  EXPECT_EQ(r.code, 1) << r.err << r.out;
}

TEST_F(MembershipTest, TransferHandsLeadershipToTheNamedMember) {
  make(3);
  ASSERT_TRUE(form());
  const auto leader = c().wait_for_leader(converge);
  ASSERT_TRUE(leader);
  const node_id target = a_follower(*leader);
  auto r = client("vote-admin", {"transfer", "--node", std::to_string(target)},
                  c().direct_flags(*leader));
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_TRUE(c().wait_until_leader_is(target, converge));
}

TEST_F(MembershipTest, ForceNewClusterNeedsTheFlagThenLetsALoneSurvivorServe) {
  make(3);
  ASSERT_TRUE(form());
  ballot b;
  ASSERT_TRUE(register_election(b, "forced", 4));
  ASSERT_TRUE(cast_range(b, 0, 2));
  const auto leader = c().wait_for_leader(converge);
  ASSERT_TRUE(leader);
  const node_id survivor = *leader;  // holds every acknowledged vote
  for (node_id id = 1; id <= 3; ++id) {
    if (id != survivor) c().kill9(id);
  }
  auto r = client("vote-admin", {"force-new-cluster"}, c().direct_flags(survivor));
  EXPECT_EQ(r.code, 2) << "must refuse without the explicit flag: " << r.out;
  r = client("vote-admin", {"force-new-cluster", "--i-understand-this-may-lose-votes"},
             c().direct_flags(survivor));
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  ASSERT_TRUE(c().wait_until_leader_is(survivor, converge));
  EXPECT_EQ(voters_seen_by(survivor), std::set<node_id>{survivor});
  ASSERT_TRUE(cast(b, 2, c().direct_flags(survivor)));
  close_and_expect_exact_tally(b);
}

}  // namespace
}  // namespace vote::test
