// vote-admin elections / results / extend / close-now against fake servers on 127.0.0.1: the
// request sent, what is printed and the exit codes. No test sleeps.
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>

#include "fake_server.hpp"
#include "vote/client/admin.hpp"
#include "vote/client/output.hpp"
#include "vote/core/time_text.hpp"

namespace vote::client {
namespace {

using testing::fake_server;
using testing::reply;

class recorder {
 public:
  void add(const wire::client_request& r) {
    std::lock_guard lock(mutex_);
    requests_.push_back(r);
  }
  std::vector<wire::client_request> all() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<wire::client_request> requests_;
};

// 2026-12-04T10:00:00Z
constexpr std::int64_t ten_o_clock = 1'796'378'400'000;

election_summary summary(std::string id) {
  election_summary s;
  s.election_id = std::move(id);
  s.eligible_voters = 4;
  s.votes_cast = 1;
  s.closes_at_ms = ten_o_clock;
  return s;
}

election_result irv_result() {
  election_result r;
  r.election_id = "e1";
  r.method = counting::method::irv;
  r.tallies = {{"A", 2}, {"B", 1}, {"C", 1}};
  r.votes_cast = 4;
  r.eligible_voters = 4;
  r.closed = true;
  r.winner = "A";
  r.winners = {"A"};
  counting::round first;
  first.totals = {2, 1, 1};
  first.eliminated = {2};
  counting::round second;
  second.totals = {3, 1, 0};
  second.elected = {0};
  r.detail.rounds = {first, second};
  r.detail.total_weight = 4;
  return r;
}

class AdminElections : public ::testing::Test {
 protected:
  common_options to(const fake_server& s, double timeout_s = 5.0) {
    common_options o;
    o.server = s.endpoint_text();
    o.timeout_s = timeout_s;
    o.admin_token = "tok";
    return o;
  }
  console io() { return {out, err}; }

  recorder seen;
  std::ostringstream out;
  std::ostringstream err;
};

TEST_F(AdminElections, ElectionsSendsTheReadWithTheTokenAndPrintsTheTable) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    reply a = reply::ok("2 elections");
    a.response.elections = std::vector{summary("e1"), summary("e2")};
    return a;
  });
  EXPECT_EQ(run_elections(to(s), {}, io()), exit_ok);
  ASSERT_EQ(seen.all().size(), 1U);
  EXPECT_EQ(seen.all()[0].type, wire::request_type::elections);
  EXPECT_EQ(seen.all()[0].admin_token, "tok");
  EXPECT_TRUE(seen.all()[0].request_id.empty());
  EXPECT_EQ(out.str(), "2 elections\n" + format_elections({summary("e1"), summary("e2")}));
  EXPECT_TRUE(err.str().empty());
}

TEST_F(AdminElections, ElectionsCsvAndJson) {
  fake_server s([](const wire::client_request&, std::size_t) {
    reply a = reply::ok("1 election");
    a.response.elections = std::vector{summary("a,b")};
    return a;
  });
  EXPECT_EQ(run_elections(to(s), {.csv = true}, io()), exit_ok);
  EXPECT_EQ(out.str(), elections_csv({summary("a,b")}));
  EXPECT_NE(out.str().find("\n\"a,b\",open,"), std::string::npos) << out.str();
  out.str("");
  auto o = to(s);
  o.json = true;
  EXPECT_EQ(run_elections(o, {}, io()), exit_ok);
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["ok"], true);
  ASSERT_EQ(j["elections"].size(), 1U);
  EXPECT_EQ(j["elections"][0]["election_id"], "a,b");
  EXPECT_EQ(j["elections"][0]["closes_at"], "2026-12-04T10:00:00Z");
}

TEST_F(AdminElections, ElectionsRefusedExits1EvenInCsv) {
  fake_server s([](const wire::client_request&, std::size_t) {
    return reply::error(errc::unauthorized, "Error: the admin token is not valid.");
  });
  EXPECT_EQ(run_elections(to(s), {.csv = true}, io()), exit_refused);
  EXPECT_TRUE(out.str().empty());
  EXPECT_EQ(err.str(), "Error: the admin token is not valid.\n");
}

TEST_F(AdminElections, ResultsAsksForTheElectionAndPrintsTheRounds) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    reply a = reply::ok("Election e1 ended. The winner is A.");
    a.response.result = irv_result();
    return a;
  });
  EXPECT_EQ(run_results(to(s), "e1", {}, io()), exit_ok);
  ASSERT_EQ(seen.all().size(), 1U);
  EXPECT_EQ(seen.all()[0].type, wire::request_type::results);
  EXPECT_EQ(seen.all()[0].election_id, "e1");
  EXPECT_EQ(seen.all()[0].admin_token, "tok");
  EXPECT_NE(out.str().find("Rounds:\n  round  A  B  C\n  1      2  1  1  eliminated C\n"),
            std::string::npos)
      << out.str();
}

TEST_F(AdminElections, ResultsCsvAndJson) {
  fake_server s([](const wire::client_request&, std::size_t) {
    reply a = reply::ok("Election e1 ended. The winner is A.");
    a.response.result = irv_result();
    return a;
  });
  EXPECT_EQ(run_results(to(s), "e1", {.csv = true}, io()), exit_ok);
  EXPECT_EQ(out.str(), results_csv(irv_result()));
  out.str("");
  auto o = to(s);
  o.json = true;
  EXPECT_EQ(run_results(o, "e1", {}, io()), exit_ok);
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["method"], "irv");
  EXPECT_EQ(j["count"]["rounds"][1]["elected"], nlohmann::json::array({"A"}));
}

TEST_F(AdminElections, ResultsOfAnUnknownElectionExits1) {
  fake_server s([](const wire::client_request&, std::size_t) {
    return reply::error(errc::unknown_election, "Error: Election 'zz' does not exist.");
  });
  EXPECT_EQ(run_results(to(s), "zz", {}, io()), exit_refused);
  EXPECT_EQ(err.str(), "Error: Election 'zz' does not exist.\n");
}

TEST_F(AdminElections, ResultsWithoutAnAnswerExits3) {
  fake_server s([](const wire::client_request&, std::size_t) {
    return reply::error(errc::no_quorum, "Error: no quorum.");
  });
  EXPECT_EQ(run_results(to(s, 0.3), "e1", {.csv = true}, io()), exit_unavailable);
  EXPECT_TRUE(out.str().empty());
  EXPECT_EQ(err.str().rfind("Error: no quorum", 0), 0U) << err.str();
}

TEST_F(AdminElections, ExtendSendsTheParsedDeadlineWithARequestId) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return reply::ok("Election e1 now closes at 2026-12-04T12:00:00Z.");
  });
  auto o = to(s);
  o.request_id = "rid-1";
  EXPECT_EQ(run_extend(o, "e1", "+2h", ten_o_clock, io()), exit_ok);
  ASSERT_EQ(seen.all().size(), 1U);
  const auto all = seen.all();
  const auto& r = all[0];
  EXPECT_EQ(r.type, wire::request_type::extend);
  EXPECT_EQ(r.request_id, "rid-1");
  EXPECT_EQ(r.admin_token, "tok");
  ASSERT_TRUE(r.body && std::holds_alternative<extend_cmd>(*r.body));
  EXPECT_EQ(std::get<extend_cmd>(*r.body).election_id, "e1");
  EXPECT_EQ(std::get<extend_cmd>(*r.body).closes_at_ms, ten_o_clock + 2 * 3'600'000);
  EXPECT_EQ(out.str(), "Election e1 now closes at 2026-12-04T12:00:00Z.\n");

  EXPECT_EQ(run_extend(o, "e1", "2026-12-05T08:00:00Z", ten_o_clock, io()), exit_ok);
  ASSERT_EQ(seen.all().size(), 2U);
  EXPECT_EQ(std::get<extend_cmd>(*seen.all()[1].body).closes_at_ms,
            *parse_rfc3339("2026-12-05T08:00:00Z"));
}

TEST_F(AdminElections, ExtendWithAnUnparsableTimeIsAUsageErrorAndSendsNothing) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return reply::ok("?");
  });
  EXPECT_EQ(run_extend(to(s), "e1", "tomorrow", ten_o_clock, io()), exit_usage);
  EXPECT_TRUE(seen.all().empty());
  EXPECT_EQ(err.str().rfind("Error: --closes-at: expected RFC 3339", 0), 0U) << err.str();
}

TEST_F(AdminElections, ExtendRefusedExits1) {
  fake_server s([](const wire::client_request&, std::size_t) {
    return reply::error(errc::election_closed, "Error: Election 'e1' is closed.");
  });
  EXPECT_EQ(run_extend(to(s), "e1", "+1h", ten_o_clock, io()), exit_refused);
  EXPECT_EQ(err.str(), "Error: Election 'e1' is closed.\n");
}

TEST_F(AdminElections, ExtendWithoutAnAnswerSaysTheOutcomeIsUnknown) {
  fake_server s([](const wire::client_request&, std::size_t) {
    return reply::error(errc::no_quorum, "Error: no quorum.");
  });
  auto o = to(s, 0.3);
  o.request_id = "rid-2";
  EXPECT_EQ(run_extend(o, "e1", "+1h", ten_o_clock, io()), exit_unavailable);
  EXPECT_NE(err.str().find("the deadline of e1 may or may not have been moved to "
                           "2026-12-04T11:00:00Z. Retrying with --request-id rid-2 is safe."),
            std::string::npos)
      << err.str();
}

TEST_F(AdminElections, CloseNowSendsTheCloseCommandAndPrintsTheResult) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    reply a = reply::ok("Election e1 ended. The winner is A.");
    a.response.result = irv_result();
    return a;
  });
  EXPECT_EQ(run_close_now(to(s), "e1", io()), exit_ok);
  ASSERT_EQ(seen.all().size(), 1U);
  const auto all = seen.all();
  const auto& r = all[0];
  EXPECT_EQ(r.type, wire::request_type::close);
  EXPECT_FALSE(r.request_id.empty());
  ASSERT_TRUE(r.body && std::holds_alternative<close_cmd>(*r.body));
  EXPECT_EQ(std::get<close_cmd>(*r.body).election_id, "e1");
  EXPECT_FALSE(std::get<close_cmd>(*r.body).at_deadline);
  wire::client_response expected;
  expected.message = "Election e1 ended. The winner is A.";
  expected.result = irv_result();
  EXPECT_EQ(out.str(), format_success(expected));
}

TEST_F(AdminElections, CloseNowRefusedExits1) {
  fake_server s([](const wire::client_request&, std::size_t) {
    return reply::error(errc::unknown_election, "Error: Election 'zz' does not exist.");
  });
  EXPECT_EQ(run_close_now(to(s), "zz", io()), exit_refused);
}

}  // namespace
}  // namespace vote::client
