// Client output: tally table, failure text, JSON shape, exit codes.
#include <sstream>

#include <gtest/gtest.h>

#include "support/text_lines.hpp"
#include "vote/client/output.hpp"

namespace vote::client {
namespace {

election_result three_way(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  election_result r;
  r.election_id = "e1";
  r.tallies = {{"Alice", a}, {"Bob", b}, {"Christopher", c}};
  r.votes_cast = a + b + c;
  r.eligible_voters = 10;
  r.closed = true;
  return r;
}

using test::lines;

TEST(TallyTable, ScalesBarsToTheLargestCountAndAlignsNames) {
  const auto table = lines(format_tally_table(three_way(4, 2, 0)));
  ASSERT_EQ(table.size(), 3U);
  EXPECT_EQ(table[0], "  Alice        " + std::string(40, '#') + "  4   66.7%");
  EXPECT_EQ(table[1],
            "  Bob          " + std::string(20, '#') + std::string(20, ' ') + "  2   33.3%");
  EXPECT_EQ(table[2], "  Christopher  " + std::string(40, ' ') + "  0    0.0%");
}

TEST(TallyTable, NonZeroCountAlwaysGetsABar) {
  const auto table = lines(format_tally_table(three_way(1000, 1, 0)));
  EXPECT_NE(table[1].find(" # "), std::string::npos) << table[1];
}

TEST(TallyTable, NoVotesGivesNoBarsAndZeroPercent) {
  const auto table = lines(format_tally_table(three_way(0, 0, 0)));
  for (const auto& line : table) {
    EXPECT_EQ(line.find('#'), std::string::npos);
    EXPECT_NE(line.find("0.0%"), std::string::npos);
  }
}

TEST(TallyTable, AlignsCountsOfDifferentWidths) {
  const auto table = lines(format_tally_table(three_way(100, 7, 0)));
  EXPECT_EQ(table[0].find("100") + 2, table[1].find(" 7 ") + 1);  // right-aligned counts
}

TEST(TallyTable, AlignsWideNamesByDisplayWidth) {
  election_result r = three_way(3, 2, 1);
  r.tallies = {{"\xE6\x9D\xB1\xE4\xBA\xAC", 3},  // 東京: 4 columns, 6 bytes
               {"\xF0\x9F\x8D\x95 Pizza", 2},    // 🍕 Pizza: 8 columns
               {"Zo\xC3\xAB", 1}};               // Zoë: 3 columns, 4 bytes
  const auto table = lines(format_tally_table(r));
  ASSERT_EQ(table.size(), 3U);
  // Every name is padded to 8 columns, so each bar starts in column 2 + 8 + 2 = 12.
  EXPECT_EQ(table[0], "  \xE6\x9D\xB1\xE4\xBA\xAC" + std::string(4, ' ') + "  " +
                          std::string(40, '#') + "  3   50.0%");
  EXPECT_EQ(table[1], "  \xF0\x9F\x8D\x95 Pizza  " + std::string(27, '#') + std::string(13, ' ') +
                          "  2   33.3%");
  EXPECT_EQ(table[2], "  Zo\xC3\xAB" + std::string(5, ' ') + "  " + std::string(13, '#') +
                          std::string(27, ' ') + "  1   16.7%");
}

wire::client_response close_answer(election_result r, std::string message) {
  wire::client_response a;
  a.message = std::move(message);
  a.result = std::move(r);
  return a;
}

TEST(CloseText, PrintsMessageTableAndTurnout) {
  auto r = three_way(2, 1, 0);
  r.winner = "Alice";
  const auto text =
      lines(format_success(close_answer(r, "Election e1 ended. The winner is Alice.")));
  ASSERT_EQ(text.size(), 5U);
  EXPECT_EQ(text[0], "Election e1 ended. The winner is Alice.");
  EXPECT_EQ(text[4], "3 of 10 authorized voters voted.");
}

TEST(CloseText, TieIsTheServersTieMessageNeverAWinner) {
  auto r = three_way(2, 2, 0);
  r.tie = true;
  r.tied = {"Alice", "Bob"};
  const std::string tie_message = "Election e1 ended in a tie between Alice and Bob.";
  const auto text = format_success(close_answer(r, tie_message));
  EXPECT_EQ(lines(text)[0], tie_message);
  EXPECT_EQ(text.find("winner"), std::string::npos);
}

TEST(CloseJson, HasTheResultFieldsInCandidateOrder) {
  auto r = three_way(2, 2, 0);
  r.tie = true;
  r.tied = {"Alice", "Bob"};
  call_result c;
  c.result = outcome::ok;
  c.message = "Election e1 ended in a tie between Alice and Bob.";
  c.request_id = "rid";
  c.response = close_answer(r, c.message);
  const auto j = to_json(c, "");
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["message"], c.message);
  EXPECT_EQ(j["request_id"], "rid");
  EXPECT_EQ(j["election_id"], "e1");
  EXPECT_TRUE(j["winner"].is_null());
  EXPECT_EQ(j["tie"], true);
  EXPECT_EQ(j["tied"], nlohmann::ordered_json::array({"Alice", "Bob"}));
  EXPECT_EQ(j["tie_break"], "none");
  EXPECT_EQ(j["candidates"], nlohmann::ordered_json::array({"Alice", "Bob", "Christopher"}));
  EXPECT_EQ(j["tallies"]["Bob"], 2);
  EXPECT_EQ(j["tallies"].begin().key(), "Alice");
  EXPECT_EQ(j["votes_cast"], 4);
  EXPECT_EQ(j["eligible_voters"], 10);
}

TEST(CloseJson, WinnerIsAString) {
  auto r = three_way(3, 1, 0);
  r.winner = "Alice";
  EXPECT_EQ(result_fields(r)["winner"], "Alice");
}

call_result failed(outcome o, failure why, errc code, std::string message) {
  call_result r;
  r.result = o;
  r.why = why;
  r.code = code;
  r.message = std::move(message);
  r.request_id = "0123abcd";
  return r;
}

constexpr std::string_view vote_effect = "the vote may or may not have been counted";

TEST(FailureText, RefusalIsTheServersMessageVerbatim) {
  const auto r = failed(outcome::refused, failure::none, errc::already_voted,
                        "Error: User 'u1' has already voted.");
  EXPECT_EQ(format_failure(r, vote_effect), "Error: User 'u1' has already voted.");
}

TEST(FailureText, UnknownOutcomeSaysSoAndHowToRetry) {
  const auto r = failed(outcome::unknown, failure::no_answer, errc::timeout,
                        "no answer from the leader within 5 s");
  EXPECT_EQ(format_failure(r, vote_effect),
            "Error: no answer from the leader within 5 s; the outcome is unknown: the vote may "
            "or may not have been counted. Retrying with --request-id 0123abcd is safe.");
}

TEST(FailureText, NotSentSaysItWasNotApplied) {
  const auto r = failed(outcome::not_sent, failure::no_leader, errc::unavailable,
                        "no vote-server answered on 127.255.255.255:52342 within 5 s");
  EXPECT_EQ(format_failure(r, vote_effect),
            "Error: no vote-server answered on 127.255.255.255:52342 within 5 s; it was not "
            "applied.");
}

TEST(FailureText, ReadsHaveNoOutcomeToReport) {
  for (auto o : {outcome::unknown, outcome::not_sent}) {
    const auto r = failed(o, failure::no_answer, errc::timeout, "no answer within 5 s");
    EXPECT_EQ(format_failure(r, ""), "Error: no answer within 5 s");
  }
}

TEST(FailureJson, HasCodeMessageOutcomeAndRequestId) {
  const auto refused = to_json(
      failed(outcome::refused, failure::none, errc::voter_not_authorized, "Error: no."), "");
  EXPECT_EQ(refused.dump(),
            R"({"ok":false,"error":{"code":"voter_not_authorized","message":"Error: no."},)"
            R"("outcome":"refused","request_id":"0123abcd"})");
  const auto unknown = to_json(
      failed(outcome::unknown, failure::no_answer, errc::timeout, "no answer"), vote_effect);
  EXPECT_EQ(unknown["error"]["code"], "timeout");
  EXPECT_EQ(unknown["outcome"], "unknown");
  EXPECT_EQ(unknown["error"]["message"].get<std::string>().rfind(
                "no answer; the outcome is unknown: the vote", 0),
            0U);
  const auto none =
      to_json(failed(outcome::not_sent, failure::no_leader, errc::unavailable, "x"), "");
  EXPECT_EQ(none["error"]["code"], "no_leader");
  EXPECT_EQ(none["outcome"], "not_sent");
  const auto conflict =
      to_json(failed(outcome::not_sent, failure::cluster_conflict, errc::unavailable, "x"), "");
  EXPECT_EQ(conflict["error"]["code"], "cluster_conflict");
}

TEST(ExitCodes, MapEveryErrorCode) {
  EXPECT_EQ(exit_code_for(errc::ok), 0);
  for (auto code : {errc::bad_request, errc::too_large, errc::unsupported, errc::unauthorized,
                    errc::election_exists, errc::unknown_election, errc::election_closed,
                    errc::voter_not_authorized, errc::invalid_candidate, errc::already_voted,
                    errc::invalid_election}) {
    EXPECT_EQ(exit_code_for(code), 1) << to_string(code);
  }
  for (auto code :
       {errc::not_leader, errc::no_quorum, errc::unavailable, errc::timeout, errc::internal}) {
    EXPECT_EQ(exit_code_for(code), 3) << to_string(code);
  }
}

TEST(ExitCodes, FollowTheOutcome) {
  EXPECT_EQ(exit_code(failed(outcome::ok, failure::none, errc::ok, "")), 0);
  EXPECT_EQ(exit_code(failed(outcome::refused, failure::none, errc::already_voted, "")), 1);
  EXPECT_EQ(exit_code(failed(outcome::unknown, failure::no_answer, errc::timeout, "")), 3);
  EXPECT_EQ(exit_code(failed(outcome::not_sent, failure::no_leader, errc::unavailable, "")), 3);
}

TEST(Report, PrintsExactlyOneJsonObjectOnStdout) {
  std::ostringstream out, err;
  const auto rc = report(failed(outcome::refused, failure::none, errc::already_voted, "m"), true,
                         vote_effect, out, err);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(err.str().empty());
  const auto text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST(Report, TextGoesToStdoutOnSuccessAndStderrOnFailure) {
  std::ostringstream out, err;
  auto ok =
      failed(outcome::ok, failure::none, errc::ok, "Vote for 'A' by user 'u' has been registered.");
  ok.response = wire::client_response{};
  ok.response->message = ok.message;
  EXPECT_EQ(report(ok, false, vote_effect, out, err), 0);
  EXPECT_EQ(out.str(), "Vote for 'A' by user 'u' has been registered.\n");
  EXPECT_EQ(report(failed(outcome::refused, failure::none, errc::already_voted, "no"), false,
                   vote_effect, out, err),
            1);
  EXPECT_EQ(err.str(), "Error: no\n");  // one prefix style, whoever wrote it
}

}  // namespace
}  // namespace vote::client
