#include "vote/node/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace vote::node {
namespace {

server_config valid() {
  server_config c;
  c.port = 7000;
  return c;
}

TEST(ConfigTest, DefaultsFillTheDataDirectoryFromThePort) {
  auto c = valid();
  validate(c);
  EXPECT_EQ(c.data_dir, "./vote-data-7000");
  EXPECT_EQ(c.discovery_port, 52342);
}

TEST(ConfigTest, EachOutOfRangeValueNamesItsFlag) {
  const std::vector<std::pair<std::function<void(server_config&)>, std::string>> cases = {
      {[](server_config& c) { c.port = 0; }, "--port"},
      {[](server_config& c) { c.discovery_port = 0; }, "--discovery-port"},
      {[](server_config& c) { c.host = "10.0.0"; }, "--host"},
      {[](server_config& c) { c.broadcast = "x"; }, "--broadcast"},
      {[](server_config& c) { c.cluster = ""; }, "--cluster"},
      {[](server_config& c) { c.max_frame_bytes = 10; }, "--max-frame-bytes"},
      {[](server_config& c) { c.max_connections = 0; }, "--max-connections"},
      {[](server_config& c) { c.id = 0; }, "--id"},
      {[](server_config& c) { c.log_level = "loud"; }, "--log-level"},
      {[](server_config& c) { c.log_format = "xml"; }, "--log-format"},
  };
  for (const auto& [mutate, flag] : cases) {
    auto c = valid();
    mutate(c);
    try {
      validate(c);
      ADD_FAILURE() << "accepted a bad " << flag;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
    }
  }
}

TEST(ConfigTest, ExplicitValuesAreKept) {
  auto c = valid();
  c.host = "127.0.0.1";
  c.broadcast = "127.255.255.255";
  c.data_dir = "/tmp/x";
  validate(c);
  EXPECT_EQ(c.data_dir, "/tmp/x");
}

// The message of the invalid_argument `f` throws; "" when it throws nothing.
template <class F>
std::string refusal(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ExposureRuleTest, ALoopbackServerNeedsNeitherTokenNorKey) {
  for (const char* host : {"127.0.0.1", "127.4.5.6"}) {
    auto c = valid();
    c.host = host;
    EXPECT_EQ(refusal([&] { validate(c); }), "") << host;
  }
}

TEST(ExposureRuleTest, ANonLoopbackServerWithoutTokenIsRefusedWithHowToMakeOne) {
  auto c = valid();
  c.host = "192.168.1.20";
  c.cluster_key_file = "/some/key";
  const auto why = refusal([&] { validate(c); });
  EXPECT_TRUE(has(why, "192.168.1.20")) << why;
  EXPECT_TRUE(has(why, "--admin-token-file")) << why;
  EXPECT_TRUE(has(why, "vote-admin init")) << why;
  EXPECT_TRUE(has(why, "head -c 32 /dev/urandom | base64 > admin-token")) << why;
  EXPECT_TRUE(has(why, "--insecure-admin")) << why;
  EXPECT_FALSE(has(why, "--insecure-cluster")) << why;
}

TEST(ExposureRuleTest, ANonLoopbackServerWithoutClusterKeyIsRefused) {
  auto c = valid();
  c.host = "10.0.0.5";
  c.admin_token_file = "/some/token";
  const auto why = refusal([&] { validate(c); });
  EXPECT_TRUE(has(why, "--cluster-key-file")) << why;
  EXPECT_TRUE(has(why, "--insecure-cluster")) << why;
  EXPECT_FALSE(has(why, "--insecure-admin")) << why;
}

TEST(ExposureRuleTest, BothMissingAreNamedInOneMessage) {
  auto c = valid();
  c.host = "0.0.0.0";  // every interface: not loopback
  const auto why = refusal([&] { validate(c); });
  EXPECT_TRUE(has(why, "--admin-token-file") && has(why, "--cluster-key-file")) << why;
}

TEST(ExposureRuleTest, FilesOrExplicitInsecureFlagsSatisfyIt) {
  auto files = valid();
  files.host = "10.0.0.5";
  files.admin_token_file = "/some/token";
  files.cluster_key_file = "/some/key";
  EXPECT_EQ(refusal([&] { validate(files); }), "");
  auto insecure = valid();
  insecure.host = "10.0.0.5";
  insecure.insecure_admin = true;
  insecure.insecure_cluster = true;
  EXPECT_EQ(refusal([&] { validate(insecure); }), "");
  auto mixed = valid();
  mixed.host = "10.0.0.5";
  mixed.admin_token_file = "/some/token";
  mixed.insecure_cluster = true;
  EXPECT_EQ(refusal([&] { validate(mixed); }), "");
}

// Without --host the address is detected at start; serve() applies the rule to it.
TEST(ExposureRuleTest, TheDetectedAddressIsCheckedLikeAnExplicitOne) {
  auto c = valid();
  EXPECT_EQ(refusal([&] { validate(c); }), "");  // nothing known yet
  EXPECT_TRUE(has(refusal([&] { check_exposure(c, "192.168.1.20"); }), "--admin-token-file"));
  EXPECT_EQ(refusal([&] { check_exposure(c, "127.0.0.1"); }), "");  // the loopback fallback
}

TEST(ExposureRuleTest, LoopbackIsExactly127Slash8) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.255.255.254"));
  EXPECT_FALSE(is_loopback("128.0.0.1"));
  EXPECT_FALSE(is_loopback("126.255.255.255"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("localhost"));
  EXPECT_FALSE(is_loopback(""));
}

class TlsFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("vote-config-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    for (const char* f : {"a.crt", "a.key", "ca.crt"}) std::ofstream(dir_ / f) << "PEM\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  server_config with(const std::string& cert, const std::string& key, const std::string& ca) {
    auto c = valid();
    c.tls_cert = cert;
    c.tls_key = key;
    c.tls_ca = ca;
    return c;
  }
  std::string file(const char* name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(TlsFlagsTest, AllThreeReadableFilesOrNoneAreAccepted) {
  auto none = with("", "", "");
  EXPECT_EQ(refusal([&] { validate(none); }), "");
  auto all = with(file("a.crt"), file("a.key"), file("ca.crt"));
  EXPECT_EQ(refusal([&] { validate(all); }), "");
}

TEST_F(TlsFlagsTest, SomeButNotAllAreRefused) {
  auto two = with(file("a.crt"), file("a.key"), "");
  EXPECT_TRUE(has(refusal([&] { validate(two); }), "all three or none"));
  auto one = with("", "", file("ca.crt"));
  EXPECT_TRUE(has(refusal([&] { validate(one); }), "all three or none"));
}

TEST_F(TlsFlagsTest, AMissingFileOrADirectoryIsRefusedByItsFlag) {
  auto missing = with(file("a.crt"), file("nope.key"), file("ca.crt"));
  EXPECT_TRUE(has(refusal([&] { validate(missing); }), "--tls-key"));
  auto directory = with(file("a.crt"), file("a.key"), dir_.string());
  EXPECT_TRUE(has(refusal([&] { validate(directory); }), "--tls-ca"));
}

}  // namespace
}  // namespace vote::node
