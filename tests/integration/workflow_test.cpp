// The whole election workflow through the real clients against a real vote-server on loopback.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include "vote/lab/harness.hpp"

namespace vote::test {
namespace {

class WorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override { srv_.start(); }

  run_result client(const std::string& name, std::vector<std::string> args,
                    bool via_discovery = false) {
    auto flags = via_discovery ? srv_.discovery_flags() : srv_.direct_flags();
    args.insert(args.end(), flags.begin(), flags.end());
    return run(name, args);
  }
  run_result register_election(const std::string& id) {
    return client("register", {"--id", id, "--candidates", "Alice", "Bob", "Carol",
                               "--authorized-users", "u1", "u2", "u3", "u4"});
  }
  run_result vote(const std::string& voter, const std::string& candidate,
                  const std::string& election) {
    return client("vote", {"--id", voter, "--candidate", candidate, "--election-id", election});
  }

  server srv_;
};

TEST_F(WorkflowTest, RegisterVoteCloseThroughBroadcastDiscovery) {
  auto r = client("register",
                  {"--id", "e1", "--candidates", "Alice", "Bob", "--authorized_users", "u1", "u2"},
                  /*via_discovery=*/true);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Election e1 added successfully."), std::string::npos) << r.out;

  r = client("vote", {"--id", "u1", "--candidate", "Alice", "--election_id", "e1"}, true);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Vote for 'Alice' by user 'u1' has been registered."), std::string::npos);

  r = client("close", {"--id", "e1"}, true);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Election e1 ended. The winner is Alice."), std::string::npos) << r.out;
}

TEST_F(WorkflowTest, EveryKindOfRefusedVoteExitsOneWithTheSeedWording) {
  ASSERT_EQ(register_election("e2").code, 0);
  ASSERT_EQ(vote("u1", "Bob", "e2").code, 0);

  struct refusal {
    std::string voter, candidate, election, message;
  };
  const std::vector<refusal> refusals = {
      {"u2", "Bob", "nope", "Error: Election id nope unknown"},
      {"mallory", "Bob", "e2", "Error: User 'mallory' is not authorized to vote."},
      {"u2", "Dave", "e2", "Error: Candidate 'Dave' is not a valid candidate."},
      {"u1", "Alice", "e2", "Error: User 'u1' has already voted."},
  };
  for (const auto& f : refusals) {
    auto r = vote(f.voter, f.candidate, f.election);
    EXPECT_EQ(r.code, 1) << f.message;
    EXPECT_NE((r.out + r.err).find(f.message), std::string::npos) << r.out << r.err;
  }
  ASSERT_EQ(client("close", {"--id", "e2"}).code, 0);
  auto r = vote("u3", "Bob", "e2");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("Error: Election e2 is closed."), std::string::npos) << r.err;
}

TEST_F(WorkflowTest, RegisteringAnExistingIdIsRefusedAlsoAfterClose) {
  ASSERT_EQ(register_election("e3").code, 0);
  auto r = register_election("e3");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("Election id e3 already exists"), std::string::npos) << r.err;
  ASSERT_EQ(client("close", {"--id", "e3"}).code, 0);
  EXPECT_EQ(register_election("e3").code, 1);
}

TEST_F(WorkflowTest, CloseReportsFullTalliesAsJsonAndAgainOnSecondClose) {
  ASSERT_EQ(register_election("e4").code, 0);
  ASSERT_EQ(vote("u1", "Bob", "e4").code, 0);
  ASSERT_EQ(vote("u2", "Bob", "e4").code, 0);
  ASSERT_EQ(vote("u3", "Carol", "e4").code, 0);
  auto first = client("close", {"--id", "e4", "--json"});
  ASSERT_EQ(first.code, 0) << first.err;
  auto j = nlohmann::json::parse(first.out);
  EXPECT_EQ(j["election_id"], "e4");
  EXPECT_EQ(j["winner"], "Bob");
  EXPECT_EQ(j["tie"], false);
  EXPECT_EQ(j["tallies"]["Alice"], 0);
  EXPECT_EQ(j["tallies"]["Bob"], 2);
  EXPECT_EQ(j["tallies"]["Carol"], 1);
  auto second = client("close", {"--id", "e4", "--json"});
  ASSERT_EQ(second.code, 0);
  EXPECT_EQ(nlohmann::json::parse(second.out)["tallies"], j["tallies"]);
}

TEST_F(WorkflowTest, TieIsReportedAsATieWithoutAWinner) {
  ASSERT_EQ(register_election("e5").code, 0);
  ASSERT_EQ(vote("u1", "Alice", "e5").code, 0);
  ASSERT_EQ(vote("u2", "Bob", "e5").code, 0);
  auto r = client("close", {"--id", "e5", "--json"});
  ASSERT_EQ(r.code, 0);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tie"], true);
  EXPECT_TRUE(j["winner"].is_null());
  auto text = client("close", {"--id", "e5"});
  EXPECT_NE(text.out.find("tie"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("The winner is"), std::string::npos) << text.out;
}

TEST_F(WorkflowTest, BadInputIsAUsageErrorOrARefusal) {
  EXPECT_EQ(client("vote", {"--id", "u1", "--candidate", "A"}).code, 2);  // no --election-id
  EXPECT_EQ(run("vote", {"--id", "u1", "--candidate", "A", "--election-id", "e", "--server",
                         "not-an-endpoint"})
                .code,
            2);
  auto dup =
      client("register", {"--id", "e6", "--candidates", "A", "A", "--authorized-users", "u1"});
  EXPECT_EQ(dup.code, 1);
  EXPECT_NE(dup.err.find("twice"), std::string::npos) << dup.err;
}

TEST_F(WorkflowTest, NothingAnsweringMeansExitThreeWithinTheTimeout) {
  auto port = free_port();
  auto r =
      run("vote", {"--id", "u1", "--candidate", "A", "--election-id", "e", "--broadcast",
                   "127.255.255.255", "--discovery-port", std::to_string(port), "--timeout", "1"});
  EXPECT_EQ(r.code, 3);
  EXPECT_FALSE(r.err.empty());
}

TEST(AdminTokenTest, RegisterAndCloseNeedTheTokenWhenTheServerHasOne) {
  server srv(server::options{"s3cret-admin-token-123", {}});
  srv.start();
  auto args = std::vector<std::string>{
      "--id", "e1",       "--candidates", "A",         "--authorized-users",
      "u1",   "--server", srv.endpoint(), "--timeout", "5"};
  auto r = run("register", args);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("admin"), std::string::npos) << r.err;
  auto wrong = args;
  wrong.insert(wrong.end(), {"--admin-token", "wrong-token-wrong-token"});
  EXPECT_EQ(run("register", wrong).code, 1);
  auto right = args;
  right.insert(right.end(), {"--admin-token", "s3cret-admin-token-123"});
  EXPECT_EQ(run("register", right).code, 0);
}

// Without a token file the admin is the server's own user (or root) on its machine: a client
// run by another local user is refused, the server's user is served.
TEST(AdminWithoutTokenTest, AnotherLocalUserIsNotTheAdmin) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a client as another user";
  server srv;
  srv.start();
  const std::vector<std::string> args{
      "--id", "e1",       "--candidates", "A",         "--authorized-users",
      "u1",   "--server", srv.endpoint(), "--timeout", "5"};
  std::vector<std::string> as_nobody{"--reuid=65534", "--regid=65534", "--clear-groups",
                                     bin("register")};
  as_nobody.insert(as_nobody.end(), args.begin(), args.end());
  process other("/usr/bin/setpriv", as_nobody);
  EXPECT_EQ(other.wait(std::chrono::seconds(30)), 1);
  EXPECT_NE(other.stderr_text().find("only the admin"), std::string::npos) << other.stderr_text();
  EXPECT_EQ(run("register", args).code, 0);  // the server's own user (root here)
}

}  // namespace
}  // namespace vote::test
