// vote-verify on format-2 records (docs/record.md "Format 2"): honest records of every method
// verify; every kind of tampering fails the check that names it, with a precise detail. Records
// come from the test record builder (test_record.hpp); one is written here by hand with
// nlohmann::json, from the numbers of docs/counting.md, independently of the library's encoder
// and recount.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "vote/verify/codes.hpp"
#include "vote/verify/test_record.hpp"
#include "vote/verify/verify.hpp"

namespace {

namespace vv = vote::verify;
using json = nlohmann::json;
using names = std::vector<std::string>;

std::vector<std::string> failed(const vv::record_checks& rc) {
  std::vector<std::string> out;
  for (const auto& c : rc.checks) {
    if (!c.passed) out.push_back(c.name);
  }
  return out;
}

const vv::check* find(const vv::record_checks& rc, std::string_view name) {
  for (const auto& c : rc.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

vv::record_checks checked(vv::record r, bool reseal = true) {
  if (reseal) vv::seal_test_record(r);
  return vv::check_record(vv::encode_record(r));
}

std::string detail(const vv::record_checks& rc, std::string_view name) {
  const vv::check* c = find(rc, name);
  return c == nullptr ? "(no check " + std::string(name) + ")" : c->detail;
}

vv::test_ballot rank(names n, std::uint64_t w = 1) {
  return {.names = std::move(n), .scores = {}, .weight = w};
}
vv::test_ballot scored(names n, std::vector<std::uint64_t> s, std::uint64_t w = 1) {
  return {.names = std::move(n), .scores = std::move(s), .weight = w};
}
void repeat(vv::test_election& e, std::size_t times, const vv::test_ballot& b) {
  for (std::size_t i = 0; i < times; ++i) e.ballots.push_back(b);
}

// docs/counting.md's examples as elections.
vv::test_election irv_example() {
  vv::test_election e{.candidates = {"A", "B", "C", "D"}, .method = "irv"};
  repeat(e, 6, rank({"A"}));
  repeat(e, 3, rank({"B"}));
  repeat(e, 2, rank({"C"}));
  e.ballots.push_back(rank({"D", "C"}));
  return e;
}
vv::test_election stv_example() {
  vv::test_election e{.candidates = {"A", "B", "C", "D"}, .method = "stv", .seats = 2};
  e.ballots.push_back(rank({"A", "B"}, 7));
  repeat(e, 2, rank({"C"}));
  repeat(e, 2, rank({"D", "C"}));
  e.ballots.push_back(rank({"C", "D"}));
  return e;
}
vv::test_election schulze_example() {
  vv::test_election e{.method = "schulze"};
  repeat(e, 4, rank({"A", "B", "C"}));
  repeat(e, 3, rank({"B", "C", "A"}));
  repeat(e, 2, rank({"C", "A", "B"}));
  return e;
}
vv::test_election star_example() {
  vv::test_election e{.candidates = {"A", "B", "C", "D"}, .method = "star"};
  e.ballots.push_back(scored({"A", "B", "C"}, {5, 4, 1}));
  e.ballots.push_back(scored({"B", "C"}, {5, 3}));
  e.ballots.push_back(scored({"C", "A", "D"}, {5, 2, 1}, 2));
  e.ballots.push_back(scored({"D", "B"}, {5, 1}));
  e.ballots.push_back(scored({"D"}, {3}));
  return e;
}
vv::test_election approval_example() {
  vv::test_election e{.method = "approval"};
  e.ballots.push_back(rank({"A", "B"}));
  e.ballots.push_back(rank({"B"}));
  e.ballots.push_back(rank({"C", "B"}, 2));
  e.ballots.push_back(rank({"A"}));
  return e;
}
vv::test_election score_example() {
  vv::test_election e{.method = "score"};
  e.ballots.push_back(scored({"A", "B"}, {5, 3}));
  e.ballots.push_back(scored({"C", "B"}, {4, 5}, 2));
  e.ballots.push_back(scored({"A", "C"}, {4, 2}));
  return e;
}

}  // namespace

TEST(VerifyFormat2, HonestRecordsOfEveryMethodVerify) {
  for (const auto& e : {irv_example(), stv_example(), schulze_example(), star_example(),
                        approval_example(), score_example()}) {
    const auto rc = checked(vv::make_test_record(e));
    EXPECT_EQ(failed(rc), names{}) << e.method << ": " << detail(rc, "recount");
  }
}

TEST(VerifyFormat2, RecountsTheWorkedExamplesAsThePageSays) {
  auto rc = checked(vv::make_test_record(stv_example()));
  ASSERT_TRUE(rc.counted);
  EXPECT_EQ(rc.counted->winners, (names{"A", "C"}));
  const auto& count = *rc.parsed->result.count;
  EXPECT_EQ(count.quota, 500000u);
  EXPECT_EQ(count.scale, 100000u);
  ASSERT_EQ(count.rounds->size(), 4u);
  EXPECT_EQ((*count.rounds)[1].totals,
            (std::vector<std::uint64_t>{500000, 199997, 300000, 200000}));
  EXPECT_EQ((*count.rounds)[3].exhausted, 199997u);
  EXPECT_EQ((*count.rounds)[0].transferred, names{"A"});
  EXPECT_FALSE((*count.rounds)[1].transferred);
  rc = checked(vv::make_test_record(star_example()));
  EXPECT_EQ(rc.counted->winners, names{"B"});
  EXPECT_EQ(rc.counted->tallies, (std::vector<std::pair<std::string, std::uint64_t>>{
                                     {"A", 9}, {"B", 10}, {"C", 14}, {"D", 10}}));
  EXPECT_EQ(checked(vv::make_test_record(approval_example())).counted->winners, names{"B"});
  EXPECT_EQ(checked(vv::make_test_record(score_example())).counted->winners, names{"B"});
  EXPECT_EQ(checked(vv::make_test_record(schulze_example())).counted->winners, names{"A"});
  rc = checked(vv::make_test_record(irv_example()));
  EXPECT_EQ(rc.counted->winners, names{"A"});
  EXPECT_EQ((*rc.parsed->result.count->rounds)[1].tie_note, "earlier round");
}

TEST(VerifyFormat2, AHandWrittenIrvRecordVerifies) {
  // The IRV example with ties of docs/counting.md, encoded with nlohmann's dump() (canonical:
  // keys sorted, no whitespace), trackers and digest by OpenSSL through codes.hpp's one-shot
  // helpers only.
  const std::string id = "irv-2026";
  json ballots = json::array();
  std::vector<std::string> roll;
  const std::vector<std::vector<std::string>> rankings = {
      {"A"}, {"A"}, {"A"}, {"A"}, {"A"}, {"A"}, {"B"}, {"B"}, {"B"}, {"C"}, {"C"}, {"D", "C"}};
  for (std::size_t i = 0; i < rankings.size(); ++i) {
    const std::string nonce = vv::hex(vv::sha256::of("n" + std::to_string(i)).data(), 16);
    const json ballot = {{"rank", rankings[i]}};
    const std::string t =
        vv::base32(vv::sha256::of("vote-tracker/1\n" + id + "\n" + nonce + "\n" + ballot.dump()))
            .substr(0, 20);
    json line = {{"ballot", ballot}, {"nonce", nonce}, {"tracker", t}};
    if (i == 11) line["weight"] = 2;  // voter "w11" weighs 2
    ballots.push_back(line);
    roll.push_back("w" + std::to_string(i + 10));
  }
  std::sort(ballots.begin(), ballots.end(),
            [](const json& a, const json& b) { return a["tracker"] < b["tracker"]; });
  const json rounds = json::array({{{"elected", json::array()},
                                    {"eliminated", {"D"}},
                                    {"exhausted", 0},
                                    {"totals", {6, 3, 2, 2}},
                                    {"tie_note", "registration order"},
                                    {"tied", {"C", "D"}}},
                                   {{"elected", json::array()},
                                    {"eliminated", {"B"}},
                                    {"exhausted", 0},
                                    {"totals", {6, 3, 4, 0}}},
                                   {{"elected", {"A"}},
                                    {"eliminated", json::array()},
                                    {"exhausted", 3},
                                    {"totals", {6, 0, 4, 0}}}});
  json r = {{"ballots", ballots},
            {"candidates", {"A", "B", "C", "D"}},
            {"closed_at_ms", 1764800000000},
            {"election_id", id},
            {"format", "vote-record/2"},
            {"result",
             {{"count", {{"rounds", rounds}, {"total_weight", 13}}},
              {"eligible_voters", 12},
              {"tallies", {{"A", 6}, {"B", 3}, {"C", 2}, {"D", 2}}},
              {"tie", false},
              {"tied", json::array()},
              {"votes_cast", 12},
              {"winner", "A"},
              {"winners", {"A"}}}},
            {"roll", roll},
            {"settings",
             {{"close_when_all_voted", false},
              {"closes_at_ms", 0},
              {"live_results", false},
              {"max_score", 5},
              {"method", "irv"},
              {"opens_at_ms", 0},
              {"seats", 1},
              {"tie_break", "none"},
              {"voters", "ids"}}},
            {"used", roll},
            {"weights", {{"w21", 2}}}};
  std::sort(r["roll"].begin(), r["roll"].end());
  r["used"] = r["roll"];
  r["digest"] = vv::hex(vv::sha256::of(r.dump()));
  auto rc = vv::check_record(r.dump());
  EXPECT_EQ(failed(rc), names{}) << detail(rc, "recount") << detail(rc, "parse");
  // The same record with round 2's totals of C changed.
  r.erase("digest");
  r["result"]["count"]["rounds"][1]["totals"][2] = 5;
  r["digest"] = vv::hex(vv::sha256::of(r.dump()));
  rc = vv::check_record(r.dump());
  EXPECT_EQ(failed(rc), names{"recount"});
  EXPECT_NE(detail(rc, "recount").find("round 2: totals of \"C\" recounted 4, record says 5"),
            std::string::npos)
      << detail(rc, "recount");
}

// --- tampering --------------------------------------------------------------------------------

TEST(VerifyFormat2, CatchesAChangedRoundTotal) {
  auto r = vv::make_test_record(stv_example());
  (*r.result.count->rounds)[2].totals[2] = 300001;
  const auto rc = checked(r);
  EXPECT_EQ(failed(rc), names{"recount"});
  EXPECT_NE(detail(rc, "recount")
                .find("round 3: totals of \"C\" recounted 300000, record says "
                      "300001"),
            std::string::npos)
      << detail(rc, "recount");
}

TEST(VerifyFormat2, CatchesAMissingTransfer) {
  auto r = vv::make_test_record(stv_example());
  (*r.result.count->rounds)[0].transferred.reset();
  const auto rc = checked(r);
  EXPECT_EQ(failed(rc), names{"recount"});
  EXPECT_NE(detail(rc, "recount").find("round 1: the recount transfers the surplus of [\"A\"]"),
            std::string::npos)
      << detail(rc, "recount");
}

TEST(VerifyFormat2, CatchesAWrongWinner) {
  auto r = vv::make_test_record(schulze_example());
  r.result.winners = names{"B"};
  r.result.winner = "B";
  const auto rc = checked(r);
  EXPECT_EQ(failed(rc), names{"recount"});
  EXPECT_NE(detail(rc, "recount").find("winners: record [\"B\"], recount [\"A\"]"),
            std::string::npos)
      << detail(rc, "recount");
}

TEST(VerifyFormat2, CatchesAWrongQuota) {
  auto r = vv::make_test_record(stv_example());
  r.result.count->quota = 400000;
  const auto rc = checked(r);
  EXPECT_EQ(failed(rc), names{"recount"});
  EXPECT_NE(detail(rc, "recount").find("quota recounted 500000, record says 400000"),
            std::string::npos)
      << detail(rc, "recount");
}

TEST(VerifyFormat2, CatchesAChangedWeight) {
  auto r = vv::make_test_record(stv_example());
  r.weight_values[0] = 8;  // the roll says 8, the ballot 7
  auto rc = checked(r);
  EXPECT_EQ(failed(rc), names{"weights"});
  EXPECT_NE(detail(rc, "weights").find("1 ballots of weight 7, 0 used roll entries"),
            std::string::npos)
      << detail(rc, "weights");
  // The ballot's weight changed too: now the recount differs.
  r = vv::make_test_record(stv_example());
  for (auto& b : r.ballots) {
    if (b.weighted) b.weight = 8;
  }
  r.weight_values[0] = 8;
  rc = checked(r);
  EXPECT_EQ(failed(rc), names{"recount"});
  // A weight of 1 written out, and a weight entry for a voter not on the roll.
  r = vv::make_test_record(stv_example());
  r.weight_values[0] = 1;
  EXPECT_EQ(failed(checked(r)), names{"weights"});
  r = vv::make_test_record(stv_example());
  r.weight_keys = vv::string_list{};
  r.weight_keys->push_back("zz-not-a-voter");
  EXPECT_EQ(failed(checked(r)), names{"weights"});
}

TEST(VerifyFormat2, CatchesABallotWithADuplicateRanking) {
  auto e = irv_example();
  e.ballots[0] = rank({"A", "B", "A"});
  const auto rc = checked(vv::make_test_record(e));
  EXPECT_EQ(failed(rc), names{"ballots"});
  EXPECT_NE(detail(rc, "ballots").find("the ranking lists 'A' twice"), std::string::npos)
      << detail(rc, "ballots");
}

TEST(VerifyFormat2, CatchesAScoreOverTheMaximum) {
  auto e = star_example();
  e.ballots[1] = scored({"B", "C"}, {6, 3});
  const auto rc = checked(vv::make_test_record(e));
  EXPECT_EQ(failed(rc), names{"ballots"});
  EXPECT_NE(detail(rc, "ballots").find("a score for 'B' must be between 0 and 5 (got 6)"),
            std::string::npos)
      << detail(rc, "ballots");
}

TEST(VerifyFormat2, CatchesASwappedPairwiseCell) {
  auto r = vv::make_test_record(schulze_example());
  auto& p = *r.result.count->pairwise;
  std::swap(p[0][1], p[1][0]);
  const auto rc = checked(r);
  EXPECT_EQ(failed(rc), names{"recount"});
  EXPECT_NE(detail(rc, "recount").find("pairwise \"A\" over \"B\" recounted 6, record says 3"),
            std::string::npos)
      << detail(rc, "recount");
}

TEST(VerifyFormat2, CatchesBallotsOfAnotherShapeUnknownNamesAndUnsortedApprovals) {
  auto r = vv::make_test_record(approval_example());
  r.ballots[0].shape = vv::ballot_shape::rank;
  auto rc = checked(r);
  EXPECT_FALSE(find(rc, "ballots")->passed);
  EXPECT_FALSE(find(rc, "trackers")->passed);
  r = vv::make_test_record(approval_example());
  for (auto& b : r.ballots) {
    if (b.count == 2) std::swap(r.marks[b.first], r.marks[b.first + 1]);
  }
  rc = checked(r);
  EXPECT_FALSE(find(rc, "ballots")->passed);
  EXPECT_NE(detail(rc, "ballots").find("not sorted by bytes"), std::string::npos);
  auto e = irv_example();
  e.ballots[0] = rank({"Mallory"});
  rc = checked(vv::make_test_record(e));
  EXPECT_FALSE(find(rc, "candidates")->passed);
}

TEST(VerifyFormat2, CatchesInconsistentSettingsAndMissingMembers) {
  auto r = vv::make_test_record(irv_example());
  r.settings.seats = 2;
  EXPECT_EQ(failed(checked(r)), names{"settings"});
  r = vv::make_test_record(stv_example());
  r.settings.seats = 4;  // as many seats as candidates
  EXPECT_NE(std::find(failed(checked(r)).begin(), failed(checked(r)).end(), "settings"),
            failed(checked(r)).end());
  r = vv::make_test_record(irv_example());
  r.result.count.reset();
  EXPECT_EQ(failed(checked(r)), (names{"format", "recount"}));
  r = vv::make_test_record(irv_example());
  r.format = "vote-record/1";
  EXPECT_NE(failed(checked(r)), names{});
}

TEST(VerifyFormat2, ParsesAndReencodesByteForByte) {
  for (const auto& e : {stv_example(), star_example(), schulze_example()}) {
    const std::string bytes = vv::encode_record(vv::make_test_record(e));
    const auto parsed = vv::parse_record(bytes);
    ASSERT_TRUE(std::holds_alternative<vv::record>(parsed))
        << std::get<vv::parse_error>(parsed).message;
    EXPECT_EQ(vv::encode_record(std::get<vv::record>(parsed)), bytes);
    // Every prefix is refused without a crash.
    for (std::size_t n = 0; n < bytes.size(); n += 7) {
      ASSERT_FALSE(vv::check_record(bytes.substr(0, n)).passed()) << n;
    }
  }
  // A ballot of two shapes, a float score and a negative weight do not parse.
  for (const std::string bad :
       {R"({"ballots":[{"ballot":{"rank":["A"],"approve":["A"]},"nonce":"x","tracker":"y"}]})",
        R"({"ballots":[{"ballot":{"scores":{"A":1.5}}}]})",
        R"({"ballots":[{"ballot":{"rank":["A"]},"weight":-2}]})"}) {
    EXPECT_TRUE(std::holds_alternative<vv::parse_error>(vv::parse_record(bad))) << bad;
  }
}

TEST(VerifyFormat2, ReceiptsOfEveryShape) {
  for (const auto& e : {irv_example(), star_example(), approval_example()}) {
    const auto r = vv::make_test_record(e);
    const auto& b = r.ballots[0];
    json ballot;
    const auto name = [&](std::size_t k) { return r.ballot_names[r.marks[k]]; };
    if (b.shape == vv::ballot_shape::scores) {
      for (std::size_t k = b.first; k < b.first + b.count; ++k) {
        ballot["scores"][name(k)] = r.scores[k];
      }
    } else {
      json l = json::array();
      for (std::size_t k = b.first; k < b.first + b.count; ++k) l.push_back(name(k));
      ballot[b.shape == vv::ballot_shape::rank ? "rank" : "approve"] = l;
    }
    json receipt = {{"ballot", ballot},
                    {"election_id", r.election_id},
                    {"format", "vote-receipt/1"},
                    {"nonce", b.nonce},
                    {"tracker", vv::group4(b.tracker)}};
    auto parsed = vv::parse_receipt(receipt.dump());
    ASSERT_TRUE(std::holds_alternative<vv::receipt>(parsed)) << receipt.dump();
    auto c = vv::check_receipt(std::get<vv::receipt>(parsed), r);
    EXPECT_TRUE(c.passed) << e.method << ": " << c.detail;
    // Another ballot under the same tracker: the tracker no longer recomputes.
    if (b.shape == vv::ballot_shape::scores) {
      receipt["ballot"]["scores"][name(b.first)] = 0;
    } else {
      receipt["ballot"] = {{b.shape == vv::ballot_shape::rank ? "rank" : "approve", {"Z"}}};
    }
    parsed = vv::parse_receipt(receipt.dump());
    ASSERT_TRUE(std::holds_alternative<vv::receipt>(parsed));
    c = vv::check_receipt(std::get<vv::receipt>(parsed), r);
    EXPECT_FALSE(c.passed);
  }
}

TEST(VerifyFormat2, FormatOneRecordsOfTheBuilderStillVerify) {
  vv::test_election e{.format_2 = false};
  e.ballots = {rank({"A"}), rank({"B"}), rank({"A"})};
  const auto rc = checked(vv::make_test_record(e));
  EXPECT_EQ(failed(rc), names{});
  EXPECT_EQ(rc.counted->winner, "A");
  EXPECT_EQ(failed(checked(vv::make_test_record(1000))), names{});
}
