// vote-admin init (include/vote/client/init.hpp): the files, their modes and formats, config
// files that CLI11 reads back into the server's flags, certificates that chain, and no overwrite
// without --force.
#include "vote/client/init.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

#include "pki_support.hpp"
#include "vote/client/voters.hpp"
#include "vote/net/cluster_key.hpp"

namespace vote::client {
namespace {

namespace fs = std::filesystem;
using namespace test_pki;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

class InitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "vote-init-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    root_ = templ;
    // A space and a comma: both must survive the config file.
    options_.dir = (root_ / "my vote,cluster").string();
    options_.servers = {"192.168.7.11", "192.168.7.12", "192.168.7.13"};
    options_.port = 7101;
    options_.cluster = "lab-1";
  }
  void TearDown() override { fs::remove_all(root_); }

  int init(const init_options& o) {
    out_.str("");
    err_.str("");
    return run_init(o, out_, err_);
  }
  fs::path dir() const { return options_.dir; }

  fs::path root_;
  init_options options_;
  std::ostringstream out_, err_;
};

TEST_F(InitTest, WritesEveryFileWithItsMode) {
  ASSERT_EQ(init(options_), 0) << err_.str();
  const std::map<std::string, unsigned> expected = {
      {"cluster-key", 0600},  {"admin-token", 0600},   {"ca.key", 0600},
      {"ca.crt", 0644},       {"client.env", 0644},    {"server-1.key", 0600},
      {"server-1.crt", 0644}, {"server-1.toml", 0644}, {"server-2.key", 0600},
      {"server-2.crt", 0644}, {"server-2.toml", 0644}, {"server-3.key", 0600},
      {"server-3.crt", 0644}, {"server-3.toml", 0644},
  };
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir())) {
    ++files;
    const auto name = entry.path().filename().string();
    ASSERT_TRUE(expected.count(name)) << "unexpected file " << name;
    EXPECT_EQ(mode_of(entry.path()), expected.at(name)) << name;
  }
  EXPECT_EQ(files, expected.size());
  EXPECT_EQ(mode_of(dir()), 0700u);  // made by init: only the admin can list it
}

TEST_F(InitTest, SecretsAreInTheFormatsTheServersAndClientsRead) {
  ASSERT_EQ(init(options_), 0) << err_.str();
  EXPECT_NO_THROW(net::cluster_key::from_file((dir() / "cluster-key").string()));
  std::string error;
  const auto token = read_secret_file((dir() / "admin-token").string(), error);
  ASSERT_TRUE(token) << error;
  EXPECT_EQ(token->size(), 64u);  // 32 random bytes in hex; servers need at least 16 characters
  EXPECT_EQ(token->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(slurp(dir() / "cluster-key"), slurp(dir() / "admin-token"));
}

// The server's own flag names, read by the same CLI11 TOML reader vote-server uses (--config);
// extras are refused, so a misspelt key fails here.
TEST_F(InitTest, ServerConfigsReadBackThroughCli11IntoTheServerFlags) {
  ASSERT_EQ(init(options_), 0) << err_.str();
  const auto abs = fs::absolute(dir()).lexically_normal();
  for (std::size_t i = 1; i <= 3; ++i) {
    CLI::App app;
    std::map<std::string, std::string> v;
    for (const char* key :
         {"host", "broadcast", "port", "cluster", "bootstrap-expect", "cluster-key-file",
          "admin-token-file", "tls-cert", "tls-key", "tls-ca", "data-dir"}) {
      app.add_option(std::string("--") + key, v[key]);
    }
    app.set_config("--config");
    app.allow_config_extras(false);
    const auto path = (dir() / ("server-" + std::to_string(i) + ".toml")).string();
    const std::string config_flag = "--config";
    const char* argv[] = {"vote-server", config_flag.c_str(), path.c_str()};
    ASSERT_NO_THROW(app.parse(3, argv)) << slurp(path);
    const auto n = std::to_string(i);
    EXPECT_EQ(v["host"], options_.servers[i - 1]);
    EXPECT_EQ(v["broadcast"], "");  // detected on the server's own network
    EXPECT_EQ(v["port"], "7101");
    EXPECT_EQ(v["cluster"], "lab-1");
    EXPECT_EQ(v["bootstrap-expect"], "3");
    EXPECT_EQ(v["cluster-key-file"], (abs / "cluster-key").string());
    EXPECT_EQ(v["admin-token-file"], (abs / "admin-token").string());
    EXPECT_EQ(v["tls-cert"], (abs / ("server-" + n + ".crt")).string());
    EXPECT_EQ(v["tls-key"], (abs / ("server-" + n + ".key")).string());
    EXPECT_EQ(v["tls-ca"], (abs / "ca.crt").string());
    EXPECT_EQ(v["data-dir"], (abs / ("data-" + n)).string());
    EXPECT_TRUE(fs::path(v["data-dir"]).is_absolute());
  }
}

TEST_F(InitTest, LoopbackServersAlsoGetTheLoopbackBroadcast) {
  options_.servers = {"127.0.0.1", "10.0.0.2"};
  ASSERT_EQ(init(options_), 0) << err_.str();
  EXPECT_NE(slurp(dir() / "server-1.toml").find("broadcast = \"127.255.255.255\""),
            std::string::npos);
  EXPECT_EQ(slurp(dir() / "server-2.toml").find("broadcast"), std::string::npos);
}

TEST_F(InitTest, ServersSharingAnAddressGetConsecutivePorts) {
  options_.servers = {"127.0.0.1", "10.0.0.2", "127.0.0.1"};
  ASSERT_EQ(init(options_), 0) << err_.str();
  const std::string port = "port = " + std::to_string(options_.port);
  EXPECT_NE(slurp(dir() / "server-1.toml").find(port + "\n"), std::string::npos);
  EXPECT_NE(slurp(dir() / "server-2.toml").find(port + "\n"), std::string::npos);
  EXPECT_NE(slurp(dir() / "server-3.toml").find("port = " + std::to_string(options_.port + 1)),
            std::string::npos);
}

TEST_F(InitTest, EachServerCertificateChainsToTheCaAndNamesItsOwnIp) {
  ASSERT_EQ(init(options_), 0) << err_.str();
  auto ca = read_cert(slurp(dir() / "ca.crt"));
  ASSERT_TRUE(ca);
  EXPECT_EQ(X509_check_private_key(ca.get(), read_key(slurp(dir() / "ca.key")).get()), 1);
  for (std::size_t i = 1; i <= 3; ++i) {
    const auto n = "server-" + std::to_string(i);
    auto cert = read_cert(slurp(dir() / (n + ".crt")));
    auto key = read_key(slurp(dir() / (n + ".key")));
    ASSERT_TRUE(cert && key) << n;
    EXPECT_EQ(verify_chain(ca.get(), cert.get(), X509_PURPOSE_SSL_SERVER), X509_V_OK) << n;
    EXPECT_EQ(verify_chain(ca.get(), cert.get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK) << n;
    EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1) << n;
    for (std::size_t j = 1; j <= 3; ++j) {
      EXPECT_EQ(X509_check_ip_asc(cert.get(), options_.servers[j - 1].c_str(), 0), i == j ? 1 : 0)
          << n << " and " << options_.servers[j - 1];
    }
    EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 0) << n;
  }
}

TEST_F(InitTest, TellsTheAdminWhatToCopyAndRun) {
  ASSERT_EQ(init(options_), 0) << err_.str();
  const auto abs = fs::absolute(dir()).lexically_normal();
  const auto out = out_.str();
  EXPECT_NE(out.find("vote-server --config " + (abs / "server-2.toml").string()), std::string::npos)
      << out;
  EXPECT_NE(out.find("export VOTE_TLS_CA=" + (abs / "ca.crt").string()), std::string::npos) << out;
  EXPECT_NE(out.find((abs / "admin-token").string()), std::string::npos) << out;
  const auto env = slurp(dir() / "client.env");
  EXPECT_NE(env.find("export VOTE_TLS_CA=\"" + (abs / "ca.crt").string() + "\""), std::string::npos)
      << env;
  EXPECT_NE(env.find("VOTE_ADMIN_TOKEN"), std::string::npos) << env;
  EXPECT_EQ(env.find(slurp(dir() / "admin-token").substr(0, 64)), std::string::npos)
      << "client.env must point at the token, not hold it";
}

TEST_F(InitTest, ExistingFilesAreNeverReplacedWithoutForce) {
  ASSERT_EQ(init(options_), 0) << err_.str();
  const auto token = slurp(dir() / "admin-token");
  const auto ca = slurp(dir() / "ca.crt");
  EXPECT_EQ(init(options_), 2);
  EXPECT_NE(err_.str().find("--force"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("admin-token"), std::string::npos) << err_.str();
  EXPECT_EQ(slurp(dir() / "admin-token"), token);
  EXPECT_EQ(slurp(dir() / "ca.crt"), ca);

  auto forced = options_;
  forced.force = true;
  ASSERT_EQ(init(forced), 0) << err_.str();
  EXPECT_NE(slurp(dir() / "admin-token"), token);
  EXPECT_NE(slurp(dir() / "ca.crt"), ca);
  EXPECT_EQ(mode_of(dir() / "admin-token"), 0600u);
}

TEST_F(InitTest, OneExistingFileOrSymlinkIsEnoughToRefuse) {
  fs::create_directories(dir());
  fs::create_symlink(root_ / "elsewhere", dir() / "server-2.key");  // dangling
  EXPECT_EQ(init(options_), 2);
  EXPECT_NE(err_.str().find("server-2.key"), std::string::npos) << err_.str();
  EXPECT_FALSE(fs::exists(dir() / "admin-token"));
  EXPECT_FALSE(fs::exists(root_ / "elsewhere"));
}

TEST_F(InitTest, BadFlagsAreUsageErrorsAndWriteNothing) {
  const std::vector<std::pair<std::function<void(init_options&)>, std::string>> cases = {
      {[](init_options& o) {
         o.servers = {"10.0.0.1", "10.0.0"};
       },
       "10.0.0"},
      {[](init_options& o) {
         o.servers = {"10.0.0.1", "laptop2"};
       },
       "laptop2"},
      {[](init_options& o) { o.servers = {}; }, "--servers"},
      {[](init_options& o) { o.servers = {"0.0.0.0"}; }, "0.0.0.0"},
      {[](init_options& o) { o.port = 0; }, "--port"},
      {[](init_options& o) { o.cluster = "a\"b"; }, "--cluster"},
      {[](init_options& o) { o.cluster = ""; }, "--cluster"},
      {[this](init_options& o) { o.dir = (root_ / "a#b").string(); }, "a#b"},
      {[this](init_options& o) { o.dir = (root_ / "a\"b").string(); }, "a\"b"},
  };
  for (const auto& [mutate, says] : cases) {
    auto o = options_;
    mutate(o);
    EXPECT_EQ(init(o), 2) << says;
    EXPECT_NE(err_.str().find(says), std::string::npos) << err_.str();
  }
  EXPECT_TRUE(fs::is_empty(root_)) << "a refused init created something";
}

TEST_F(InitTest, ADirThatIsAFileIsRefused) {
  std::ofstream(root_ / "plain") << "x";
  options_.dir = (root_ / "plain").string();
  EXPECT_EQ(init(options_), 2);
  EXPECT_NE(err_.str().find("not a directory"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace vote::client
