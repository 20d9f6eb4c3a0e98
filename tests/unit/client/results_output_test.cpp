// Results and elections output of issue 11 (close, vote-admin results/elections): the rounds
// table, the Schulze matrices, the STV decimals, the elections table, both CSV forms and the JSON
// count. Handmade results, no server.
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/text_lines.hpp"
#include "vote/client/output.hpp"

namespace vote::client {
namespace {

using test::lines;

counting::round make_round(std::vector<std::uint64_t> totals, std::vector<std::uint32_t> elected,
                           std::vector<std::uint32_t> eliminated, std::uint64_t exhausted = 0) {
  counting::round r;
  r.totals = std::move(totals);
  r.elected = std::move(elected);
  r.eliminated = std::move(eliminated);
  r.exhausted = exhausted;
  return r;
}

// IRV over A, B, C, D: D then C dropped, A elected in round 3.
election_result irv_three_rounds() {
  election_result r;
  r.election_id = "irv1";
  r.method = counting::method::irv;
  r.tallies = {{"A", 4}, {"B", 3}, {"C", 2}, {"D", 1}};
  r.votes_cast = 10;
  r.eligible_voters = 12;
  r.closed = true;
  r.winner = "A";
  r.winners = {"A"};
  r.detail.total_weight = 10;
  r.detail.rounds = {make_round({4, 3, 2, 1}, {}, {3}), make_round({4, 4, 2, 0}, {}, {2}),
                     make_round({6, 4, 0, 0}, {0}, {})};
  r.detail.rounds[1].tied = {2, 3};
  r.detail.rounds[1].tie_note = "earlier round";
  return r;
}

// STV, 2 seats over Ann, Bob, Cy: Ann elected with a surplus, transferred at 0.33333.
election_result stv_with_surplus() {
  election_result r;
  r.election_id = "stv1";
  r.method = counting::method::stv;
  r.seats = 2;
  r.tallies = {{"Ann", 6}, {"Bob", 2}, {"Cy", 2}};
  r.votes_cast = 10;
  r.eligible_voters = 10;
  r.closed = true;
  r.winner = "Ann";
  r.winners = {"Ann", "Bob"};
  r.detail.total_weight = 10;
  r.detail.quota = 400000;
  r.detail.rounds = {make_round({600000, 200000, 200000}, {0}, {}),
                     make_round({400000, 333332, 266666}, {}, {2}, 2),
                     make_round({400000, 599998, 0}, {1}, {}, 2)};
  r.detail.rounds[1].transferred = {0};
  return r;
}

election_result schulze_three() {
  election_result r;
  r.election_id = "s1";
  r.method = counting::method::schulze;
  r.tallies = {{"A", 5}, {"B", 3}, {"Cleo", 1}};
  r.votes_cast = 9;
  r.eligible_voters = 9;
  r.closed = true;
  r.winner = "A";
  r.winners = {"A"};
  r.detail.total_weight = 9;
  r.detail.pairwise = {{0, 5, 6}, {4, 0, 7}, {3, 2, 0}};
  r.detail.strongest = {{0, 5, 6}, {0, 0, 7}, {0, 0, 0}};
  return r;
}

wire::client_response answer(election_result r, std::string message) {
  wire::client_response a;
  a.message = std::move(message);
  a.result = std::move(r);
  return a;
}

TEST(StvUnits, AreVotesWithFiveDecimals) {
  EXPECT_EQ(format_stv_units(123456789), "1234.56789");
  EXPECT_EQ(format_stv_units(400000), "4.00000");
  EXPECT_EQ(format_stv_units(5), "0.00005");
  EXPECT_EQ(format_stv_units(0), "0.00000");
}

TEST(MethodLabel, ShowsSeatsForStvOnly) {
  EXPECT_EQ(method_label(counting::method::stv, 3), "stv(3)");
  EXPECT_EQ(method_label(counting::method::irv, 1), "irv");
  EXPECT_EQ(method_label(counting::method::plurality, 1), "plurality");
}

TEST(Turnout, ShortFormHasTheShare) {
  EXPECT_EQ(format_turnout_short(12, 40), "12/40 (30.0%)");
  EXPECT_EQ(format_turnout_short(0, 0), "0/0 (0.0%)");
  EXPECT_EQ(format_turnout_short(40, 40), "40/40 (100.0%)");
}

TEST(Rounds, IrvHasOneLinePerRoundWithWhatItDecided) {
  EXPECT_EQ(format_rounds(irv_three_rounds()),
            "Rounds:\n"
            "  round  A  B  C  D\n"
            "  1      4  3  2  1  eliminated D\n"
            "  2      4  4  2  0  eliminated C; tie (C, D): earlier round\n"
            "  3      6  4  0  0  elected A\n");
}

TEST(Rounds, StvShowsDecimalsTheQuotaTheTransferAndTheExhausted) {
  EXPECT_EQ(format_rounds(stv_with_surplus()),
            "Rounds (votes; quota 4.00000):\n"
            "  round      Ann      Bob       Cy\n"
            "  1      6.00000  2.00000  2.00000  elected Ann\n"
            "  2      4.00000  3.33332  2.66666  transferred the surplus of Ann; eliminated Cy; "
            "exhausted 0.00002\n"
            "  3      4.00000  5.99998  0.00000  elected Bob; exhausted 0.00002\n");
  EXPECT_EQ(format_winners(stv_with_surplus()), "Elected: Ann, Bob\n");
}

TEST(Rounds, NoneForMethodsWithoutRounds) {
  EXPECT_EQ(format_rounds(schulze_three()), "");
  EXPECT_EQ(format_winners(irv_three_rounds()), "");
}

TEST(Pairwise, SchulzeHasBothMatricesWithCandidatesOnRowsAndColumns) {
  EXPECT_EQ(format_pairwise(schulze_three()),
            "Pairwise preferences (ballots ranking the row above the column):\n"
            "        A  B  Cleo\n"
            "  A     -  5     6\n"
            "  B     4  -     7\n"
            "  Cleo  3  2     -\n"
            "Strongest paths (row to column):\n"
            "        A  B  Cleo\n"
            "  A     -  5     6\n"
            "  B     0  -     7\n"
            "  Cleo  0  0     -\n");
}

TEST(ResultText, CloseOfAnStvElectionHasTableTurnoutRoundsAndWinners) {
  const auto text = lines(format_success(answer(stv_with_surplus(), "Election stv1 ended.")));
  ASSERT_EQ(text.size(), 11U);
  EXPECT_EQ(text[0], "Election stv1 ended.");
  EXPECT_EQ(text[4], "10 of 10 authorized voters voted.");
  EXPECT_EQ(text[5], "Rounds (votes; quota 4.00000):");
  EXPECT_EQ(text[10], "Elected: Ann, Bob");
}

TEST(ResultText, SealedOpenElectionShowsOnlyTheTurnout) {
  election_result r;
  r.election_id = "e9";
  r.method = counting::method::irv;
  r.tallies = {{"A", 0}, {"B", 0}};
  r.votes_cast = 3;
  r.eligible_voters = 8;
  r.sealed = true;
  EXPECT_EQ(format_success(answer(r, "Election e9 is open.")),
            "Election e9 is open.\n"
            "Results are sealed until the close (registered without live results).\n"
            "3 of 8 authorized voters voted.\n");
  EXPECT_EQ(results_csv(r), "round,candidate,total,status\n");
  const auto j = result_fields(r);
  EXPECT_EQ(j["method"], "irv");
  EXPECT_FALSE(j.contains("count"));
}

TEST(ResultCsv, RoundsGiveOneRowPerRoundAndCandidate) {
  const auto rows = lines(results_csv(irv_three_rounds()));
  ASSERT_EQ(rows.size(), 13U);
  EXPECT_EQ(rows[0], "round,candidate,total,status");
  EXPECT_EQ(rows[4], "1,D,1,eliminated");
  EXPECT_EQ(rows[7], "2,C,2,eliminated");
  EXPECT_EQ(rows[9], "3,A,6,elected");
  EXPECT_EQ(rows[10], "3,B,4,");
}

TEST(ResultCsv, StvTotalsAreVotesWithDecimals) {
  const auto rows = lines(results_csv(stv_with_surplus()));
  ASSERT_EQ(rows.size(), 10U);
  EXPECT_EQ(rows[1], "1,Ann,6.00000,elected");
  EXPECT_EQ(rows[5], "2,Bob,3.33332,");
  EXPECT_EQ(rows[8], "3,Bob,5.99998,elected");
}

TEST(ResultCsv, WithoutRoundsIsRoundOneOfTheFirstStepTotals) {
  auto r = schulze_three();
  r.tallies[2].candidate = "Cleo, \"the\" third";
  EXPECT_EQ(results_csv(r),
            "round,candidate,total,status\n"
            "1,A,5,elected\n"
            "1,B,3,\n"
            "1,\"Cleo, \"\"the\"\" third\",1,\n");
}

TEST(ResultJson, PluralityKeepsItsFieldsExactly) {
  election_result r;
  r.election_id = "p";
  r.tallies = {{"A", 1}};
  r.winner = "A";
  r.winners = {"A"};
  const auto j = result_fields(r);
  EXPECT_FALSE(j.contains("method"));
  EXPECT_FALSE(j.contains("count"));
  EXPECT_EQ(j.size(), 9U);
}

TEST(ResultJson, StvRoundsHaveNamesAndUnitsWithTheScale) {
  const auto j = result_fields(stv_with_surplus());
  EXPECT_EQ(j["method"], "stv");
  EXPECT_EQ(j["seats"], 2);
  EXPECT_EQ(j["winners"], nlohmann::ordered_json::array({"Ann", "Bob"}));
  const auto& c = j["count"];
  EXPECT_EQ(c["quota"], 400000);
  EXPECT_EQ(c["scale"], 100000);
  ASSERT_EQ(c["rounds"].size(), 3U);
  EXPECT_EQ(c["rounds"][1]["totals"]["Bob"], 333332);
  EXPECT_EQ(c["rounds"][1]["totals"].begin().key(), "Ann");
  EXPECT_EQ(c["rounds"][1]["transferred"], nlohmann::ordered_json::array({"Ann"}));
  EXPECT_EQ(c["rounds"][1]["eliminated"], nlohmann::ordered_json::array({"Cy"}));
  EXPECT_EQ(c["rounds"][1]["exhausted"], 2);
}

TEST(ResultJson, CountsAbove2To53AreStrings) {
  auto r = stv_with_surplus();
  r.detail.rounds[0].totals[0] = (std::uint64_t{1} << 53U) + 1;
  const auto j = result_fields(r);
  EXPECT_EQ(j["count"]["rounds"][0]["totals"]["Ann"], "9007199254740993");
  EXPECT_EQ(j["count"]["rounds"][0]["totals"]["Bob"], 200000);
}

TEST(ResultJson, SchulzeHasBothMatricesAndTieNotes) {
  const auto j = result_fields(schulze_three());
  EXPECT_EQ(j["count"]["pairwise"][1][2], 7);
  EXPECT_EQ(j["count"]["strongest"][0][2], 6);
  EXPECT_FALSE(j["count"].contains("rounds"));
  const auto irv = result_fields(irv_three_rounds());
  EXPECT_EQ(irv["count"]["rounds"][1]["tie_note"], "earlier round");
  EXPECT_EQ(irv["count"]["rounds"][1]["tied"], nlohmann::ordered_json::array({"C", "D"}));
}

// 2026-12-04T10:00:00Z
constexpr std::int64_t ten_o_clock = 1'796'378'400'000;

std::vector<election_summary> two_elections() {
  election_summary open;
  open.election_id = "board, \"2026\"";
  open.state = phase::open;
  open.method = counting::method::stv;
  open.seats = 3;
  open.eligible_voters = 40;
  open.votes_cast = 12;
  open.opens_at_ms = ten_o_clock;
  open.closes_at_ms = ten_o_clock + 2 * 3'600'000;
  election_summary closed;
  closed.election_id = "e1";
  closed.state = phase::closed;
  closed.mode = voter_mode::codes;
  closed.eligible_voters = 4;
  closed.votes_cast = 3;
  closed.closed_at_ms = ten_o_clock + 250;
  closed.close_when_all_voted = true;
  return {open, closed};
}

TEST(Elections, TableIsAligned) {
  EXPECT_EQ(format_elections(two_elections()),
            "ELECTION       STATE   METHOD     TURNOUT        OPENS                 CLOSES\n"
            "board, \"2026\"  open    stv(3)     12/40 (30.0%)  2026-12-04T10:00:00Z  "
            "2026-12-04T12:00:00Z\n"
            "e1             closed  plurality  3/4 (75.0%)    -                     closed "
            "2026-12-04T10:00:00.250Z\n");
  EXPECT_EQ(format_elections({}), "No elections.\n");
}

TEST(Elections, CsvQuotesIdsAndLeavesUnsetTimesEmpty) {
  EXPECT_EQ(elections_csv(two_elections()),
            "election_id,state,method,seats,voters,eligible_voters,votes_cast,opens_at,closes_at,"
            "closed_at,close_when_all_voted\n"
            "\"board, \"\"2026\"\"\",open,stv,3,ids,40,12,2026-12-04T10:00:00Z,"
            "2026-12-04T12:00:00Z,,false\n"
            "e1,closed,plurality,1,codes,4,3,,,2026-12-04T10:00:00.250Z,true\n");
}

TEST(Elections, CsvFieldQuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
}

TEST(Elections, JsonListsEverySummaryWithRfc3339Times) {
  call_result c;
  c.result = outcome::ok;
  c.message = "2 elections";
  wire::client_response a;
  a.message = c.message;
  a.elections = two_elections();
  c.response = a;
  const auto j = to_json(c, "");
  ASSERT_EQ(j["elections"].size(), 2U);
  EXPECT_EQ(j["elections"][0]["election_id"], "board, \"2026\"");
  EXPECT_EQ(j["elections"][0]["method"], "stv");
  EXPECT_EQ(j["elections"][0]["seats"], 3);
  EXPECT_EQ(j["elections"][0]["closes_at"], "2026-12-04T12:00:00Z");
  EXPECT_TRUE(j["elections"][0]["closed_at"].is_null());
  EXPECT_EQ(j["elections"][1]["voters"], "codes");
  EXPECT_EQ(j["elections"][1]["close_when_all_voted"], true);
}

}  // namespace
}  // namespace vote::client
