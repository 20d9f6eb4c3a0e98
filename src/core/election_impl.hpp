// Internal to vote_core: the representation behind election_state (include/vote/core/election.hpp)
// shared by the files that implement it (apply, results, snapshot).
//
// Invariants: tallies.size() == candidates.size(); sum(tallies) == votes_cast == number of voters
// with a record; `result` is set exactly when the election is closed and never changes after.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
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
  // First-step totals parallel to candidates (votes, approvals, first preferences, scores),
  // weighted; kept up to date by every vote.
  std::vector<std::uint64_t> tallies;
  voter_table voters;
  // Weights parallel to the roll, kept once a voter weighs other than 1 (`weighted`).
  bool weighted = false;
  chunked_vector<std::uint32_t> weights;  // shared by the state's copies (voter_table.hpp)
  std::uint64_t roll_weight = 0;          // sum of the roll's weights
  tie_break rule = tie_break::none;
  voter_mode mode = voter_mode::ids;
  bool live_results = false;
  counting::method method = counting::method::plurality;
  std::uint32_t seats = 1;
  std::uint32_t max_score = 5;
  std::int64_t opens_at_ms = 0;   // 0: open from registration
  std::int64_t closes_at_ms = 0;  // 0: no deadline
  bool close_when_all_voted = false;
  bool registering = false;                    // more add_voters chunks to come
  std::string register_request_id;             // dedup of a retried register
  std::vector<std::string> chunk_request_ids;  // dedup of retried add_voters chunks
  std::uint64_t votes_cast = 0;
  // Cast ballots of the methods other than plurality, in the order cast; a voter's record
  // holds its ballot's number here (plurality: the candidate index).
  counting::ballot_box ballots;
  std::optional<election_result> result;  // set when closed

  bool closed() const noexcept { return result.has_value(); }
  std::uint64_t weight_of(std::uint32_t voter) const noexcept {
    return weighted ? weights[voter] : 1;
  }
  counting::settings count_settings() const noexcept {
    return {method, seats, max_score,
            rule == tie_break::first_listed ? counting::tie_rule::first_listed
                                            : counting::tie_rule::none};
  }
  friend bool operator==(const election_data&, const election_data&) = default;
};

// Checks one id; `what` names it in the message ("voter id"). Empty ids pass when allow_empty.
// Nothing is allocated unless refused (it runs several times per vote).
outcome check_id(std::string_view id, std::string_view what, const limits& lim,
                 bool allow_empty = false);
// check_command() of a register without its roll: the election id, the candidates, the tie-break,
// voter mode, method and lifecycle settings.
outcome check_register_settings(const register_cmd& r, const limits& lim);

// Builds an election from a register command that passed check_command().
election_data make_election(const register_cmd& r, std::string_view request_id);
// Adds voters that passed check_command() and are not on the roll yet (check_new_voters).
void add_voters(election_data& e, const std::vector<std::string>& voters,
                const std::vector<std::uint64_t>& weights);
// Refusal of a chunk of voters that repeats a voter of the roll or takes the roll over a limit;
// ok otherwise.
outcome check_new_voters(const election_data& e, const std::vector<std::string>& voters,
                         const std::vector<std::uint64_t>& weights, const limits& lim);

// A vote's ballot as candidate indexes (and scores), validated against the election's method.
struct parsed_ballot {
  std::vector<std::uint16_t> marks;
  std::vector<std::uint16_t> scores;
  std::string error;  // "" when valid: else the reason, for the user
};
parsed_ballot parse_ballot(const election_data& e, const vote_cmd& v);
// Records the parsed ballot of voter `i` (the vote checks passed).
void cast_ballot(election_data& e, std::uint32_t voter, const parsed_ballot& b,
                 std::string_view request_id, std::string_view nonce);
// Ballot number `k` (or plurality candidate `k`) as its canonical JSON text (docs/record.md).
std::string canonical_ballot(const election_data& e, std::int32_t choice);
// "'Alice'", "the ranking 'A' > 'B'", ... for the vote's answer.
std::string describe_ballot(const election_data& e, std::int32_t choice);

// Standings of `e` as if closed now: tallies, winner, tie and the tie-break that was applied.
election_result compute_result(const election_data& e);
// The seed-style message announcing a closed election's result.
std::string close_message(const election_result& r);
// The canonical record of a closed election (docs/record.md).
std::string make_record(const election_data& e);

}  // namespace vote::detail

namespace vote::detail {

// One election of the state, shared by the state's copies until one of them changes it (copy on
// write). With voter_table's chunks this makes copying a whole state cheap: a snapshot freezes a
// copy of the applied state while the node goes on applying (docs/cluster.md). Only mut() gives
// write access; it copies the election first if a copy still shares it.
class shared_election {
 public:
  shared_election(election_data e) : p_(std::make_shared<election_data>(std::move(e))) {}
  const election_data& operator*() const noexcept { return *p_; }
  const election_data* operator->() const noexcept { return p_.get(); }
  election_data& mut() {
    if (p_.use_count() == 1) {
      std::atomic_thread_fence(std::memory_order_acquire);  // voter_table_chunks.hpp: owned()
    } else {
      p_ = std::make_shared<election_data>(*p_);
    }
    return *p_;
  }
  friend bool operator==(const shared_election& a, const shared_election& b) {
    return *a.p_ == *b.p_;
  }

 private:
  std::shared_ptr<election_data> p_;  // never null
};

}  // namespace vote::detail

namespace vote {

struct election_state::impl {
  limits lim;
  detail::string_map<detail::shared_election> elections;
  std::int64_t last_timestamp_ms = 0;  // the latest entry timestamp applied (snapshot v3)
};

}  // namespace vote

namespace vote::detail {

// The count's detail as JSON (docs/protocol.md "Results"): rounds with candidate names, the
// pairwise and strongest-path matrices as arrays in candidate order, the stv quota and scale.
nlohmann::json count_to_json(const counting::count& c, const std::vector<std::string>& names);
// Strict inverse; totals, winners and tie are taken from the result around it.
std::optional<counting::count> count_from_json(const nlohmann::json& j,
                                               const std::vector<std::string>& names);

}  // namespace vote::detail
