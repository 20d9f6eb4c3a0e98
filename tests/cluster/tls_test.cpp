// TLS on every connection (DESIGN.md §10; docs/security.md "TLS"): three servers on loopback with
// certificates of one CA serve votes through the command-line clients; a plaintext client, and a
// server whose certificate comes from another CA, are refused.
//
// The lab's own requests (status polling) and the client binaries find the CA in $VOTE_TLS_CA,
// set for the whole test by the fixture.
#include <cstdlib>

#include "cluster_fixture.hpp"
#include "support/test_pki.hpp"

namespace vote::test {
namespace {

class TlsClusterTest : public ClusterTest {
 protected:
  void SetUp() override {
    server_ = pki_.issue("server");  // IP:127.0.0.1: one certificate serves all on loopback
    ::setenv("VOTE_TLS_CA", pki_.ca().c_str(), 1);
  }
  void TearDown() override {
    ClusterTest::TearDown();
    ::unsetenv("VOTE_TLS_CA");
  }

  std::vector<std::string> tls_flags(const test_pki& pki, const test_pki::issued& s) const {
    return {"--tls-cert", s.cert, "--tls-key", s.key, "--tls-ca", pki.ca()};
  }

  // Runs a client binary with `args` after the cluster's discovery flags.
  run_result client(const std::string& name, std::vector<std::string> args) {
    auto flags = c().discovery_flags();
    flags.insert(flags.end(), args.begin(), args.end());
    return run(name, flags);
  }

  test_pki pki_;
  test_pki::issued server_;
};

TEST_F(TlsClusterTest, ThreeServersServeVotesThroughTheClients) {
  make(3);
  ASSERT_TRUE(form_at_once(tls_flags(pki_, server_)));

  auto reg = client("register", {"--id", "e1", "--candidates", "Alice", "Bob", "--authorized-users",
                                 "v1", "v2", "v3"});
  ASSERT_EQ(reg.code, 0) << reg.err;
  // The flag works as well as the variable.
  auto v1 = client(
      "vote", {"--election-id", "e1", "--id", "v1", "--candidate", "Alice", "--tls-ca", pki_.ca()});
  EXPECT_EQ(v1.code, 0) << v1.err;
  auto v2 = client("vote", {"--election-id", "e1", "--id", "v2", "--candidate", "Alice"});
  EXPECT_EQ(v2.code, 0) << v2.err;
  auto v3 = run("vote", {"--server", c().endpoint(1), "--election-id", "e1", "--id", "v3",
                         "--candidate", "Bob"});  // a follower: redirected to the leader
  EXPECT_EQ(v3.code, 0) << v3.err;
  auto again = client("vote", {"--election-id", "e1", "--id", "v1", "--candidate", "Bob"});
  EXPECT_EQ(again.code, 1) << again.err;  // already voted: a refusal, over TLS

  auto closed = client("close", {"--id", "e1", "--json"});
  ASSERT_EQ(closed.code, 0) << closed.err;
  EXPECT_NE(closed.out.find("Alice"), std::string::npos);
  EXPECT_NE(closed.out.find("\"votes_cast\":3"), std::string::npos) << closed.out;

  auto members = run("vote-admin", {"members", "--server", c().endpoint(3)});
  EXPECT_EQ(members.code, 0) << members.err;
}

TEST_F(TlsClusterTest, PlaintextClientIsRefusedWithAClearError) {
  make(3);
  ASSERT_TRUE(form_at_once(tls_flags(pki_, server_)));
  ::unsetenv("VOTE_TLS_CA");  // for the client started now
  auto plain = client("vote-status", {});
  ::setenv("VOTE_TLS_CA", pki_.ca().c_str(), 1);
  EXPECT_NE(plain.code, 0);
  EXPECT_NE(plain.err.find("speaks TLS only"), std::string::npos) << plain.err;
  EXPECT_TRUE(c().wait_for_leader(converge));  // the servers carry on
}

TEST_F(TlsClusterTest, ServerWithCertificateOfAnotherCaNeverBecomesAVoter) {
  make(4);
  const std::vector<node_id> three = {1, 2, 3};
  auto flags = tls_flags(pki_, server_);
  auto settled = flags;
  settled.insert(settled.end(), {"--bootstrap-expect", "3"});
  c().start_all(settled, three);
  const auto leader = c().wait_for_leader(three, tenure);
  ASSERT_TRUE(leader);

  test_pki other;
  const auto foreign = other.issue("foreign");
  c().launch(4, tls_flags(other, foreign));  // not start(): our CA cannot query it
  // Its hellos (plain UDP, authenticated by the cluster key only; here there is none) make the
  // leader take it on as a learner, but no peer link between them survives the handshake: the
  // leader refuses its certificate, so it never catches up and never becomes a voter.
  const auto refused = [&] {
    const auto log = c().log_of(*leader);
    return log.find("peer 4 at") != std::string::npos &&
           log.find("its certificate is not trusted") != std::string::npos;
  };
  EXPECT_TRUE(eventually(refused, converge)) << c().log_of(*leader);
  EXPECT_EQ(voters_seen_by(*leader), (std::set<node_id>{1, 2, 3}));
  auto reg =
      client("register", {"--id", "e4", "--candidates", "A", "B", "--authorized-users", "v"});
  EXPECT_EQ(reg.code, 0) << reg.err;
  auto vote = client("vote", {"--election-id", "e4", "--id", "v", "--candidate", "A"});
  EXPECT_EQ(vote.code, 0) << vote.err;
  EXPECT_EQ(voters_seen_by(*leader), (std::set<node_id>{1, 2, 3}));
  EXPECT_EQ(c().wait_for_leader(three, converge), leader);
}

}  // namespace
}  // namespace vote::test
