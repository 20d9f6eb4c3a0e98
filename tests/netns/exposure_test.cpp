// The exposure rule (DESIGN.md §10 "Admin") on a real non-loopback address: a server inside a
// network namespace detects the lab's eth0 by itself (no --host, as on a LAN) and refuses to
// start without an admin token and a cluster key, unless told --insecure-admin and
// --insecure-cluster. Needs root and iproute2; skipped otherwise.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "vote/lab/chaos.hpp"

namespace vote::lab {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t port = 7320;

class ExposureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = netns_unavailable_reason()) GTEST_SKIP() << *why;
    remove_stale_namespaces();
    lab_ = std::make_unique<netns_lab>(netns_lab::options{.nodes = 1});
    work_ = test::make_temp_dir("vote-exposure-");
  }
  void TearDown() override {
    server_.reset();
    lab_.reset();
    std::error_code ec;
    if (!work_.empty()) std::filesystem::remove_all(work_, ec);
  }

  // vote-server in node 1's namespace with default address detection and `extra` flags.
  std::vector<std::string> args(std::vector<std::string> extra) const {
    std::vector<std::string> a = {"--port",
                                  std::to_string(port),
                                  "--data-dir",
                                  (work_ / "data").string(),
                                  "--discovery-window-ms",
                                  "0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  bool answers_status() {
    wire::client_request status;
    const net::endpoint at{lab_->node_address(1), port};
    return test::eventually(
               [&] {
                 if (!server_->running()) return true;
                 return run_in_netns(lab_->client_ns(), [&] { return exchange(at, status, 500ms); })
                     .has_value();
               },
               15s) &&
           server_->running();
  }

  std::unique_ptr<netns_lab> lab_;
  std::filesystem::path work_;
  std::unique_ptr<test::process> server_;
};

TEST_F(ExposureTest, ADetectedLanAddressWithoutTokenOrKeyRefusesToStartAndSaysHow) {
  const auto r = lab_->run(lab_->node_ns(1), test::bin("vote-server"), args({}), 20s);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(lab_->node_address(1)), std::string::npos) << r.err;
  for (const char* says : {"--admin-token-file", "vote-admin init", "/dev/urandom | base64",
                           "--insecure-admin", "--cluster-key-file", "--insecure-cluster"}) {
    EXPECT_NE(r.err.find(says), std::string::npos) << says << " missing from: " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(work_ / "data")) << "it touched its data directory";
}

TEST_F(ExposureTest, ATokenWithoutAKeyIsStillRefused) {
  std::ofstream(work_ / "admin-token") << "exposure-test-admin-token-0123\n";
  const auto r = lab_->run(lab_->node_ns(1), test::bin("vote-server"),
                           args({"--admin-token-file", (work_ / "admin-token").string()}), 20s);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--insecure-cluster"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("--insecure-admin"), std::string::npos) << r.err;
}

TEST_F(ExposureTest, ExplicitInsecureFlagsLetItServe) {
  server_ = lab_->spawn(lab_->node_ns(1), test::bin("vote-server"),
                        args({"--insecure-admin", "--insecure-cluster"}));
  ASSERT_TRUE(answers_status()) << server_->stderr_text();
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait(20s), 0) << server_->stderr_text();
  EXPECT_NE(server_->stderr_text().find("UNAUTHENTICATED"), std::string::npos);
}

TEST_F(ExposureTest, ATokenAndAKeyLetItServe) {
  std::ofstream(work_ / "admin-token") << "exposure-test-admin-token-0123\n";
  std::ofstream(work_ / "cluster-key") << "exposure-test-cluster-key-0123456789\n";
  server_ = lab_->spawn(lab_->node_ns(1), test::bin("vote-server"),
                        args({"--admin-token-file", (work_ / "admin-token").string(),
                              "--cluster-key-file", (work_ / "cluster-key").string()}));
  ASSERT_TRUE(answers_status()) << server_->stderr_text();
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait(20s), 0) << server_->stderr_text();
}

}  // namespace
}  // namespace vote::lab
