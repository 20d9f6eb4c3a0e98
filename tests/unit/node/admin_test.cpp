#include "vote/node/machine/admin.hpp"

#include "vote/node/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace vote::node {
namespace {

constexpr std::uint32_t server_uid = 1000;

wire::request_origin from(bool same_host, std::optional<std::uint32_t> uid) {
  return {.remote_address = same_host ? "127.0.0.1" : "10.0.0.9",
          .same_host = same_host,
          .local_uid = [uid] { return uid; }};
}

wire::request_origin local(std::uint32_t uid) {
  return from(true, uid);
}

TEST(AdminPolicyTest, WithoutATokenTheServersUserOnItsMachineIsAdmin) {
  admin_policy p(server_uid);
  EXPECT_TRUE(p.authorize("", local(server_uid)).ok());
  EXPECT_TRUE(p.authorize("anything", local(server_uid)).ok());
}

TEST(AdminPolicyTest, WithoutATokenRootOnTheServersMachineIsAdmin) {
  EXPECT_TRUE(admin_policy(server_uid).authorize("", local(0)).ok());
}

TEST(AdminPolicyTest, WithoutATokenAnotherLocalUserIsNotAdmin) {
  auto other = admin_policy(server_uid).authorize("", local(1001));
  EXPECT_EQ(other.code, errc::unauthorized);
  EXPECT_NE(other.message.find("uid 1000"), std::string::npos) << other.message;
}

TEST(AdminPolicyTest, WithoutATokenALocalConnectionOfUnknownOwnerIsNotAdmin) {
  auto unknown = admin_policy(server_uid).authorize("", from(true, std::nullopt));
  EXPECT_EQ(unknown.code, errc::unauthorized);
}

TEST(AdminPolicyTest, WithoutATokenAnotherMachineIsNotAdminWhateverItClaims) {
  // A uid can only come from this machine's socket table; a remote origin never has one, but
  // even if it did, it is not trusted.
  auto remote = admin_policy(server_uid).authorize("", from(false, server_uid));
  EXPECT_EQ(remote.code, errc::unauthorized);
  EXPECT_NE(remote.message.find("own machine"), std::string::npos);
}

TEST(AdminPolicyTest, WithATokenEveryoneMustPresentIt) {
  admin_policy p("correct horse battery staple");
  EXPECT_TRUE(p.authorize("correct horse battery staple", {}).ok());
  EXPECT_EQ(p.authorize("", local(0)).code, errc::unauthorized);
  EXPECT_EQ(p.authorize("correct horse battery stapl", local(server_uid)).code, errc::unauthorized);
  EXPECT_EQ(p.authorize("correct horse battery staple!", {}).code, errc::unauthorized);
}

// A stand-in digest (the server gives SHA-256): reversing is enough to show that only the
// digest is kept and compared.
std::string reversed(std::string_view s) {
  return {s.rbegin(), s.rend()};
}

TEST(AdminPolicyTest, WithADigestOnlyTheDigestIsKeptAndCompared) {
  admin_policy p("correct horse battery staple", reversed);
  EXPECT_TRUE(p.authorize("correct horse battery staple", {}).ok());
  EXPECT_EQ(p.authorize("elpats yrettab esroh tcerroc", {}).code, errc::unauthorized);
  EXPECT_EQ(p.authorize("correct horse battery stapl", {}).code, errc::unauthorized);
}

TEST(AdminPolicyTest, TokenFileIsTrimmedAndMustBeLongEnough) {
  auto dir = std::filesystem::temp_directory_path() / "vote-admin-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "good") << "  0123456789abcdef-token \n";
  std::ofstream(dir / "short") << "abc\n";
  EXPECT_EQ(load_admin_token((dir / "good").string()), "0123456789abcdef-token");
  EXPECT_THROW(load_admin_token((dir / "short").string()), std::invalid_argument);
  EXPECT_THROW(load_admin_token((dir / "missing").string()), std::invalid_argument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vote::node
