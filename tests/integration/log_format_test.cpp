// vote-server --log-format json (node/log_format.hpp): a real server's whole stderr, from start
// to a SIGTERM stop, is one JSON object per line with the stable keys, and the role-change line
// is there and findable by its "event".
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "vote/lab/cluster.hpp"

namespace vote::test {
namespace {

using namespace std::chrono_literals;

TEST(LogFormatTest, JsonLogsAreOneObjectPerLineWithTheRoleChange) {
  cluster c({.size = 1, .log_level = "info"});
  c.start(1, {"--log-format", "json"});
  ASSERT_TRUE(c.wait_until_leader_is(1, 15s)) << c.logs();
  EXPECT_EQ(c.stop(1), 0) << c.logs();

  const std::string log = c.log_of(1);
  std::istringstream in(log);
  int lines = 0;
  bool led = false;
  bool stopped = false;
  for (std::string line; std::getline(in, line);) {
    ++lines;
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << "not JSON: " << line;
    ASSERT_TRUE(j.is_object()) << line;
    for (const char* key : {"ts", "level", "logger", "node", "event", "msg"}) {
      EXPECT_TRUE(j.contains(key)) << key << " missing: " << line;
    }
    EXPECT_TRUE(j.at("ts").is_string() && j.at("ts").get<std::string>().back() == 'Z') << line;
    EXPECT_TRUE(j.at("msg").is_string()) << line;
    const auto msg = j.at("msg").get<std::string>();
    if (j.at("event") == "role_change" && msg.rfind("node=1 role=leader ", 0) == 0) {
      led = true;
      EXPECT_EQ(j.at("node"), "1") << line;
      EXPECT_EQ(j.at("level"), "info") << line;
    }
    stopped = stopped || msg == "node=1 stopped";
  }
  EXPECT_GE(lines, 3) << log;
  EXPECT_TRUE(led) << "no role_change line to leader:\n" << log;
  EXPECT_TRUE(stopped) << "no stop line:\n" << log;
}

}  // namespace
}  // namespace vote::test
