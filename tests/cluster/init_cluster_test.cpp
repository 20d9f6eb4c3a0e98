// `vote-admin init` end to end: three servers started from the config files it writes form one
// cluster with its cluster key and admin token, and the admin runs an election with the token.
// The harness's loopback flags (--host 127.0.0.1, --broadcast, ports, data directories) come
// after --config on the command line and win over the file; everything else is the file's.
#include <cstdlib>
#include <fstream>

#include "cluster/cluster_fixture.hpp"

namespace vote::test {
namespace {

class InitClusterTest : public ClusterTest {
 protected:
  void TearDown() override {
    ClusterTest::TearDown();
    ::unsetenv("VOTE_TLS_CA");
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
};

TEST_F(InitClusterTest, ServersFromInitConfigFilesFormOneClusterThatObeysTheAdminToken) {
  dir_ = make_temp_dir("vote-init-");
  const auto secure = dir_ / "secure";
  const auto init = run("vote-admin",
                        {"init", secure.string(), "--servers", "127.0.0.1,127.0.0.1,127.0.0.1",
                         "--cluster", "init-lab"},
                        60s);
  ASSERT_EQ(init.code, 0) << init.err << init.out;
  EXPECT_NE(init.out.find("vote-server --config " + (secure / "server-1.toml").string()),
            std::string::npos)
      << init.out;

  // The servers speak TLS with init's certificates: the lab's status polls and the clients
  // trust init's CA.
  ::setenv("VOTE_TLS_CA", (secure / "ca.crt").c_str(), 1);
  make(3);
  for (node_id id = 1; id <= 3; ++id)
    c().launch(id, {"--config", (secure / ("server-" + std::to_string(id) + ".toml")).string()});
  // bootstrap-expect = 3 from the files: the three form one cluster and the highest id leads.
  ASSERT_TRUE(c().wait_until_leader_is(3, tenure));
  for (node_id id = 1; id <= 3; ++id) {
    const auto log = c().log_of(id);
    EXPECT_EQ(log.find("UNAUTHENTICATED"), std::string::npos) << "server " << id << ": " << log;
    EXPECT_EQ(log.find("no --admin-token-file"), std::string::npos) << "server " << id;
    EXPECT_NE(log.find("cluster 'init-lab'"), std::string::npos) << "server " << id << ": " << log;
  }

  const std::vector<std::string> election = {
      "--id", "e1", "--candidates", "Alice", "Bob", "--authorized-users", "v1", "v2", "v3"};
  auto flags = c().discovery_flags();
  auto no_token = client("register", election, flags);
  EXPECT_EQ(no_token.code, 1) << "registered without the token: " << no_token.out;
  auto admin = flags;
  admin.insert(admin.end(), {"--admin-token-file", (secure / "admin-token").string()});
  auto registered = client("register", election, admin);
  ASSERT_EQ(registered.code, 0) << registered.err << registered.out;
  for (const auto& [voter, candidate] : std::vector<std::pair<std::string, std::string>>{
           {"v1", "Alice"}, {"v2", "Bob"}, {"v3", "Alice"}}) {
    auto v =
        client("vote", {"--id", voter, "--candidate", candidate, "--election-id", "e1"}, flags);
    EXPECT_EQ(v.code, 0) << voter << ": " << v.err;
  }
  EXPECT_EQ(client("close", {"--id", "e1"}, flags).code, 1) << "closed without the token";
  auto closed = client("close", {"--id", "e1"}, admin);
  EXPECT_EQ(closed.code, 0) << closed.err;
  EXPECT_NE(closed.out.find("The winner is Alice"), std::string::npos) << closed.out;
}

}  // namespace
}  // namespace vote::test
