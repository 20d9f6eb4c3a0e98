// vote-verify's own recount of every counting method (docs/counting.md): plurality, approval,
// score, star, irv, stv (Scottish STV in 1/100,000 vote units) and schulze, with weighted ballots.
//
// Written from docs/counting.md alone; it shares no code with the servers' counting
// (src/core/counting*.cpp). Integer arithmetic only (STV transfers multiply in 128 bits); the
// result depends only on the multiset of ballots.
//
// Pure and deterministic; no exceptions except std::bad_alloc. Marks outside 0..candidates-1
// are ignored (the record checks report them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vote::verify {

inline constexpr std::uint64_t stv_scale = 100'000;

enum class count_method : std::uint8_t { plurality, approval, irv, schulze, stv, score, star };
std::optional<count_method> method_from_string(std::string_view name);
bool is_ranked(count_method m);  // irv, schulze, stv
bool is_scored(count_method m);  // score, star

struct count_settings {
  count_method method = count_method::plurality;
  bool first_listed = false;  // tie_break "first_listed" (else "none")
  std::uint64_t seats = 1;    // stv
};

// Ballot i: marks[offsets[i] .. offsets[i+1]) (candidate indexes), scores parallel to marks
// (scored methods; may be empty otherwise), weight weights[i].
struct count_ballots {
  std::size_t candidates = 0;
  std::vector<std::size_t> offsets{0};
  std::vector<std::uint32_t> marks;
  std::vector<std::uint64_t> scores;
  std::vector<std::uint64_t> weights;

  std::size_t size() const noexcept { return weights.size(); }
  void add(const std::vector<std::uint32_t>& m, std::uint64_t weight = 1,
           const std::vector<std::uint64_t>& s = {});
};

struct count_round {
  std::vector<std::uint64_t> totals;  // one per candidate
  std::uint64_t exhausted = 0;
  std::vector<std::uint32_t> elected;  // in the order elected
  std::vector<std::uint32_t> eliminated;
  std::vector<std::uint32_t> tied;         // candidate order; empty when no tie
  std::string tie_note;                    // "earlier round" | "registration order" | "total score"
  std::vector<std::uint32_t> transferred;  // stv: whose surplus this round transferred
};

struct count_result {
  std::vector<std::uint64_t> totals;  // first-step totals (never STV units)
  std::vector<std::uint32_t> winners;
  bool tie = false;
  std::vector<std::uint32_t> tied;  // candidate order
  std::uint64_t total_weight = 0;
  std::uint64_t quota = 0;  // stv
  std::vector<count_round> rounds;
  std::vector<std::vector<std::uint64_t>> pairwise;   // schulze
  std::vector<std::vector<std::uint64_t>> strongest;  // schulze
  std::string error;  // non-empty: the ballots cannot be counted (stv: W * scale >= 2^64)
};

count_result count_votes(const count_settings& s, const count_ballots& b);

}  // namespace vote::verify
