// Counting methods (DESIGN.md §11, docs/counting.md): plurality, approval, instant-runoff,
// Condorcet–Schulze, single transferable vote, score and STAR over weighted ballots.
//
// Pure and deterministic: the same ballots give the same result on every server, in any order
// of the ballots (the tests check it), with integer arithmetic only (STV counts in fixed point,
// `stv_scale` units per vote). Every tie the count meets is resolved by the documented rule of
// docs/counting.md and reported, never by chance. docs/counting.md is the exact specification;
// vote-verify implements it again without this code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vote::counting {

enum class method : std::uint8_t {
  plurality = 0,  // one candidate; most votes wins
  approval = 1,   // any set of candidates; most approvals wins
  irv = 2,        // ranking; instant-runoff: drop the last until a majority of continuing ballots
  schulze = 3,    // ranking; Condorcet–Schulze (winning votes, widest paths)
  stv = 4,        // ranking; single transferable vote, `seats` winners (Scottish STV rules)
  score = 5,      // a score 0..max_score for any candidates; highest total wins
  star = 6,       // score then automatic runoff between the two highest totals
};
std::string_view to_string(method m) noexcept;
std::optional<method> method_from_string(std::string_view name) noexcept;
// The ballot shape a method takes.
bool is_ranked(method m) noexcept;  // irv, schulze, stv
bool is_scored(method m) noexcept;  // score, star

// What happens when the final step of a count ends level (several candidates with the winning
// total, a Schulze tie, a STAR runoff tie after its own rules): see docs/counting.md.
enum class tie_rule : std::uint8_t {
  none = 0,          // no winner; the result lists who tied
  first_listed = 1,  // the tied candidate listed first in registration order wins
};

// STV fixed point: one vote = 100,000 units (transfer values truncated to 5 decimals, as the
// Scottish STV rules do).
inline constexpr std::uint64_t stv_scale = 100'000;

// Ballots of one election, compact: ballot i has marks[offsets[i] .. offsets[i+1]).
//   plurality: one mark, the candidate;
//   approval:  the approved candidates, each once (any order; order does not matter);
//   ranked:    the candidates in preference order, each at most once; unranked candidates rank
//              below every ranked one (truncated ballots are valid);
//   scored:    the scored candidates, each once, with scores[k] the score of marks[k]; an
//              unscored candidate scores 0.
// weights[i] is the weight of ballot i (a delegate's vote; 1 for most voters).
struct ballot_box {
  std::uint32_t candidates = 0;           // candidate indexes are 0 .. candidates-1
  std::vector<std::uint32_t> offsets{0};  // size() == ballots + 1
  std::vector<std::uint16_t> marks;       // candidate indexes
  std::vector<std::uint16_t> scores;      // scored methods: parallel to marks; else empty
  std::vector<std::uint64_t> weights;     // one per ballot

  std::size_t size() const noexcept { return offsets.size() - 1; }
  friend bool operator==(const ballot_box&, const ballot_box&) = default;
  void add(const std::vector<std::uint16_t>& ballot_marks, std::uint64_t weight,
           const std::vector<std::uint16_t>& ballot_scores = {});
};

struct settings {
  method how = method::plurality;
  std::uint32_t seats = 1;      // stv only; 1 <= seats < candidates
  std::uint32_t max_score = 5;  // score/star: scores are 0..max_score (1 <= max_score <= 100)
  tie_rule ties = tie_rule::none;
};

// One round of a multi-round count (irv, stv, star).
struct round {
  // Each candidate's total this round, in candidate order (stv: in stv_scale units; star: the
  // score totals in round 1, the runoff preferences in round 2 with 0 for the others). A
  // candidate already eliminated or elected-and-transferred keeps 0 or its quota as the method
  // says in docs/counting.md.
  std::vector<std::uint64_t> totals;
  std::uint64_t exhausted = 0;            // weight (stv: units) of ballots with no continuing mark
  std::vector<std::uint32_t> elected;     // elected in this round (index order of election)
  std::vector<std::uint32_t> eliminated;  // dropped in this round (irv/stv: at most one)
  // Set when this round's decision was a tie: which candidates were level and the rule that
  // chose (docs/counting.md names each: "earlier round", "registration order", "total score").
  std::vector<std::uint32_t> tied;
  std::string tie_note;
  // stv: the elected candidate whose surplus this round transferred (at most one); else empty.
  std::vector<std::uint32_t> transferred;

  friend bool operator==(const round&, const round&) = default;
};

struct count {
  // First-step totals by candidate: plurality votes, approvals, first preferences (ranked),
  // score totals (scored). Weighted.
  std::vector<std::uint64_t> totals;
  // The winners: one for every method but stv (up to `seats`, in order of election). Empty when
  // the final step tied under tie_rule::none.
  std::vector<std::uint32_t> winners;
  bool tie = false;                 // the final decision was level (see tie_rule)
  std::vector<std::uint32_t> tied;  // those candidates, in candidate order
  std::vector<round> rounds;        // irv, stv, star; empty otherwise
  // schulze: pairwise[i][j] = weight of ballots ranking i above j; strongest[i][j] the widest
  // path strength from i to j. Empty for other methods.
  std::vector<std::vector<std::uint64_t>> pairwise;
  std::vector<std::vector<std::uint64_t>> strongest;
  std::uint64_t quota = 0;         // stv: the Droop quota in stv_scale units; else 0
  std::uint64_t total_weight = 0;  // sum of the ballots' weights

  friend bool operator==(const count&, const count&) = default;  // every field
};

// Checks one ballot's shape against the settings: mark count, candidate range, duplicates,
// score range. "" when valid, else a user-facing reason ("a ranking lists 'B' twice" style,
// naming candidates through `names`).
std::string check_ballot(const settings& s, const std::vector<std::string>& names,
                         const std::vector<std::uint16_t>& ballot_marks,
                         const std::vector<std::uint16_t>& ballot_scores);

// Counts the ballots (docs/counting.md). Requires every ballot to pass check_ballot() and
// s.seats < candidates for stv (when seats >= candidates every candidate is elected in round 1).
// Total weight must stay below 2^53 (the state machine bounds weights so that it does); stv also
// needs total weight * stv_scale < 2^64 (a VOTE_INVARIANT; the count is then empty).
count tally(const settings& s, const ballot_box& box);

namespace detail {
// The steps behind tally(), one file each (src/core/counting_*.cpp). Each method is handed a
// count with total_weight set and a box whose shape tally() checked.
void count_star(const settings& s, const ballot_box& box, count& c);
void count_irv(const settings& s, const ballot_box& box, count& c);
void count_stv(const settings& s, const ballot_box& box, count& c);
void count_schulze(const settings& s, const ballot_box& box, count& c);
// Weight of the ballots whose first mark is each candidate.
std::vector<std::uint64_t> first_preferences(const ballot_box& box);
// The final decision among `level` (candidate order): one wins outright, several apply `rule`.
void settle(count& c, std::vector<std::uint32_t> level, tie_rule rule);
}  // namespace detail

}  // namespace vote::counting
