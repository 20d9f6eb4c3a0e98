// Internal to vote_core: the representation behind election_state (include/vote/core/election.hpp)
// shared by the files that implement it (apply, results, snapshot).
//
// Invariants: tallies.size() == candidates.size(); sum(tallies) == votes_cast == number of voters
// with a record; `result` is set exactly when the election is closed and never changes after.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vote/core/election.hpp"
#include "voter_table.hpp"

namespace vote::detail {

// Transparent hashing so that a string_view finds a std::string key without allocating.
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
template <typename V>
using string_map = std::unordered_map<std::string, V, string_hash, std::equal_to<>>;

struct election_data {
  std::string id;
  std::vector<std::string> candidates;        // registration order
  string_map<std::uint32_t> candidate_index;  // name -> index into candidates
  std::vector<std::uint64_t> tallies;         // parallel to candidates
  voter_table voters;
  tie_break rule = tie_break::none;
  voter_mode mode = voter_mode::ids;
  bool live_results = false;
  std::string register_request_id;  // dedup of a retried register
  std::uint64_t votes_cast = 0;
  std::optional<election_result> result;  // set when closed

  bool closed() const noexcept { return result.has_value(); }
  friend bool operator==(const election_data&, const election_data&) = default;
};

// Builds an open election from a register command that passed check_command().
election_data make_election(const register_cmd& r, std::string_view request_id);

// Standings of `e` as if closed now: tallies, winner, tie and the tie-break that was applied.
election_result compute_result(const election_data& e);
// The seed-style message announcing a closed election's result.
std::string close_message(const election_result& r);
// The canonical record of a closed election (docs/record.md).
std::string make_record(const election_data& e);

}  // namespace vote::detail

namespace vote {

struct election_state::impl {
  limits lim;
  detail::string_map<detail::election_data> elections;
};

}  // namespace vote
