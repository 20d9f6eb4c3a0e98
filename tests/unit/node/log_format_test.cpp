// --log-format json (node/log_format.hpp): one object per line with the stable keys, the message
// escaped whatever it holds, the node id and the role-change event lifted out of it.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "vote/node/log_format.hpp"

namespace vote::node {
namespace {

// 2026-12-05T03:00:00.123Z
const auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796439600123));

nlohmann::json line(std::string_view msg, std::string_view level = "info",
                    std::string_view logger = "server") {
  const auto text = json_log_line(when, level, logger, msg);
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  return nlohmann::json::parse(text);
}

TEST(JsonLog, HasTheStableKeysInOrder) {
  const auto text = json_log_line(when, "info", "server", "recovery: snapshot up to 0");
  EXPECT_EQ(text,
            R"({"ts":"2026-12-05T03:00:00.123Z","level":"info","logger":"server","node":null,)"
            R"("event":null,"msg":"recovery: snapshot up to 0"})");
}

TEST(JsonLog, LiftsTheNodeIdAsAStringAndKeepsTheMessage) {
  const auto j = line("node=1796526000123456789 listening on 127.0.0.1:7001");
  EXPECT_EQ(j["node"], "1796526000123456789");
  EXPECT_TRUE(j["event"].is_null());
  EXPECT_EQ(j["msg"], "node=1796526000123456789 listening on 127.0.0.1:7001");
}

TEST(JsonLog, MarksTheRoleAndLeaderChangeLines) {
  auto j = line("node=3 role=leader epoch=2 members=[1 2 3]");
  EXPECT_EQ(j["node"], "3");
  EXPECT_EQ(j["event"], "role_change");
  EXPECT_EQ(j["msg"], "node=3 role=leader epoch=2 members=[1 2 3]");
  EXPECT_EQ(line("node=3 leader=3 at 127.0.0.1:7003 epoch=2")["event"], "leader_change");
  EXPECT_TRUE(line("role=leader without a node")["event"].is_null());
}

TEST(JsonLog, OnlyAWholeLeadingNodeFieldIsLifted) {
  EXPECT_TRUE(line("node=12x role=leader")["node"].is_null());
  EXPECT_TRUE(line("node= role=leader")["node"].is_null());
  EXPECT_TRUE(line("a node=3 role=leader")["node"].is_null());
  EXPECT_EQ(line("node=7")["node"], "7");
}

TEST(JsonLog, EscapesQuotesBackslashesNewlinesAndControlCharacters) {
  const std::string msg = "say \"hi\" \\ tab\there\nnext line\r\x01\x1f end";
  const auto text = json_log_line(when, "warning", "net", msg);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_NE(text.find(R"(say \"hi\" \\ tab\there\nnext line\r\u0001\u001f end)"), std::string::npos)
      << text;
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["msg"], msg);
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["logger"], "net");
}

TEST(JsonLog, InvalidUtf8BecomesTheReplacementCharacter) {
  const auto j = line("peer sent \xff\xfe junk \xc3");
  EXPECT_EQ(j["msg"], "peer sent \xef\xbf\xbd\xef\xbf\xbd junk \xef\xbf\xbd");
  EXPECT_EQ(line("élection ✓")["msg"], "élection ✓");  // valid UTF-8 is kept as is
}

TEST(JsonLog, TheFormatterWritesOneObjectPerLineThroughSpdlog) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  spdlog::logger logger("storage", sink);
  logger.set_formatter(std::make_unique<json_log_formatter>());
  logger.set_level(spdlog::level::trace);
  logger.warn("two\nlines {}", 42);
  logger.info("node=5 role=follower epoch=9 members=[5]");
  std::istringstream in(out.str());
  std::vector<nlohmann::json> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(lines.size(), 2U) << out.str();
  EXPECT_EQ(lines[0]["level"], "warning");
  EXPECT_EQ(lines[0]["logger"], "storage");
  EXPECT_EQ(lines[0]["msg"], "two\nlines 42");
  EXPECT_EQ(lines[1]["event"], "role_change");
  const std::string ts = lines[1]["ts"];
  EXPECT_EQ(ts.size(), 24U) << ts;  // 2026-12-05T03:00:00.123Z
  EXPECT_EQ(ts.back(), 'Z');
  auto copy = json_log_formatter().clone();
  EXPECT_NE(dynamic_cast<json_log_formatter*>(copy.get()), nullptr);
}

}  // namespace
}  // namespace vote::node
