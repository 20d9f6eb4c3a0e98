// vote-verify's recount (include/vote/verify/count.hpp) against the worked examples of
// docs/counting.md: every number below is the page's.
#include <gtest/gtest.h>

#include "vote/verify/count.hpp"

namespace {

namespace vv = vote::verify;
using list = std::vector<std::uint32_t>;
using totals = std::vector<std::uint64_t>;

constexpr std::uint32_t A = 0, B = 1, C = 2, D = 3;

vv::count_result count(vv::count_method m, const vv::count_ballots& b, bool first_listed = false,
                       std::uint64_t seats = 1) {
  return vv::count_votes({.method = m, .first_listed = first_listed, .seats = seats}, b);
}

vv::count_ballots ballots(std::size_t n) {
  vv::count_ballots b;
  b.candidates = n;
  return b;
}

void repeat(vv::count_ballots& b, std::size_t times, const list& marks) {
  for (std::size_t i = 0; i < times; ++i) b.add(marks);
}

}  // namespace

TEST(VerifyCount, PluralityTieUnderBothRules) {
  auto b = ballots(3);
  repeat(b, 3, {A});
  b.add({B}, 2);
  b.add({B});
  b.add({C});
  auto none = count(vv::count_method::plurality, b);
  EXPECT_EQ(none.totals, (totals{3, 3, 1}));
  EXPECT_TRUE(none.tie);
  EXPECT_EQ(none.tied, (list{A, B}));
  EXPECT_TRUE(none.winners.empty());
  auto first = count(vv::count_method::plurality, b, true);
  EXPECT_EQ(first.winners, list{A});
  EXPECT_EQ(first.tied, (list{A, B}));
  EXPECT_EQ(first.total_weight, 7u);
}

TEST(VerifyCount, Approval) {
  auto b = ballots(3);
  b.add({A, B});
  b.add({B});
  b.add({B, C}, 2);
  b.add({A});
  const auto r = count(vv::count_method::approval, b);
  EXPECT_EQ(r.totals, (totals{2, 4, 2}));
  EXPECT_EQ(r.winners, list{B});
  EXPECT_FALSE(r.tie);
}

TEST(VerifyCount, Score) {
  auto b = ballots(3);
  b.add({A, B}, 1, {5, 3});
  b.add({B, C}, 2, {5, 4});
  b.add({A, C}, 1, {4, 2});
  const auto r = count(vv::count_method::score, b);
  EXPECT_EQ(r.totals, (totals{9, 13, 10}));
  EXPECT_EQ(r.winners, list{B});
}

TEST(VerifyCount, Star) {
  auto b = ballots(4);
  b.add({A, B, C}, 1, {5, 4, 1});
  b.add({B, C}, 1, {5, 3});
  b.add({C, A, D}, 2, {5, 2, 1});
  b.add({D, B}, 1, {5, 1});
  b.add({D}, 1, {3});
  const auto r = count(vv::count_method::star, b);
  EXPECT_EQ(r.totals, (totals{9, 10, 14, 10}));
  ASSERT_EQ(r.rounds.size(), 2u);
  EXPECT_EQ(r.rounds[0].totals, (totals{9, 10, 14, 10}));
  EXPECT_EQ(r.rounds[0].tied, (list{B, D}));
  EXPECT_EQ(r.rounds[0].tie_note, "registration order");
  EXPECT_EQ(r.rounds[0].eliminated, (list{A, D}));
  EXPECT_TRUE(r.rounds[0].elected.empty());
  EXPECT_EQ(r.rounds[1].totals, (totals{0, 3, 2, 0}));
  EXPECT_EQ(r.rounds[1].exhausted, 1u);
  EXPECT_EQ(r.rounds[1].elected, list{B});
  EXPECT_TRUE(r.rounds[1].tied.empty());
  EXPECT_EQ(r.winners, list{B});
  EXPECT_FALSE(r.tie);
}

TEST(VerifyCount, StarLevelRunoffGoesToTheHigherTotalThenTheTieRule) {
  auto b = ballots(2);
  b.add({A, B}, 1, {5, 0});
  b.add({A, B}, 1, {0, 1});
  auto r = count(vv::count_method::star, b);
  ASSERT_EQ(r.rounds.size(), 2u);
  EXPECT_EQ(r.rounds[1].tied, (list{A, B}));
  EXPECT_EQ(r.rounds[1].tie_note, "total score");
  EXPECT_EQ(r.winners, list{A});
  b = ballots(2);
  b.add({A, B}, 1, {5, 4});
  b.add({A, B}, 1, {4, 5});
  r = count(vv::count_method::star, b);
  EXPECT_TRUE(r.tie);
  EXPECT_TRUE(r.winners.empty());
  EXPECT_EQ(r.rounds[1].tie_note, "");
  r = count(vv::count_method::star, b, true);
  EXPECT_EQ(r.winners, list{A});
  EXPECT_EQ(r.rounds[1].tie_note, "registration order");
  EXPECT_EQ(r.rounds[1].elected, list{A});
}

TEST(VerifyCount, Irv) {
  auto b = ballots(4);
  repeat(b, 6, {A});
  repeat(b, 3, {B});
  repeat(b, 2, {C});
  b.add({D});
  const auto r = count(vv::count_method::irv, b);
  ASSERT_EQ(r.rounds.size(), 2u);
  EXPECT_EQ(r.rounds[0].totals, (totals{6, 3, 2, 1}));
  EXPECT_EQ(r.rounds[0].eliminated, list{D});
  EXPECT_EQ(r.rounds[1].totals, (totals{6, 3, 2, 0}));
  EXPECT_EQ(r.rounds[1].exhausted, 1u);
  EXPECT_EQ(r.rounds[1].elected, list{A});
  EXPECT_EQ(r.winners, list{A});
  EXPECT_EQ(r.totals, (totals{6, 3, 2, 1}));
}

TEST(VerifyCount, IrvEliminationTieLooksAtEarlierRounds) {
  auto b = ballots(4);
  repeat(b, 6, {A});
  repeat(b, 3, {B});
  repeat(b, 2, {C});
  b.add({D, C});
  const auto r = count(vv::count_method::irv, b);
  ASSERT_EQ(r.rounds.size(), 3u);
  EXPECT_EQ(r.rounds[0].eliminated, list{D});
  EXPECT_EQ(r.rounds[1].totals, (totals{6, 3, 3, 0}));
  EXPECT_EQ(r.rounds[1].tied, (list{B, C}));
  EXPECT_EQ(r.rounds[1].tie_note, "earlier round");
  EXPECT_EQ(r.rounds[1].eliminated, list{C});
  EXPECT_EQ(r.rounds[2].totals, (totals{6, 3, 0, 0}));
  EXPECT_EQ(r.rounds[2].exhausted, 3u);
  EXPECT_EQ(r.rounds[2].elected, list{A});
  EXPECT_FALSE(r.tie);
}

TEST(VerifyCount, IrvTieWithoutHistoryEliminatesTheLastListed) {
  auto b = ballots(3);
  repeat(b, 2, {A});  // 2 of 4: no majority
  b.add({B});
  b.add({C});
  const auto r = count(vv::count_method::irv, b);
  EXPECT_EQ(r.rounds[0].tied, (list{B, C}));
  EXPECT_EQ(r.rounds[0].tie_note, "registration order");
  EXPECT_EQ(r.rounds[0].eliminated, list{C});
}

TEST(VerifyCount, IrvWithoutVotesIsTheTieRule) {
  const auto r = count(vv::count_method::irv, ballots(3), true);
  EXPECT_TRUE(r.tie);
  EXPECT_EQ(r.tied, (list{A, B, C}));
  EXPECT_EQ(r.winners, list{A});
  EXPECT_TRUE(r.rounds.empty());
}

TEST(VerifyCount, StvScottishExample) {
  auto b = ballots(4);
  b.add({A, B}, 7);
  repeat(b, 2, {C});
  repeat(b, 2, {D, C});
  b.add({C, D});
  const auto r = count(vv::count_method::stv, b, false, 2);
  EXPECT_EQ(r.total_weight, 12u);
  EXPECT_EQ(r.quota, 500000u);
  ASSERT_EQ(r.rounds.size(), 4u);
  EXPECT_EQ(r.rounds[0].totals, (totals{700000, 0, 300000, 200000}));
  EXPECT_EQ(r.rounds[0].elected, list{A});
  EXPECT_EQ(r.rounds[0].transferred, list{A});
  EXPECT_EQ(r.rounds[1].totals, (totals{500000, 199997, 300000, 200000}));
  EXPECT_EQ(r.rounds[1].eliminated, list{B});
  EXPECT_EQ(r.rounds[2].totals, (totals{500000, 0, 300000, 200000}));
  EXPECT_EQ(r.rounds[2].exhausted, 199997u);
  EXPECT_EQ(r.rounds[2].eliminated, list{D});
  EXPECT_EQ(r.rounds[3].totals, (totals{500000, 0, 500000, 0}));
  EXPECT_EQ(r.rounds[3].exhausted, 199997u);
  EXPECT_EQ(r.rounds[3].elected, list{C});
  EXPECT_EQ(r.winners, (list{A, C}));
  EXPECT_EQ(r.totals, (totals{7, 0, 3, 2}));
  EXPECT_FALSE(r.tie);
}

TEST(VerifyCount, StvWithOneSeatElectsTheIrvWinner) {
  auto b = ballots(4);
  repeat(b, 6, {A});
  repeat(b, 3, {B});
  repeat(b, 2, {C});
  b.add({D, C});
  EXPECT_EQ(count(vv::count_method::stv, b, false, 1).winners,
            count(vv::count_method::irv, b).winners);
}

TEST(VerifyCount, StvWithoutVotesUnderFirstListedFillsTheSeatsInOrder) {
  const auto r = count(vv::count_method::stv, ballots(4), true, 2);
  EXPECT_TRUE(r.tie);
  EXPECT_EQ(r.winners, (list{A, B}));
  EXPECT_EQ(r.quota, 100000u);
}

TEST(VerifyCount, SchulzeResolvesACondorcetCycle) {
  auto b = ballots(3);
  repeat(b, 4, {A, B, C});
  repeat(b, 3, {B, C, A});
  repeat(b, 2, {C, A, B});
  const auto r = count(vv::count_method::schulze, b);
  const std::vector<totals> pairwise = {{0, 6, 4}, {3, 0, 7}, {5, 2, 0}};
  const std::vector<totals> strongest = {{0, 6, 6}, {5, 0, 7}, {5, 5, 0}};
  EXPECT_EQ(r.pairwise, pairwise);
  EXPECT_EQ(r.strongest, strongest);
  EXPECT_EQ(r.winners, list{A});
  EXPECT_EQ(r.totals, (totals{4, 3, 2}));
  EXPECT_TRUE(r.rounds.empty());
}

TEST(VerifyCount, WeightsCountLikeRepeatedBallots) {
  for (const auto m : {vv::count_method::irv, vv::count_method::stv, vv::count_method::schulze,
                       vv::count_method::star, vv::count_method::approval}) {
    auto weighted = ballots(3), repeated = ballots(3);
    const bool scored = vv::is_scored(m);
    weighted.add({A, B}, 3, scored ? totals{5, 2} : totals{});
    weighted.add({B, C}, 2, scored ? totals{4, 1} : totals{});
    weighted.add({C, A}, 4, scored ? totals{3, 3} : totals{});
    for (int i = 0; i < 3; ++i) repeated.add({A, B}, 1, scored ? totals{5, 2} : totals{});
    for (int i = 0; i < 2; ++i) repeated.add({B, C}, 1, scored ? totals{4, 1} : totals{});
    for (int i = 0; i < 4; ++i) repeated.add({C, A}, 1, scored ? totals{3, 3} : totals{});
    const auto x = count(m, weighted, false, m == vv::count_method::stv ? 2 : 1);
    const auto y = count(m, repeated, false, m == vv::count_method::stv ? 2 : 1);
    EXPECT_EQ(x.winners, y.winners) << static_cast<int>(m);
    EXPECT_EQ(x.totals, y.totals);
    EXPECT_EQ(x.rounds.size(), y.rounds.size());
    for (std::size_t i = 0; i < x.rounds.size() && i < y.rounds.size(); ++i) {
      EXPECT_EQ(x.rounds[i].totals, y.rounds[i].totals) << static_cast<int>(m) << " round " << i;
    }
    EXPECT_EQ(x.pairwise, y.pairwise);
  }
}
