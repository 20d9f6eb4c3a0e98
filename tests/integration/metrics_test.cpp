// GET /metrics on real vote-servers (--metrics-addr; docs/operations.md "Metrics"): the scrape
// is valid Prometheus text (promtool agrees, when it is installed), it tells the leader from the
// followers, counts an accepted vote, and after the leader is killed the new leader's scrape shows
// it leading in a higher epoch with its commit index moving on a vote. A metrics port that is
// taken stops the server with exit 3 before it creates its data directory.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "support/http_client.hpp"
#include "vote/lab/cluster.hpp"
#include "vote/lab/harness.hpp"

namespace vote::test {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using node_id = cluster::node_id;

// A scrape's samples: "name{labels}" (as written) → value.
using samples = std::map<std::string, double>;

// Parses the text format strictly enough to catch a broken writer: every sample line is
// "series value" and belongs to a family announced by a TYPE line before it.
std::optional<samples> parse(const std::string& text) {
  samples out;
  std::string family_seen;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) return std::nullopt;
    if (line.rfind("# TYPE ", 0) == 0) {
      family_seen = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos || family_seen.empty()) return std::nullopt;
    const std::string series = line.substr(0, space);
    if (series.rfind(family_seen, 0) != 0) return std::nullopt;  // outside its family
    try {
      out[series] = std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
      if (line.substr(space + 1) != "+Inf") return std::nullopt;
    }
  }
  return out;
}

std::optional<std::string> promtool_path() {
  if (const char* env = std::getenv("VOTE_PROMTOOL"); env && std::filesystem::exists(env))
    return std::string(env);
#ifdef VOTE_PROMTOOL
  if (std::filesystem::exists(VOTE_PROMTOOL)) return std::string(VOTE_PROMTOOL);
#endif
  if (std::system("command -v promtool >/dev/null 2>&1") == 0) return std::string("promtool");
  return std::nullopt;
}

class MetricsTest : public ::testing::Test {
 protected:
  void start(node_id id) {
    metrics_port_[id] = free_port();
    c_.start(id, {"--metrics-addr", "127.0.0.1:" + std::to_string(metrics_port_[id])});
  }

  std::optional<std::string> scrape_text(node_id id) {
    const auto a = http_call(metrics_port_.at(id), http::verb::get, "/metrics");
    if (!a || a->status != 200) return std::nullopt;
    return a->body;
  }
  std::optional<samples> scrape(node_id id) {
    const auto text = scrape_text(id);
    return text ? parse(*text) : std::nullopt;
  }
  // One sample of server `id`'s scrape (-1 when it does not answer or lacks the series).
  double value(node_id id, const std::string& series) {
    const auto s = scrape(id);
    if (!s) return -1;
    const auto it = s->find(series);
    return it == s->end() ? -1 : it->second;
  }
  // Polls until `series` of server `id` satisfies `pred`.
  template <class Pred>
  bool eventually_value(node_id id, const std::string& series, Pred pred,
                        std::chrono::milliseconds timeout = 15s) {
    return eventually([&] { return pred(value(id, series)); }, timeout, 20ms);
  }

  // Three servers, each with its metrics port; the leader once all three vote.
  std::optional<node_id> form() {
    start(1);
    if (!c_.wait_until_leader_is(1, 20s)) return std::nullopt;
    start(2);
    start(3);
    const auto leader = c_.wait_for_leader(20s);
    if (!leader || !all_voters(*leader)) return std::nullopt;
    return leader;
  }

  bool all_voters(node_id leader) {
    return eventually(
        [&] {
          const auto j = c_.cluster_status(leader);
          if (!j || !j->value("ok", false) || !j->contains("cluster")) return false;
          int voters = 0;
          for (const auto& m : (*j)["cluster"]["members"]) voters += m.value("voter", false);
          return voters == 3;
        },
        20s, 50ms);
  }

  bool vote(node_id at, const std::string& voter, const std::string& id) {
    return eventually(
        [&] {
          const auto r = request(c_.port(at), vote_request("m", voter, "A", id), 2s);
          return r && r->ok();
        },
        15s, 50ms);
  }

  cluster c_;
  std::map<node_id, std::uint16_t> metrics_port_;
};

// Promtool's lint of a leader's scrape after votes were accepted and refused (every family,
// labels included, then has samples).
TEST_F(MetricsTest, PromtoolAcceptsTheScrape) {
  const auto promtool = promtool_path();
  if (!promtool) {
    // CI must not pass by skipping: .ci/run sets VOTE_REQUIRE_PROMTOOL.
    if (std::getenv("VOTE_REQUIRE_PROMTOOL") != nullptr) FAIL() << "promtool not found";
    GTEST_SKIP() << "promtool not found (set VOTE_PROMTOOL, put it in PATH, or run "
                    "scripts/setup.sh, which unpacks one into .cache/prometheus)";
  }
  const auto leader = form();
  ASSERT_TRUE(leader) << c_.logs();
  ASSERT_TRUE(request(c_.port(*leader), register_request("m", 6), 5s).value().ok());
  ASSERT_TRUE(vote(*leader, "v0", "m-v0"));
  ASSERT_TRUE(request(c_.port(*leader), vote_request("m", "v0", "B", "m-v0-again"), 5s));
  const auto text = scrape_text(*leader);
  ASSERT_TRUE(text);
  const auto dir = make_temp_dir("vote-metrics-");
  std::ofstream(dir / "scrape.txt") << *text;
  const std::string cmd = *promtool + " check metrics < " + (dir / "scrape.txt").string() + " > " +
                          (dir / "promtool.txt").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::stringstream out;
  out << std::ifstream(dir / "promtool.txt").rdbuf();
  std::filesystem::remove_all(dir);
  EXPECT_EQ(rc, 0) << "promtool check metrics:\n" << out.str() << "\nscrape:\n" << *text;
}

TEST_F(MetricsTest, ScrapeFollowsVotesAndALeaderChange) {
  const auto leader = form();
  ASSERT_TRUE(leader) << c_.logs();

  // Exposition text, with the content type Prometheus expects.
  const auto answer = http_call(metrics_port_[*leader], http::verb::get, "/metrics");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200u);
  EXPECT_EQ(answer->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  ASSERT_TRUE(parse(answer->body)) << answer->body;

  // Roles: the leader says so, a follower says follower; the leader reports both peers' lag.
  EXPECT_EQ(value(*leader, R"(vote_role{role="leader"})"), 1);
  EXPECT_EQ(value(*leader, "vote_is_leader"), 1);
  const node_id follower = *leader == 1 ? 2 : 1;
  EXPECT_TRUE(
      eventually_value(follower, R"(vote_role{role="follower"})", [](double v) { return v == 1; }));
  EXPECT_EQ(value(follower, R"(vote_role{role="leader"})"), 0);
  const auto s = scrape(*leader);
  ASSERT_TRUE(s);
  int lag_series = 0;
  for (const auto& [series, v] : *s) lag_series += series.rfind("vote_peer_lag_entries{", 0) == 0;
  EXPECT_EQ(lag_series, 2);
  bool info = false;
  for (const auto& [series, v] : *s) {
    info = info ||
           (series.rfind("vote_node_info{node_id=\"" + std::to_string(*leader) + "\"", 0) == 0 &&
            v == 1);
  }
  EXPECT_TRUE(info);

  // A vote is counted as accepted, a second one by the same voter by its refusal. (Replies are
  // counted: a retry of a slow first attempt, with the same request id, counts again.)
  ASSERT_TRUE(request(c_.port(*leader), register_request("m", 6), 5s).value().ok());
  ASSERT_TRUE(vote(*leader, "v0", "m-v0"));
  EXPECT_TRUE(eventually_value(*leader, R"(vote_votes_total{result="accepted"})",
                               [](double v) { return v >= 1; }));
  const auto again = request(c_.port(*leader), vote_request("m", "v0", "B", "m-v0-again"), 5s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->code, errc::already_voted);
  EXPECT_TRUE(eventually_value(*leader, R"(vote_votes_total{result="already_voted"})",
                               [](double v) { return v == 1; }));
  EXPECT_GE(value(*leader, "vote_request_duration_seconds_count"), 3);
  EXPECT_GE(value(*leader, "vote_fsync_duration_seconds_count"), 1);

  // The leader dies: the new leader's scrape shows it leading in a higher epoch.
  const double old_epoch = value(*leader, "vote_epoch");
  ASSERT_GE(old_epoch, 1);
  c_.kill9(*leader);
  const auto next = c_.wait_for_leader(20s);
  ASSERT_TRUE(next) << c_.logs();
  ASSERT_NE(*next, *leader);
  EXPECT_TRUE(
      eventually_value(*next, R"(vote_role{role="leader"})", [](double v) { return v == 1; }));
  EXPECT_GT(value(*next, "vote_epoch"), old_epoch);
  EXPECT_GE(value(*next, "vote_leader_changes_total"), 2);  // the old leader, then itself

  // Its commit index moves on with a vote, which it counts.
  const double commit = value(*next, "vote_commit_index");
  ASSERT_GE(commit, 1);
  ASSERT_TRUE(vote(*next, "v1", "m-v1"));
  EXPECT_TRUE(eventually_value(*next, "vote_commit_index", [&](double v) { return v > commit; }));
  EXPECT_TRUE(eventually_value(*next, R"(vote_votes_total{result="accepted"})",
                               [](double v) { return v >= 1; }));
}

TEST_F(MetricsTest, OnlyGetMetricsIsServed) {
  start(1);
  const auto wrong_path = http_call(metrics_port_[1], http::verb::get, "/");
  ASSERT_TRUE(wrong_path);
  EXPECT_EQ(wrong_path->status, 404u);
  const auto wrong_method = http_call(metrics_port_[1], http::verb::post, "/metrics");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405u);
  const auto right = http_call(metrics_port_[1], http::verb::get, "/metrics?x=1");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200u);
}

TEST(MetricsBindTest, ATakenMetricsPortExitsWith3BeforeTheDataDirectoryIsMade) {
  asio::io_context io;
  const tcp::acceptor taken(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
  const auto dir = make_temp_dir("vote-metrics-bind-");
  const auto data = dir / "data";
  process p(bin("vote-server"),
            {"--port", std::to_string(free_port()), "--host", "127.0.0.1", "--broadcast",
             "127.255.255.255", "--discovery-port", std::to_string(free_port()), "--data-dir",
             data.string(), "--metrics-addr",
             "127.0.0.1:" + std::to_string(taken.local_endpoint().port())});
  const auto code = p.wait(15s);
  ASSERT_TRUE(code) << "the server kept running";
  EXPECT_EQ(*code, 3) << p.stderr_text();
  EXPECT_NE(p.stderr_text().find("--metrics-addr"), std::string::npos) << p.stderr_text();
  EXPECT_FALSE(std::filesystem::exists(data));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vote::test
