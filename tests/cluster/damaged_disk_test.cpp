// Damaged data directories in a cluster (issue 8, finding 2): a server whose WAL segment,
// snapshot or log was deleted refuses to start (exit 4) instead of rejoining with less than it
// acknowledged, so that two damaged servers can never form a majority that loses votes. Wiped
// and rejoined as new members, the servers serve again and every acknowledged vote still counts.
#include <algorithm>
#include <filesystem>

#include "cluster/cluster_fixture.hpp"

namespace vote::test {
namespace {

namespace fs = std::filesystem;

class DamagedDiskTest : public ClusterTest {
 protected:
  fs::path data(node_id id) { return c().data_dir(id); }

  std::vector<fs::path> files(const fs::path& dir, const std::string& suffix) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().string().ends_with(suffix)) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  void delete_last_segment(node_id id) {
    auto segments = files(data(id) / "wal", ".log");
    ASSERT_FALSE(segments.empty());
    fs::remove(segments.back());
  }
  void empty_the_log(node_id id) {
    for (const auto& s : files(data(id) / "wal", ".log")) fs::remove(s);
  }
  void delete_snapshot(node_id id) {
    auto snapshots = files(data(id), ".snap");
    ASSERT_EQ(snapshots.size(), 1u) << "server " << id << " has no snapshot to delete";
    fs::remove(snapshots.front());
  }
  // Starting `id` is refused with exit 4 and the operator's message.
  ::testing::AssertionResult refuses_to_start(node_id id) {
    auto& p = c().launch(id, {});
    const auto code = p.wait(20s);
    const std::string err = p.stderr_text();
    if (code == 4 && err.find("is damaged") != std::string::npos &&
        err.find("A server refuses to start: damaged data directory") != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "server " << id << " exit " << (code ? std::to_string(*code) : "none") << ": " << err;
  }
  std::vector<node_id> others(node_id id) {
    std::vector<node_id> out;
    for (node_id other = 1; other <= c().size(); ++other) {
      if (other != id) out.push_back(other);
    }
    return out;
  }
};

TEST_F(DamagedDiskTest, OneServerWithoutItsSnapshotRefusesTheOthersServeAndItRejoinsWiped) {
  make(3);
  ASSERT_TRUE(form({"--snapshot-every", "10"}));
  ballot b;
  ASSERT_TRUE(register_election(b, "snap", 40));
  ASSERT_TRUE(cast_range(b, 0, 30));
  const auto leader = c().wait_for_leader(converge);
  ASSERT_TRUE(leader);
  const node_id damaged = others(*leader).front();
  ASSERT_TRUE(c().wait_caught_up(damaged, converge));
  c().kill9(damaged);
  delete_snapshot(damaged);
  ASSERT_TRUE(refuses_to_start(damaged));
  // The other two are a majority: votes are still acknowledged.
  ASSERT_TRUE(cast_range(b, 30, 35));
  auto r = client("vote-admin", {"remove", "--node", std::to_string(damaged)},
                  c().direct_flags(*leader));
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  c().wipe(damaged);
  c().start(damaged, {"--snapshot-every", "10"});
  ASSERT_TRUE(voters_become({1, 2, 3}));
  ASSERT_TRUE(cast_range(b, 35, 40));
  close_and_expect_exact_tally(b);
}

TEST_F(DamagedDiskTest, ADamagedMajorityRefusesToStartAndNoAcknowledgedVoteIsLost) {
  make(3);
  ASSERT_TRUE(form());
  ballot b;
  ASSERT_TRUE(register_election(b, "majority", 60));
  ASSERT_TRUE(cast_range(b, 0, 40));
  const auto leader = c().wait_for_leader(converge);
  ASSERT_TRUE(leader);
  const node_id intact = *leader;  // it holds every acknowledged vote
  const auto damaged = others(intact);
  for (node_id id = 1; id <= 3; ++id) c().kill9(id);
  delete_last_segment(damaged[0]);
  empty_the_log(damaged[1]);
  // Neither damaged server starts: they cannot form a majority that has forgotten the votes.
  ASSERT_TRUE(refuses_to_start(damaged[0]));
  ASSERT_TRUE(refuses_to_start(damaged[1]));
  // The operator recovers knowingly: the intact server alone, then the others wiped and new.
  c().start(intact);
  auto r = client("vote-admin", {"force-new-cluster", "--i-understand-this-may-lose-votes"},
                  c().direct_flags(intact));
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  ASSERT_TRUE(c().wait_until_leader_is(intact, converge));
  for (node_id id : damaged) {
    c().wipe(id);
    c().start(id);
  }
  ASSERT_TRUE(voters_become({1, 2, 3}));
  // Every vote acknowledged before the damage is counted, and the cluster takes new ones.
  ASSERT_TRUE(cast_range(b, 40, 60));
  close_and_expect_exact_tally(b);
}

}  // namespace
}  // namespace vote::test
