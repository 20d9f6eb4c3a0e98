// vote-bench: numbers, and a short closed-loop run against a counting fake server.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "fake_server.hpp"
#include "vote/client/bench.hpp"

namespace vote::client {
namespace {

using testing::fake_server;
using testing::reply;

TEST(Base36, EncodesSmallAndLargeNumbers) {
  EXPECT_EQ(base36(0), "0");
  EXPECT_EQ(base36(35), "z");
  EXPECT_EQ(base36(36), "10");
  EXPECT_EQ(base36(99'999), "255r");
}

TEST(Percentile, UsesNearestRank) {
  std::vector<std::uint32_t> micros;
  for (std::uint32_t i = 100; i >= 1; --i) micros.push_back(i * 1000);
  EXPECT_DOUBLE_EQ(percentile_ms(micros, 0.50), 50.0);
  EXPECT_DOUBLE_EQ(percentile_ms(micros, 0.99), 99.0);
  EXPECT_DOUBLE_EQ(percentile_ms(micros, 1.0), 100.0);
  std::vector<std::uint32_t> none;
  EXPECT_DOUBLE_EQ(percentile_ms(none, 0.5), 0.0);
}

TEST(BenchReport, MismatchAllowsOnlyLostAnswers) {
  bench_report r;
  r.closed_all = true;
  r.acknowledged = 10;
  r.counted = 10;
  EXPECT_FALSE(r.mismatch());
  r.counted = 11;
  EXPECT_TRUE(r.mismatch());
  r.unknown = 1;
  EXPECT_FALSE(r.mismatch());
  r.counted = 9;
  EXPECT_TRUE(r.mismatch());
  EXPECT_NE(format_bench_report(r).find("MISMATCH"), std::string::npos);
}

TEST(BenchReport, JsonHasTheDocumentedFields) {
  const auto j = bench_report_json(bench_report{});
  for (const char* key : {"votes_per_s", "p50_ms", "p99_ms", "max_ms", "acknowledged", "counted",
                          "errors", "connections", "seconds"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

// An election service in miniature: it counts votes per election, refuses a second vote by the
// same voter and reports votes_cast on close. Runs on the fake server's thread only.
class counting_service {
 public:
  reply handle(const wire::client_request& r) {
    if (const auto* reg = std::get_if<register_cmd>(&*r.body)) {
      admin_tokens_.insert(r.admin_token);
      registered_[reg->election_id] = reg->voters.size();
      return reply::ok("Election " + reg->election_id + " added successfully.");
    }
    if (const auto* v = std::get_if<vote_cmd>(&*r.body)) {
      if (!voted_[v->election_id].insert(v->voter).second) {
        return reply::error(errc::already_voted,
                            "Error: User '" + v->voter + "' has already voted.");
      }
      return reply::ok("Vote registered.");
    }
    const auto& c = std::get<close_cmd>(*r.body);
    election_result result;
    result.election_id = c.election_id;
    result.votes_cast = voted_[c.election_id].size();
    result.eligible_voters = registered_[c.election_id];
    auto answer = reply::ok("Election " + c.election_id + " ended.");
    answer.response.result = result;
    return answer;
  }
  std::set<std::string> admin_tokens_;

 private:
  std::map<std::string, std::size_t> registered_;
  std::map<std::string, std::set<std::string>> voted_;
};

TEST(Bench, CountsEveryAcknowledgedVoteAcrossSeveralElections) {
  counting_service service;
  fake_server server([&](const wire::client_request& r, std::size_t) { return service.handle(r); });
  bench_options o;
  o.server = server.endpoint();
  o.connections = 4;
  o.seconds = 0.3;
  o.voters_per_election = 20;  // small, so the run must move through prefetched elections
  o.admin_token = "secret";
  const auto report = run_bench(o);
  EXPECT_TRUE(report.setup_error.empty()) << report.setup_error;
  EXPECT_GT(report.acknowledged, 40U);
  EXPECT_GE(report.elections, 3U);
  EXPECT_EQ(report.errors, 0U);
  EXPECT_EQ(report.counted, report.acknowledged);
  EXPECT_FALSE(report.mismatch());
  EXPECT_GT(report.votes_per_s, 0);
  EXPECT_LE(report.p50_ms, report.p99_ms);
  EXPECT_LE(report.p99_ms, report.max_ms);
  EXPECT_EQ(service.admin_tokens_, (std::set<std::string>{"secret"}));
}

TEST(Bench, RefusedRegistrationIsASetupError) {
  fake_server server([](const wire::client_request&, std::size_t) {
    return reply::error(errc::unauthorized, "Error: admin token required.");
  });
  bench_options o;
  o.server = server.endpoint();
  o.connections = 2;
  o.seconds = 0.2;
  o.voters_per_election = 10;
  const auto report = run_bench(o);
  EXPECT_EQ(report.setup_code, errc::unauthorized);
  EXPECT_EQ(report.acknowledged, 0U);
}

}  // namespace
}  // namespace vote::client
