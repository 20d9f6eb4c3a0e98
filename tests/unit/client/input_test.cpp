// Client inputs: voter files, request ids, the shared flags.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "vote/client/cli.hpp"
#include "vote/client/request_id.hpp"
#include "vote/client/voters.hpp"

namespace vote::client {
namespace {

using strings = std::vector<std::string>;

class temp_file {
 public:
  explicit temp_file(const std::string& text)
      : path_(std::filesystem::temp_directory_path() / ("vote-client-test-" + make_request_id())) {
    std::ofstream(path_) << text;
  }
  ~temp_file() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(VoterList, SkipsBlankLinesAndComments) {
  EXPECT_EQ(parse_voter_list("alice\n\n# staff\n  bob  \r\n\t# x\ncarol"),
            (strings{"alice", "bob", "carol"}));
}

TEST(VoterList, EmptyTextGivesNoVoters) {
  EXPECT_TRUE(parse_voter_list("").empty());
  EXPECT_TRUE(parse_voter_list("\n# only a comment\n\n").empty());
}

TEST(RequestId, Is32HexCharactersAndFresh) {
  const auto a = make_request_id();
  EXPECT_EQ(a.size(), 32U);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(valid_request_id(a));
  EXPECT_NE(a, make_request_id());
}

TEST(RequestId, ValidatesUserInput) {
  EXPECT_TRUE(valid_request_id("retry-1_A"));
  EXPECT_FALSE(valid_request_id(""));
  EXPECT_FALSE(valid_request_id("has space"));
  EXPECT_FALSE(valid_request_id(std::string(129, 'a')));
}

common_options loopback_options() {
  common_options o;
  o.broadcast = "127.255.255.255";
  return o;
}

TEST(ResolveOptions, BadServerIsAUsageError) {
  auto o = loopback_options();
  o.broadcast.clear();
  o.server = "127.0.0.1:0";
  EXPECT_TRUE(std::holds_alternative<std::string>(resolve_options(o, {})));
}

TEST(ResolveOptions, BadBroadcastIsAUsageError) {
  auto o = loopback_options();
  o.broadcast = "not-an-address";
  EXPECT_TRUE(std::holds_alternative<std::string>(resolve_options(o, {})));
}

TEST(ResolveOptions, FillsCallOptions) {
  auto o = loopback_options();
  o.discovery_port = 40001;
  o.timeout_s = 1.5;
  o.request_id = "abc";
  const auto r = std::get<resolved_options>(resolve_options(o, {}));
  EXPECT_FALSE(r.call.server);
  EXPECT_EQ(r.call.discovery.broadcast, "127.255.255.255");
  EXPECT_EQ(r.call.discovery.port, 40001);
  EXPECT_EQ(r.call.timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(r.request_id, "abc");
}

TEST(ResolveOptions, GeneratesARequestIdWhenNoneIsGiven) {
  const auto r = std::get<resolved_options>(resolve_options(loopback_options(), {}));
  EXPECT_EQ(r.request_id.size(), 32U);
}

TEST(ResolveOptions, AdminTokenComesFromFlagThenFileThenEnvironment) {
  ::setenv("VOTE_ADMIN_TOKEN", "from-env", 1);
  const flag_groups admin{.admin = true};
  auto o = loopback_options();
  EXPECT_EQ(std::get<resolved_options>(resolve_options(o, admin)).admin_token, "from-env");
  temp_file f("from-file\nignored\n");
  o.admin_token_file = f.path();
  EXPECT_EQ(std::get<resolved_options>(resolve_options(o, admin)).admin_token, "from-file");
  o.admin_token = "from-flag";
  EXPECT_EQ(std::get<resolved_options>(resolve_options(o, admin)).admin_token, "from-flag");
  ::unsetenv("VOTE_ADMIN_TOKEN");
}

TEST(ResolveOptions, UnreadableAdminTokenFileIsAUsageError) {
  auto o = loopback_options();
  o.admin_token_file = "/nonexistent/token";
  EXPECT_TRUE(std::holds_alternative<std::string>(resolve_options(o, {.admin = true})));
}

TEST(ParseCommandLine, MapsParseErrorsToExit2AndHelpTo0) {
  common_options o;
  std::string id;
  CLI::App app{"test", "test"};
  app.add_option("--id", id)->required();
  add_common_flags(app, o, {});
  const char* missing[] = {"test"};
  EXPECT_EQ(parse_command_line(app, 1, missing), 2);
  const char* help[] = {"test", "--help"};
  testing::internal::CaptureStdout();
  EXPECT_EQ(parse_command_line(app, 2, help), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("Exit codes:"), std::string::npos);
  const char* good[] = {"test", "--id", "x", "--discovery_port", "40000", "--timeout", "2"};
  EXPECT_EQ(parse_command_line(app, 7, good), std::nullopt);
  EXPECT_EQ(o.discovery_port, 40000);
}

}  // namespace
}  // namespace vote::client
