// Counting methods (docs/counting.md): the worked examples of the spec and of the literature,
// every tie rule, ballot checks, and properties over seeded random ballot sets.
#include "vote/core/counting.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace vote::counting {
namespace {

using list = std::vector<std::uint32_t>;
using totals = std::vector<std::uint64_t>;

struct ballot {
  std::uint64_t weight = 1;
  std::vector<std::uint16_t> marks;
  std::vector<std::uint16_t> scores = {};
};

ballot_box box_of(std::uint32_t candidates, const std::vector<ballot>& ballots) {
  ballot_box box{.candidates = candidates};
  for (const ballot& b : ballots) box.add(b.marks, b.weight, b.scores);
  return box;
}

count run(method how, std::uint32_t candidates, const std::vector<ballot>& ballots,
          std::uint32_t seats = 1, tie_rule ties = tie_rule::none) {
  return tally(settings{.how = how, .seats = seats, .ties = ties}, box_of(candidates, ballots));
}

// ---- The worked examples of docs/counting.md --------------------------------------------

TEST(CountingSpecExample, PluralityLevelTopIsATie) {
  const std::vector<ballot> b{{1, {0}}, {1, {0}}, {1, {0}}, {2, {1}}, {1, {1}}, {1, {2}}};
  const count none = run(method::plurality, 3, b);
  EXPECT_EQ(none.totals, (totals{3, 3, 1}));
  EXPECT_TRUE(none.tie);
  EXPECT_EQ(none.tied, (list{0, 1}));
  EXPECT_TRUE(none.winners.empty());
  const count first = run(method::plurality, 3, b, 1, tie_rule::first_listed);
  EXPECT_TRUE(first.tie);
  EXPECT_EQ(first.winners, (list{0}));
  EXPECT_EQ(first.total_weight, 7U);
}

TEST(CountingSpecExample, ApprovalCountsEveryApproval) {
  const count c = run(method::approval, 3, {{1, {0, 1}}, {1, {1}}, {2, {1, 2}}, {1, {0}}});
  EXPECT_EQ(c.totals, (totals{2, 4, 2}));
  EXPECT_EQ(c.winners, (list{1}));
  EXPECT_FALSE(c.tie);
  EXPECT_TRUE(c.rounds.empty());
}

TEST(CountingSpecExample, ScoreAddsWeightTimesScore) {
  const count c =
      run(method::score, 3, {{1, {0, 1}, {5, 3}}, {2, {1, 2}, {5, 4}}, {1, {0, 2}, {4, 2}}});
  EXPECT_EQ(c.totals, (totals{9, 13, 10}));
  EXPECT_EQ(c.winners, (list{1}));
}

TEST(CountingSpecExample, StarRunoffReversesTheScoreLeader) {
  const count c = run(method::star, 4,
                      {{1, {0, 1, 2}, {5, 4, 1}},
                       {1, {1, 2}, {5, 3}},
                       {2, {2, 0, 3}, {5, 2, 1}},
                       {1, {3, 1}, {5, 1}},
                       {1, {3}, {3}}});
  EXPECT_EQ(c.totals, (totals{9, 10, 14, 10}));
  ASSERT_EQ(c.rounds.size(), 2U);
  EXPECT_EQ(c.rounds[0].tied, (list{1, 3}));
  EXPECT_EQ(c.rounds[0].tie_note, "registration order");
  EXPECT_EQ(c.rounds[0].eliminated, (list{0, 3}));
  EXPECT_EQ(c.rounds[1].totals, (totals{0, 3, 2, 0}));
  EXPECT_EQ(c.rounds[1].exhausted, 1U);
  EXPECT_EQ(c.rounds[1].elected, (list{1}));
  EXPECT_EQ(c.winners, (list{1}));
  EXPECT_FALSE(c.tie);
}

TEST(CountingSpecExample, IrvMajorityOfContinuingBallotsAfterExhaustion) {
  const count c = run(method::irv, 4, {{6, {0}}, {3, {1}}, {2, {2}}, {1, {3}}});
  ASSERT_EQ(c.rounds.size(), 2U);
  EXPECT_EQ(c.rounds[0].totals, (totals{6, 3, 2, 1}));
  EXPECT_EQ(c.rounds[0].eliminated, (list{3}));
  EXPECT_TRUE(c.rounds[0].tied.empty());
  EXPECT_EQ(c.rounds[1].totals, (totals{6, 3, 2, 0}));
  EXPECT_EQ(c.rounds[1].exhausted, 1U);
  EXPECT_EQ(c.rounds[1].elected, (list{0}));
  EXPECT_EQ(c.winners, (list{0}));
}

TEST(CountingSpecExample, IrvEliminationTieLooksAtTheEarlierRound) {
  const count c = run(method::irv, 4, {{6, {0}}, {3, {1}}, {2, {2}}, {1, {3, 2}}});
  ASSERT_EQ(c.rounds.size(), 3U);
  EXPECT_EQ(c.rounds[1].totals, (totals{6, 3, 3, 0}));
  EXPECT_EQ(c.rounds[1].tied, (list{1, 2}));
  EXPECT_EQ(c.rounds[1].tie_note, "earlier round");
  EXPECT_EQ(c.rounds[1].eliminated, (list{2}));
  EXPECT_EQ(c.rounds[2].exhausted, 3U);
  EXPECT_EQ(c.winners, (list{0}));
  EXPECT_FALSE(c.tie);
}

TEST(CountingSpecExample, StvTruncatesTransferValues) {
  const count c = run(method::stv, 4, {{7, {0, 1}}, {2, {2}}, {2, {3, 2}}, {1, {2, 3}}}, 2);
  EXPECT_EQ(c.quota, 500000U);
  EXPECT_EQ(c.totals, (totals{7, 0, 3, 2}));
  ASSERT_EQ(c.rounds.size(), 4U);
  EXPECT_EQ(c.rounds[0].totals, (totals{700000, 0, 300000, 200000}));
  EXPECT_EQ(c.rounds[0].elected, (list{0}));
  EXPECT_EQ(c.rounds[0].transferred, (list{0}));
  EXPECT_EQ(c.rounds[1].totals, (totals{500000, 199997, 300000, 200000}));
  EXPECT_EQ(c.rounds[1].eliminated, (list{1}));
  EXPECT_EQ(c.rounds[2].totals, (totals{500000, 0, 300000, 200000}));
  EXPECT_EQ(c.rounds[2].exhausted, 199997U);
  EXPECT_EQ(c.rounds[2].eliminated, (list{3}));
  EXPECT_EQ(c.rounds[3].totals, (totals{500000, 0, 500000, 0}));
  EXPECT_EQ(c.rounds[3].elected, (list{2}));
  EXPECT_EQ(c.winners, (list{0, 2}));
}

TEST(CountingSpecExample, SchulzeResolvesACondorcetCycle) {
  const count c = run(method::schulze, 3, {{4, {0, 1, 2}}, {3, {1, 2, 0}}, {2, {2, 0, 1}}});
  EXPECT_EQ(c.pairwise, (std::vector<totals>{{0, 6, 4}, {3, 0, 7}, {5, 2, 0}}));
  EXPECT_EQ(c.strongest, (std::vector<totals>{{0, 6, 6}, {5, 0, 7}, {5, 5, 0}}));
  EXPECT_EQ(c.winners, (list{0}));
  EXPECT_EQ(c.totals, (totals{4, 3, 2}));
}

// ---- Examples from the literature -------------------------------------------------------

// Markus Schulze, "A new monotonic, clone-independent, reversal symmetric, and
// Condorcet-consistent single-winner election method", Social Choice and Welfare 36 (2011),
// section 3, the 45-voter example; the same numbers are the example of the Wikipedia article
// "Schulze method" (pairwise table d and strongest paths p printed there). Winner E.
TEST(CountingLiterature, Schulze45VoterExampleElectsE) {
  enum : std::uint16_t { A, B, C, D, E };
  const count c = run(method::schulze, 5,
                      {{5, {A, C, B, E, D}},
                       {5, {A, D, E, C, B}},
                       {8, {B, E, D, A, C}},
                       {3, {C, A, B, E, D}},
                       {7, {C, A, E, B, D}},
                       {2, {C, B, A, D, E}},
                       {7, {D, C, E, B, A}},
                       {8, {E, B, A, D, C}}});
  EXPECT_EQ(c.pairwise, (std::vector<totals>{{0, 20, 26, 30, 22},
                                             {25, 0, 16, 33, 18},
                                             {19, 29, 0, 17, 24},
                                             {15, 12, 28, 0, 14},
                                             {23, 27, 21, 31, 0}}));
  EXPECT_EQ(c.strongest, (std::vector<totals>{{0, 28, 28, 30, 24},
                                              {25, 0, 28, 33, 24},
                                              {25, 29, 0, 29, 24},
                                              {25, 28, 28, 0, 24},
                                              {25, 28, 28, 31, 0}}));
  EXPECT_EQ(c.winners, (list{E}));
  EXPECT_FALSE(c.tie);
  EXPECT_EQ(c.total_weight, 45U);
}

// Wikipedia, "Instant-runoff voting" (and "Schulze method", "Plurality voting"): the Tennessee
// capital example, 42% Memphis, 26% Nashville, 15% Chattanooga, 17% Knoxville.
enum : std::uint16_t { memphis, nashville, chattanooga, knoxville };
const std::vector<ballot> tennessee{{42, {memphis, nashville, chattanooga, knoxville}},
                                    {26, {nashville, chattanooga, knoxville, memphis}},
                                    {15, {chattanooga, knoxville, nashville, memphis}},
                                    {17, {knoxville, chattanooga, nashville, memphis}}};

TEST(CountingLiterature, TennesseePluralityElectsMemphis) {
  std::vector<ballot> firsts;
  for (const ballot& b : tennessee) firsts.push_back({b.weight, {b.marks.front()}});
  EXPECT_EQ(run(method::plurality, 4, firsts).winners, (list{memphis}));
}

TEST(CountingLiterature, TennesseeIrvElectsKnoxville) {
  const count c = run(method::irv, 4, tennessee);
  ASSERT_EQ(c.rounds.size(), 3U);
  EXPECT_EQ(c.rounds[0].totals, (totals{42, 26, 15, 17}));
  EXPECT_EQ(c.rounds[0].eliminated, (list{chattanooga}));
  EXPECT_EQ(c.rounds[1].totals, (totals{42, 26, 0, 32}));
  EXPECT_EQ(c.rounds[1].eliminated, (list{nashville}));
  EXPECT_EQ(c.rounds[2].totals, (totals{42, 0, 0, 58}));
  EXPECT_EQ(c.winners, (list{knoxville}));
}

TEST(CountingLiterature, TennesseeSchulzeElectsTheCondorcetWinnerNashville) {
  const count c = run(method::schulze, 4, tennessee);
  EXPECT_EQ(c.pairwise[nashville][memphis], 58U);
  EXPECT_EQ(c.pairwise[nashville][chattanooga], 68U);
  EXPECT_EQ(c.pairwise[nashville][knoxville], 68U);
  EXPECT_EQ(c.winners, (list{nashville}));
}

// Wikipedia, "STAR voting", the Tennessee example (0-5 stars by distance). The article's table
// is reproduced from memory of its shape; the totals below are computed by hand from these
// scores under docs/counting.md. The published outcome holds: finalists Nashville and
// Chattanooga, Nashville wins the runoff 68 to 32.
TEST(CountingLiterature, TennesseeStarElectsNashville) {
  const std::vector<std::uint16_t> all{memphis, nashville, chattanooga, knoxville};
  const count c = run(method::star, 4,
                      {{42, all, {5, 2, 1, 0}},
                       {26, all, {0, 5, 3, 2}},
                       {15, all, {0, 3, 5, 4}},
                       {17, all, {0, 2, 4, 5}}});
  EXPECT_EQ(c.totals, (totals{210, 293, 263, 197}));
  ASSERT_EQ(c.rounds.size(), 2U);
  EXPECT_EQ(c.rounds[0].eliminated, (list{memphis, knoxville}));
  EXPECT_EQ(c.rounds[1].totals, (totals{0, 68, 32, 0}));
  EXPECT_EQ(c.winners, (list{nashville}));
}

// Wikipedia, "Single transferable vote", the food election: 20 guests, 3 seats, Droop quota 6.
// (Older revisions call the fifth candidate Sweets.) The article transfers Chocolate's surplus
// as 4 to Strawberries and 2 to Hamburgers, exactly as the value 1/2 per paper does here. Our
// rounds follow it: Chocolate; Pears out; Oranges (exactly the quota); Hamburgers out, and
// Strawberries take the last seat as the only continuing candidate.
TEST(CountingLiterature, StvFoodElectionElectsChocolateOrangesStrawberries) {
  enum : std::uint16_t { oranges, pears, chocolate, strawberries, hamburgers };
  const count c = run(method::stv, 5,
                      {{4, {oranges}},
                       {2, {pears, oranges}},
                       {8, {chocolate, strawberries}},
                       {4, {chocolate, hamburgers}},
                       {1, {strawberries}},
                       {1, {hamburgers}}},
                      3);
  EXPECT_EQ(c.quota, 6 * stv_scale);
  ASSERT_EQ(c.rounds.size(), 4U);
  EXPECT_EQ(c.rounds[0].totals, (totals{400000, 200000, 1200000, 100000, 100000}));
  EXPECT_EQ(c.rounds[0].elected, (list{chocolate}));
  EXPECT_EQ(c.rounds[0].transferred, (list{chocolate}));
  EXPECT_EQ(c.rounds[1].totals, (totals{400000, 200000, 600000, 500000, 300000}));
  EXPECT_EQ(c.rounds[1].eliminated, (list{pears}));
  EXPECT_EQ(c.rounds[2].totals, (totals{600000, 0, 600000, 500000, 300000}));
  EXPECT_EQ(c.rounds[2].elected, (list{oranges}));
  EXPECT_EQ(c.rounds[2].eliminated, (list{hamburgers}));
  EXPECT_EQ(c.rounds[3].exhausted, 300000U);
  EXPECT_EQ(c.rounds[3].elected, (list{strawberries}));
  EXPECT_EQ(c.winners, (list{chocolate, oranges, strawberries}));
}

// ---- Ties ------------------------------------------------------------------------------

TEST(CountingTies, NoBallotsIsALevelTieForEveryMethod) {
  for (const method m :
       {method::plurality, method::approval, method::score, method::schulze, method::irv}) {
    const count c = run(m, 3, {});
    EXPECT_TRUE(c.tie) << to_string(m);
    EXPECT_EQ(c.tied, (list{0, 1, 2})) << to_string(m);
    EXPECT_TRUE(c.winners.empty()) << to_string(m);
    EXPECT_TRUE(c.rounds.empty()) << to_string(m);
    EXPECT_EQ(run(m, 3, {}, 1, tie_rule::first_listed).winners, (list{0})) << to_string(m);
  }
}

TEST(CountingTies, StvWithoutBallotsUnderFirstListedElectsTheFirstSeats) {
  const count none = run(method::stv, 4, {}, 2);
  EXPECT_TRUE(none.tie);
  EXPECT_EQ(none.tied, (list{0, 1, 2, 3}));
  EXPECT_TRUE(none.winners.empty());
  EXPECT_EQ(none.quota, stv_scale);
  const count first = run(method::stv, 4, {}, 2, tie_rule::first_listed);
  EXPECT_EQ(first.winners, (list{0, 1}));
  EXPECT_TRUE(first.rounds.empty());
}

TEST(CountingTies, OneCandidateWinsWithoutBallots) {
  for (const method m : {method::plurality, method::irv, method::schulze, method::star}) {
    const count c = run(m, 1, {});
    EXPECT_EQ(c.winners, (list{0})) << to_string(m);
    EXPECT_FALSE(c.tie) << to_string(m);
  }
}

TEST(CountingTies, IrvFirstRoundTieEliminatesTheLastListed) {
  const count c = run(method::irv, 3, {{3, {0}}, {2, {1, 0}}, {2, {2, 1}}});
  EXPECT_EQ(c.rounds[0].tied, (list{1, 2}));
  EXPECT_EQ(c.rounds[0].tie_note, "registration order");
  EXPECT_EQ(c.rounds[0].eliminated, (list{2}));
  EXPECT_EQ(c.winners, (list{1}));  // B 4 against A 3
}

TEST(CountingTies, StarRunoffTieGoesToTheHigherScoreTotal) {
  const count c = run(method::star, 3, {{1, {0, 1}, {5, 4}}, {1, {1, 0}, {5, 0}}});
  EXPECT_EQ(c.rounds[1].totals, (totals{1, 1, 0}));
  EXPECT_EQ(c.rounds[1].tied, (list{0, 1}));
  EXPECT_EQ(c.rounds[1].tie_note, "total score");
  EXPECT_EQ(c.winners, (list{1}));  // B 9 against A 5
  EXPECT_FALSE(c.tie);
}

TEST(CountingTies, StarRunoffLevelOnBothIsACountTie) {
  const std::vector<ballot> b{{1, {0, 1}, {5, 3}}, {1, {1, 0}, {5, 3}}};
  const count none = run(method::star, 2, b);
  EXPECT_TRUE(none.tie);
  EXPECT_EQ(none.tied, (list{0, 1}));
  EXPECT_TRUE(none.winners.empty());
  EXPECT_EQ(none.rounds[1].tie_note, "");
  const count first = run(method::star, 2, b, 1, tie_rule::first_listed);
  EXPECT_EQ(first.winners, (list{0}));
  EXPECT_EQ(first.rounds[1].tie_note, "registration order");
  EXPECT_EQ(first.rounds[1].elected, (list{0}));
}

TEST(CountingTies, SchulzeLevelPairIsATie) {
  const count c = run(method::schulze, 2, {{1, {0}}, {1, {1}}}, 1, tie_rule::first_listed);
  EXPECT_TRUE(c.tie);
  EXPECT_EQ(c.tied, (list{0, 1}));
  EXPECT_EQ(c.winners, (list{0}));
}

TEST(CountingTies, StvLevelSurplusesTransferTheFirstListedFirst) {
  // W = 12, 3 seats: quota 4; A and B hold 6 each, a surplus of 2 each, passed at
  // floor(100000 * 2/6) = 33333 per unit: 6 * 33333 = 199998 to C, then to D.
  const count c = run(method::stv, 4, {{6, {0, 2}}, {6, {1, 3}}}, 3);
  ASSERT_GE(c.rounds.size(), 1U);
  EXPECT_EQ(c.quota, 4 * stv_scale);
  EXPECT_EQ(c.rounds[0].elected, (list{0, 1}));
  EXPECT_EQ(c.rounds[0].tied, (list{0, 1}));
  EXPECT_EQ(c.rounds[0].tie_note, "registration order");
  EXPECT_EQ(c.rounds[0].transferred, (list{0}));
  EXPECT_EQ(c.rounds[1].transferred, (list{1}));
  EXPECT_TRUE(c.rounds[1].tied.empty());
  EXPECT_EQ(c.rounds[2].totals, (totals{400000, 400000, 199998, 199998}));
  EXPECT_EQ(c.rounds[2].tied, (list{2, 3}));
  EXPECT_EQ(c.rounds[2].tie_note, "earlier round");  // round 2: C 199998, D 0
  EXPECT_EQ(c.rounds[2].eliminated, (list{3}));
  EXPECT_EQ(c.winners, (list{0, 1, 2}));
}

TEST(CountingTies, StvWithSeatsForEveryoneElectsAllInRoundOne) {
  const count c = run(method::stv, 3, {{1, {2}}, {2, {1}}}, 5);
  ASSERT_EQ(c.rounds.size(), 1U);
  EXPECT_EQ(c.winners, (list{1, 2, 0}));
  EXPECT_FALSE(c.tie);
}

// ---- check_ballot ----------------------------------------------------------------------

const std::vector<std::string> names{"Ann", "Bob", "Cy"};

std::string check(method how, std::vector<std::uint16_t> marks,
                  std::vector<std::uint16_t> scores = {}) {
  return check_ballot(settings{.how = how}, names, marks, scores);
}

TEST(CountingCheckBallot, AcceptsEveryValidShape) {
  EXPECT_EQ(check(method::plurality, {2}), "");
  EXPECT_EQ(check(method::approval, {2, 0}), "");
  EXPECT_EQ(check(method::irv, {1}), "");  // a truncated ranking
  EXPECT_EQ(check(method::stv, {1, 0, 2}), "");
  EXPECT_EQ(check(method::star, {0, 2}, {0, 5}), "");
}

TEST(CountingCheckBallot, PluralityMarksExactlyOne) {
  EXPECT_EQ(check(method::plurality, {}), "a plurality ballot marks exactly one candidate (got 0)");
  EXPECT_EQ(check(method::plurality, {0, 1}),
            "a plurality ballot marks exactly one candidate (got 2)");
}

TEST(CountingCheckBallot, EmptyBallotsAreRefusedPerShape) {
  EXPECT_EQ(check(method::approval, {}), "the ballot approves no candidate");
  EXPECT_EQ(check(method::schulze, {}), "the ranking lists no candidate");
  EXPECT_EQ(check(method::score, {}, {}), "the ballot scores no candidate");
}

TEST(CountingCheckBallot, UnknownCandidateIsRefused) {
  EXPECT_EQ(check(method::irv, {0, 3}),
            "candidate number 3 does not exist (there are 3 candidates)");
  EXPECT_EQ(check(method::plurality, {7}),
            "candidate number 7 does not exist (there are 3 candidates)");
}

TEST(CountingCheckBallot, DuplicatesNameTheCandidate) {
  EXPECT_EQ(check(method::irv, {1, 0, 1}), "the ranking lists 'Bob' twice");
  EXPECT_EQ(check(method::approval, {2, 2}), "the ballot approves 'Cy' twice");
  EXPECT_EQ(check(method::score, {0, 0}, {1, 2}), "the ballot scores 'Ann' twice");
}

TEST(CountingCheckBallot, ScoresMustMatchMarksAndRange) {
  EXPECT_EQ(check(method::star, {0, 1}, {3}), "the ballot has 1 scores for 2 candidates");
  EXPECT_EQ(check(method::score, {1}, {7}), "a score for 'Bob' must be between 0 and 5 (got 7)");
  EXPECT_EQ(check(method::irv, {1}, {3}), "a irv ballot takes no scores");
}

TEST(CountingCheckBallot, UnknownMethodIsRefused) {
  EXPECT_EQ(check_ballot(settings{.how = static_cast<method>(99)}, names, {0}, {}),
            "unknown counting method");
}

TEST(CountingNames, MethodNamesRoundTrip) {
  for (std::uint8_t m = 0; m <= 6; ++m) {
    EXPECT_EQ(method_from_string(to_string(static_cast<method>(m))), static_cast<method>(m));
  }
  EXPECT_FALSE(method_from_string("borda").has_value());
  EXPECT_TRUE(is_ranked(method::stv));
  EXPECT_TRUE(is_scored(method::star));
  EXPECT_FALSE(is_ranked(method::approval));
}

// ---- Properties over seeded random ballot sets -------------------------------------------

constexpr int iterations = 200;

struct generator {
  std::mt19937_64 rng;
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); }

  // 3-6 candidates, 0-60 ballots; every other seed weights 1-3, else 1.
  std::pair<std::uint32_t, std::vector<ballot>> ballots(method how, std::uint64_t seed) {
    rng.seed(seed);
    const std::uint32_t n = 3 + below(4);
    const std::uint32_t count = below(61);
    const bool weighted = seed % 2 == 1;
    std::vector<ballot> out;
    for (std::uint32_t i = 0; i < count; ++i) out.push_back(one(how, n, weighted));
    return {n, out};
  }

  ballot one(method how, std::uint32_t n, bool weighted) {
    std::vector<std::uint16_t> order(n);
    std::iota(order.begin(), order.end(), std::uint16_t{0});
    std::shuffle(order.begin(), order.end(), rng);
    const std::uint32_t len = how == method::plurality ? 1 : 1 + below(n);
    ballot b{.weight = weighted ? 1 + below(3) : 1,
             .marks = std::vector<std::uint16_t>(order.begin(), order.begin() + len)};
    if (is_scored(how)) {
      for (std::uint32_t k = 0; k < len; ++k)
        b.scores.push_back(static_cast<std::uint16_t>(below(6)));
    }
    return b;
  }
};

constexpr method all_methods[] = {method::plurality, method::approval, method::irv, method::schulze,
                                  method::stv,       method::score,    method::star};

std::vector<std::vector<std::uint64_t>> pairwise_by_hand(std::uint32_t n,
                                                         const std::vector<ballot>& ballots) {
  std::vector<std::vector<std::uint64_t>> d(n, std::vector<std::uint64_t>(n, 0));
  for (const ballot& b : ballots) {
    std::vector<std::uint32_t> rank(n, n);  // unranked: below every ranked one
    for (std::uint32_t k = 0; k < b.marks.size(); ++k) rank[b.marks[k]] = k;
    for (std::uint32_t i = 0; i < n; ++i) {
      for (std::uint32_t j = 0; j < n; ++j) {
        if (rank[i] < rank[j]) d[i][j] += b.weight;
      }
    }
  }
  return d;
}

TEST(CountingProperty, SchulzeElectsTheCondorcetWinner) {
  generator g;
  int seen = 0;
  for (int seed = 0; seed < iterations; ++seed) {
    const auto [n, ballots] = g.ballots(method::schulze, seed);
    const auto d = pairwise_by_hand(n, ballots);
    const count c = run(method::schulze, n, ballots);
    ASSERT_EQ(c.pairwise, d) << "seed " << seed;
    for (std::uint32_t x = 0; x < n; ++x) {
      bool beats_all = true;
      for (std::uint32_t y = 0; y < n; ++y) beats_all = beats_all && (x == y || d[x][y] > d[y][x]);
      if (!beats_all) continue;
      ++seen;
      EXPECT_EQ(c.winners, (list{x})) << "seed " << seed;
      EXPECT_FALSE(c.tie) << "seed " << seed;
    }
  }
  EXPECT_GT(seen, iterations / 4);
}

TEST(CountingProperty, IrvElectsAFirstRoundMajorityWinner) {
  generator g;
  for (int seed = 0; seed < iterations; ++seed) {
    const auto [n, ballots] = g.ballots(method::irv, seed);
    const count c = run(method::irv, n, ballots);
    for (std::uint32_t x = 0; x < n; ++x) {
      if (2 * c.totals[x] > c.total_weight) {
        EXPECT_EQ(c.winners, (list{x})) << "seed " << seed;
        EXPECT_EQ(c.rounds.size(), 1U) << "seed " << seed;
      }
    }
  }
}

TEST(CountingProperty, StvWithOneSeatElectsTheIrvWinner) {
  generator g;
  for (int seed = 0; seed < iterations; ++seed) {
    const auto [n, ballots] = g.ballots(method::irv, seed);
    for (const tie_rule t : {tie_rule::none, tie_rule::first_listed}) {
      const count irv = run(method::irv, n, ballots, 1, t);
      const count stv = run(method::stv, n, ballots, 1, t);
      EXPECT_EQ(stv.winners, irv.winners) << "seed " << seed;
      EXPECT_EQ(stv.tie, irv.tie) << "seed " << seed;
      EXPECT_EQ(stv.tied, irv.tied) << "seed " << seed;
    }
  }
}

TEST(CountingProperty, ApprovalOfOneEqualsPlurality) {
  generator g;
  for (int seed = 0; seed < iterations; ++seed) {
    const auto [n, ballots] = g.ballots(method::plurality, seed);
    for (const tie_rule t : {tie_rule::none, tie_rule::first_listed}) {
      EXPECT_EQ(run(method::approval, n, ballots, 1, t), run(method::plurality, n, ballots, 1, t))
          << "seed " << seed;
    }
  }
}

TEST(CountingProperty, BallotOrderDoesNotMatter) {
  generator g;
  for (const method m : all_methods) {
    for (int seed = 0; seed < iterations; ++seed) {
      auto [n, ballots] = g.ballots(m, seed);
      const std::uint32_t seats = 1 + g.below(n - 1);
      const count before = run(m, n, ballots, seats);
      std::shuffle(ballots.begin(), ballots.end(), g.rng);
      EXPECT_EQ(run(m, n, ballots, seats), before) << to_string(m) << " seed " << seed;
    }
  }
}

TEST(CountingProperty, WeightEqualsDuplicatedBallots) {
  generator g;
  for (const method m : all_methods) {
    for (int seed = 1; seed < 2 * iterations; seed += 2) {  // the weighted seeds
      const auto [n, ballots] = g.ballots(m, seed);
      std::vector<ballot> copies;
      for (const ballot& b : ballots) {
        for (std::uint64_t k = 0; k < b.weight; ++k) copies.push_back({1, b.marks, b.scores});
      }
      const std::uint32_t seats = 1 + g.below(n - 1);
      EXPECT_EQ(run(m, n, copies, seats), run(m, n, ballots, seats))
          << to_string(m) << " seed " << seed;
    }
  }
}

TEST(CountingProperty, StvFillsAtMostTheSeatsAndNeverCreatesVotes) {
  generator g;
  for (int seed = 0; seed < iterations; ++seed) {
    const auto [n, ballots] = g.ballots(method::stv, seed);
    const std::uint32_t seats = 1 + g.below(n - 1);
    const count c = run(method::stv, n, ballots, seats);
    EXPECT_LE(c.winners.size(), seats) << "seed " << seed;
    if (c.total_weight > 0) {
      EXPECT_EQ(c.winners.size(), seats) << "seed " << seed;
    }
    list sorted = c.winners;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "seed " << seed;
    for (const round& r : c.rounds) {
      const std::uint64_t held = std::accumulate(r.totals.begin(), r.totals.end(), r.exhausted);
      EXPECT_LE(held, c.total_weight * stv_scale) << "seed " << seed;
      EXPECT_LE(r.eliminated.size() + r.transferred.size(), 1U) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace vote::counting
