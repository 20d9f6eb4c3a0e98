#include "vote/node/admin.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace vote::node {
namespace {

TEST(AdminPolicyTest, WithoutATokenOnlyTheServersOwnMachineIsAdmin) {
  admin_policy p;
  EXPECT_TRUE(p.authorize("", true).ok());
  EXPECT_TRUE(p.authorize("anything", true).ok());
  auto remote = p.authorize("", false);
  EXPECT_EQ(remote.code, errc::unauthorized);
  EXPECT_NE(remote.message.find("own machine"), std::string::npos);
}

TEST(AdminPolicyTest, WithATokenEveryoneMustPresentIt) {
  admin_policy p("correct horse battery staple");
  EXPECT_TRUE(p.authorize("correct horse battery staple", false).ok());
  EXPECT_EQ(p.authorize("", true).code, errc::unauthorized);
  EXPECT_EQ(p.authorize("correct horse battery stapl", true).code, errc::unauthorized);
  EXPECT_EQ(p.authorize("correct horse battery staple!", false).code, errc::unauthorized);
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
