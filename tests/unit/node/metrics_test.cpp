// The Prometheus text writer (metrics.hpp), the node's vote/reply classification
// (node_metrics.hpp) and --metrics-addr validation: what a scraper reads must be exactly the
// exposition format, with cumulative buckets and escaped labels.
#include "vote/node/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "vote/node/config.hpp"
#include "vote/node/node_metrics.hpp"

namespace vote::node {
namespace {

using metrics::exposition;
using type = exposition::type;

TEST(MetricsTextTest, AFamilyHasHelpAndTypeBeforeItsSamples) {
  exposition x;
  x.family("vote_connections", "Open connections by kind", type::gauge);
  x.sample({{"kind", "client"}}, 3);
  x.sample({{"kind", "peer"}}, 2);
  x.single("vote_snapshots_total", "Snapshots written", type::counter, 7);
  EXPECT_EQ(x.text(),
            "# HELP vote_connections Open connections by kind\n"
            "# TYPE vote_connections gauge\n"
            "vote_connections{kind=\"client\"} 3\n"
            "vote_connections{kind=\"peer\"} 2\n"
            "# HELP vote_snapshots_total Snapshots written\n"
            "# TYPE vote_snapshots_total counter\n"
            "vote_snapshots_total 7\n");
}

TEST(MetricsTextTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(metrics::escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  exposition x;
  x.single("vote_node_info", "Help with a \\ and a\nnewline", type::gauge, 1,
           {{"cluster", "we\"ird\\\n"}});
  EXPECT_EQ(x.text(),
            "# HELP vote_node_info Help with a \\\\ and a\\nnewline\n"
            "# TYPE vote_node_info gauge\n"
            "vote_node_info{cluster=\"we\\\"ird\\\\\\n\"} 1\n");
}

TEST(MetricsTextTest, HistogramBucketsAreCumulativeAndEndWithInf) {
  metrics::histogram h({0.001, 0.01, 0.1});
  for (const double v : {0.0005, 0.001, 0.005, 0.05, 0.05, 3.0}) h.observe(v);
  exposition x;
  x.family("vote_fsync_duration_seconds", "Log syncs", type::histogram);
  x.histogram({}, h.snapshot());
  EXPECT_EQ(x.text(),
            "# HELP vote_fsync_duration_seconds Log syncs\n"
            "# TYPE vote_fsync_duration_seconds histogram\n"
            "vote_fsync_duration_seconds_bucket{le=\"0.001\"} 2\n"  // le is inclusive
            "vote_fsync_duration_seconds_bucket{le=\"0.01\"} 3\n"
            "vote_fsync_duration_seconds_bucket{le=\"0.1\"} 5\n"
            "vote_fsync_duration_seconds_bucket{le=\"+Inf\"} 6\n"
            "vote_fsync_duration_seconds_sum 3.1065\n"
            "vote_fsync_duration_seconds_count 6\n");
}

TEST(MetricsTextTest, HistogramLabelsPrecedeLe) {
  metrics::histogram h({1});
  h.observe(0.5);
  exposition x;
  x.family("vote_x_seconds", "x", type::histogram);
  x.histogram({{"kind", "a"}}, h.snapshot());
  EXPECT_NE(x.text().find("vote_x_seconds_bucket{kind=\"a\",le=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(x.text().find("vote_x_seconds_count{kind=\"a\"} 1\n"), std::string::npos);
}

TEST(MetricsTextTest, HistogramCountsEveryObservationFromManyThreads) {
  metrics::histogram h(metrics::duration_buckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10'000; ++i) h.observe(0.002);
    });
  }
  for (auto& t : threads) t.join();
  const auto s = h.snapshot();
  EXPECT_EQ(s.count, 40'000u);
  EXPECT_EQ(s.cumulative.back(), 40'000u);
  EXPECT_NEAR(s.sum, 80.0, 1e-6);
}

TEST(MetricsTextTest, ValuesAreWrittenAsTheFormatSpellsThem) {
  EXPECT_EQ(metrics::format_value(0), "0");
  EXPECT_EQ(metrics::format_value(123456789012.0), "123456789012");
  EXPECT_EQ(metrics::format_value(0.0001), "0.0001");
  EXPECT_EQ(metrics::format_value(2.5), "2.5");
  EXPECT_EQ(metrics::format_value(HUGE_VAL), "+Inf");
  EXPECT_EQ(metrics::format_value(-HUGE_VAL), "-Inf");
  EXPECT_EQ(metrics::format_value(std::nan("")), "NaN");
}

TEST(MetricsTextTest, BadNamesAndRepeatedFamiliesAreRefused) {
  exposition x;
  EXPECT_THROW(x.family("vote-bad", "h", type::gauge), std::invalid_argument);
  EXPECT_THROW(x.family("1vote", "h", type::gauge), std::invalid_argument);
  x.family("vote_ok", "h", type::gauge);
  EXPECT_THROW(x.family("vote_ok", "h", type::gauge), std::invalid_argument);
  EXPECT_THROW(x.sample({{"bad-label", "v"}}, 1), std::invalid_argument);
  EXPECT_THROW(metrics::histogram({1, 1}), std::invalid_argument);
}

TEST(VoteRepliesTest, VotesAreToldFromOtherRequests) {
  EXPECT_TRUE(is_vote_request(R"({"type":"vote","request_id":"r","election_id":"e"})"));
  EXPECT_FALSE(is_vote_request(R"({"type":"status"})"));
  EXPECT_FALSE(is_vote_request(R"({"type":"vote")"));  // not JSON
  EXPECT_FALSE(is_vote_request(R"(["vote"])"));
  EXPECT_FALSE(is_vote_request(R"({"body":{"type":"vote"},"type":"close"})"));  // top level only
  EXPECT_TRUE(is_vote_request(R"({"body":{"type":"close","x":[1,{"a":null}]},"type":"vote"})"));
  EXPECT_FALSE(is_vote_request(R"({"type":["vote"]})"));
  EXPECT_FALSE(is_vote_request(R"({"type":"vote"} trailing)"));
}

TEST(VoteRepliesTest, RepliesAreLabelledAcceptedOrByTheirErrorCode) {
  EXPECT_EQ(vote_result(R"({"ok":true,"request_id":"r"})"), "accepted");
  EXPECT_EQ(vote_result(
                R"({"ok":false,"request_id":"r","error":{"code":"already_voted","message":"m"}})"),
            "already_voted");
  EXPECT_EQ(
      vote_result(R"({"ok":false,"request_id":"r","error":{"code":"not_leader","message":"m"}})"),
      "not_leader");
  // Only names of the error enum become label values.
  EXPECT_EQ(vote_result(R"({"ok":false,"error":{"code":"made_up","message":"m"}})"), "internal");
  EXPECT_EQ(vote_result("garbage"), "internal");
}

TEST(MetricsAddrTest, MustBeIpv4AndPort) {
  for (const char* bad : {"localhost:9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                          "127.0.0.1:65536", "127.0.0.1:9x", ":9464", "[::1]:9464"}) {
    server_config c;
    c.port = 7000;
    c.metrics_addr = bad;
    try {
      validate(c);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--metrics-addr"), std::string::npos) << e.what();
    }
  }
  server_config same_port;
  same_port.port = 7000;
  same_port.metrics_addr = "127.0.0.1:7000";
  EXPECT_THROW(validate(same_port), std::invalid_argument);
  server_config c;
  c.port = 7000;
  c.metrics_addr = "0.0.0.0:9464";  // explicit: allowed (served with a warning)
  EXPECT_NO_THROW(validate(c));
  const auto e = parse_ipv4_endpoint("127.0.0.1:9464");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 9464);
}

}  // namespace
}  // namespace vote::node
