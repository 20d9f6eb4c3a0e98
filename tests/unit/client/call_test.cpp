// call(): retries with the same request_id, not_leader redirects, deadlines.
// Every server here is a fake on 127.0.0.1; no test sleeps to synchronise: the client's own
// deadlines end each call and the tests assert on outcomes.
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "fake_server.hpp"
#include "vote/client/call.hpp"
#include "vote/client/cli.hpp"
#include "vote/client/output.hpp"

namespace vote::client {
namespace {

using testing::fake_server;
using testing::reply;

wire::client_request a_vote(std::string request_id = "req-1") {
  wire::client_request r;
  r.type = wire::request_type::vote;
  r.request_id = std::move(request_id);
  r.body = vote_cmd{"e1", "u1", "Alice"};
  return r;
}

call_options direct_to(const net::endpoint& server, std::chrono::milliseconds timeout) {
  call_options o;
  o.server = server;
  o.timeout = timeout;
  return o;
}

TEST(Call, SuccessReturnsTheServersAnswer) {
  fake_server server([](const wire::client_request&, std::size_t) {
    return reply::ok("Vote for 'Alice' by user 'u1' has been registered.");
  });
  const auto r = call(a_vote(), direct_to(server.endpoint(), std::chrono::seconds(5)));
  EXPECT_EQ(r.result, outcome::ok);
  EXPECT_EQ(r.message, "Vote for 'Alice' by user 'u1' has been registered.");
  EXPECT_EQ(r.request_id, "req-1");
  EXPECT_EQ(exit_code(r), 0);
}

TEST(Call, RefusalIsFinalAndNotRetried) {
  fake_server server([](const wire::client_request&, std::size_t) {
    return reply::error(errc::already_voted, "Error: User 'u1' has already voted.");
  });
  const auto r = call(a_vote(), direct_to(server.endpoint(), std::chrono::seconds(5)));
  EXPECT_EQ(r.result, outcome::refused);
  EXPECT_EQ(r.code, errc::already_voted);
  EXPECT_EQ(server.request_ids().size(), 1U);
  EXPECT_EQ(exit_code(r), 1);
}

TEST(Call, RetriesADroppedConnectionWithTheSameRequestId) {
  fake_server server([](const wire::client_request&, std::size_t connection) {
    return connection == 0 ? reply::drop_connection() : reply::ok("counted");
  });
  const auto r = call(a_vote("same-id"), direct_to(server.endpoint(), std::chrono::seconds(5)));
  EXPECT_EQ(r.result, outcome::ok);
  EXPECT_EQ(server.request_ids(), (std::vector<std::string>{"same-id", "same-id"}));
  EXPECT_EQ(r.attempts, 2);
}

TEST(Call, RetriesUnavailableAndNoQuorumWithTheSameRequestId) {
  fake_server server([](const wire::client_request&, std::size_t connection) {
    if (connection == 0) return reply::error(errc::unavailable, "shutting down");
    if (connection == 1) return reply::error(errc::no_quorum, "no quorum");
    return reply::ok("counted");
  });
  const auto r = call(a_vote("id-x"), direct_to(server.endpoint(), std::chrono::seconds(5)));
  EXPECT_EQ(r.result, outcome::ok);
  EXPECT_EQ(server.request_ids(), (std::vector<std::string>(3, "id-x")));
}

TEST(Call, FollowsNotLeaderToTheNamedLeader) {
  fake_server leader([](const wire::client_request&, std::size_t) { return reply::ok("done"); });
  fake_server follower([&](const wire::client_request&, std::size_t) {
    return reply::redirect(leader.endpoint_text());
  });
  const auto r = call(a_vote("rid"), direct_to(follower.endpoint(), std::chrono::seconds(5)));
  EXPECT_EQ(r.result, outcome::ok);
  EXPECT_EQ(follower.request_ids(), (std::vector<std::string>{"rid"}));
  EXPECT_EQ(leader.request_ids(), (std::vector<std::string>{"rid"}));
  EXPECT_EQ(r.last_target, leader.endpoint_text());
}

TEST(Call, RedirectLoopIsBoundedAndEndsWithNoLeader) {
  std::string self;
  fake_server looping(
      [&](const wire::client_request&, std::size_t) { return reply::redirect(self); });
  self = looping.endpoint_text();
  auto options = direct_to(looping.endpoint(), std::chrono::milliseconds(300));
  const auto r = call(a_vote(), options);
  EXPECT_EQ(r.result, outcome::not_sent);  // not_leader: the request was never applied
  EXPECT_EQ(r.why, failure::no_leader);
  EXPECT_EQ(r.code, errc::not_leader);
  EXPECT_EQ(exit_code(r), 3);
  EXPECT_GE(looping.request_ids().size(), static_cast<std::size_t>(1 + options.max_redirects));
}

TEST(Call, SilentServerEndsAtTheDeadlineWithOutcomeUnknown) {
  fake_server silent([](const wire::client_request&, std::size_t) { return reply::no_answer(); });
  const auto r =
      call(a_vote("rid-7"), direct_to(silent.endpoint(), std::chrono::milliseconds(300)));
  EXPECT_EQ(r.result, outcome::unknown);
  EXPECT_EQ(r.why, failure::no_answer);
  EXPECT_EQ(exit_code(r), 3);
  EXPECT_NE(format_failure(r, "the vote may or may not have been counted")
                .find("Retrying with --request-id rid-7 is safe."),
            std::string::npos);
}

TEST(Call, RefusedConnectionsEndAtTheDeadlineWithNothingSent) {
  const auto r =
      call(a_vote(), direct_to(testing::closed_tcp_endpoint(), std::chrono::milliseconds(300)));
  EXPECT_EQ(r.result, outcome::not_sent);
  EXPECT_EQ(r.why, failure::no_leader);
  EXPECT_GE(r.attempts, 2);  // retried with backoff until the deadline
  EXPECT_NE(r.message.find("could not connect"), std::string::npos);
}

TEST(Call, ARefusedServerFailsFastWhenAskedTo) {
  auto options = direct_to(testing::closed_tcp_endpoint(), std::chrono::seconds(30));
  options.fail_fast_refused = true;
  const auto r = call(a_vote(), options);
  EXPECT_EQ(r.result, outcome::not_sent);
  EXPECT_EQ(r.why, failure::no_leader);
  EXPECT_EQ(r.attempts, 1);  // not retried for 30 s
  EXPECT_EQ(r.message, "could not connect to " + r.last_target +
                           ": connection refused (is a vote-server running there? is the port "
                           "right?)");
  EXPECT_EQ(exit_code(r), 3);
}

// A --server that took a connection earlier in the call and then refuses is restarting: the
// call keeps retrying (the request may have reached it) instead of failing fast.
TEST(Call, AServerReachedEarlierIsRetriedWhenItRefuses) {
  auto server = std::make_optional<fake_server>(
      [](const wire::client_request&, std::size_t) { return reply::no_answer(); });
  auto options = direct_to(server->endpoint(), std::chrono::milliseconds(1500));
  options.fail_fast_refused = true;
  auto pending = std::async(std::launch::async, [&options] { return call(a_vote(), options); });
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       server->request_ids().empty() && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a poll with a deadline
  }
  ASSERT_EQ(server->request_ids().size(), 1U);
  server.reset();  // the connection breaks; from now on connections are refused
  const auto r = pending.get();
  EXPECT_EQ(r.result, outcome::unknown);  // the first attempt may have been applied
  EXPECT_GE(r.attempts, 3);               // refused again and again, retried until the deadline
  EXPECT_EQ(r.message.find("is a vote-server running there"), std::string::npos) << r.message;
}

TEST(Call, SaysWhatItWaitsFor) {
  fake_server minority([](const wire::client_request&, std::size_t connection) {
    return connection == 0 ? reply::error(errc::no_quorum, "Error: no quorum.")
                           : reply::ok("counted");
  });
  auto options = direct_to(minority.endpoint(), std::chrono::seconds(10));
  std::vector<std::string> said;
  options.on_status = [&said](std::string text) { said.push_back(std::move(text)); };
  EXPECT_TRUE(call(a_vote(), options).ok());
  const std::string sent = "sent to " + minority.endpoint_text() + "; waiting for its answer";
  EXPECT_EQ(
      said,
      (std::vector<std::string>{
          sent, minority.endpoint_text() + " answered 'Error: no quorum.'; trying again", sent}));
}

TEST(Call, NoQuorumUntilTheDeadlineIsUnknown) {
  fake_server minority([](const wire::client_request&, std::size_t) {
    return reply::error(errc::no_quorum, "Error: no quorum.");
  });
  const auto r = call(a_vote(), direct_to(minority.endpoint(), std::chrono::milliseconds(300)));
  EXPECT_EQ(r.result, outcome::unknown);
  EXPECT_EQ(r.code, errc::no_quorum);
  EXPECT_EQ(r.why, failure::server_busy);
  EXPECT_EQ(r.message,
            "no quorum: the cluster could not reach a majority of its members within 0.3 s (the "
            "last answer, from " +
                minority.endpoint_text() + ": Error: no quorum.)");
  EXPECT_EQ(exit_code(r), 3);
  const auto ids = minority.request_ids();
  EXPECT_GE(ids.size(), 2U);
  EXPECT_TRUE(std::all_of(ids.begin(), ids.end(), [](const auto& id) { return id == "req-1"; }));
}

TEST(RunCommand, NoQuorumUntilTheDeadlineIsPrintedAsUnknownWithExit3) {
  fake_server minority([](const wire::client_request&, std::size_t) {
    return reply::error(errc::no_quorum, "Error: no quorum.");
  });
  common_options o;
  o.server = minority.endpoint_text();
  o.timeout_s = 0.3;
  o.request_id = "rid-4";
  std::ostringstream out, err;
  EXPECT_EQ(run_command(o, a_vote(), {}, "the vote may or may not have been counted", {out, err}),
            exit_unavailable);
  EXPECT_TRUE(out.str().empty());
  EXPECT_EQ(err.str().rfind("Error: no quorum: the cluster could not reach a majority", 0), 0U)
      << err.str();
  EXPECT_NE(err.str().find("; the outcome is unknown: the vote may or may not have been counted. "
                           "Retrying with --request-id rid-4 is safe.\n"),
            std::string::npos)
      << err.str();
}

TEST(Call, AnAttemptCutShortByTheDeadlineKeepsTheLastAnswer) {
  fake_server s([](const wire::client_request&, std::size_t connection) {
    return connection == 0 ? reply::error(errc::no_quorum, "Error: no quorum.")
                           : reply::no_answer();  // the retry runs into the call's deadline
  });
  const auto r = call(a_vote(), direct_to(s.endpoint(), std::chrono::milliseconds(300)));
  EXPECT_EQ(r.result, outcome::unknown);
  EXPECT_EQ(r.why, failure::server_busy);
  EXPECT_EQ(r.code, errc::no_quorum);
  EXPECT_EQ(r.message.rfind("no quorum: the cluster could not reach a majority", 0), 0U)
      << r.message;
  EXPECT_EQ(r.attempts, 2);
}

TEST(Call, UnavailableUntilTheDeadlineNamesTheCode) {
  fake_server stopping([](const wire::client_request&, std::size_t) {
    return reply::error(errc::unavailable, "Error: shutting down.");
  });
  const auto r = call(a_vote(), direct_to(stopping.endpoint(), std::chrono::milliseconds(300)));
  EXPECT_EQ(r.message, "the cluster stayed unavailable for 0.3 s (the last answer, from " +
                           stopping.endpoint_text() + ": Error: shutting down.)");
}

}  // namespace
}  // namespace vote::client
