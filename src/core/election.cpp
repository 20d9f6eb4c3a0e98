// The election state machine: apply() of register / vote / close and live results
// (include/vote/core/election.hpp, DESIGN.md §6, docs/state-machine.md).
#include "vote/core/election.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "vote/core/detail/election_impl.hpp"

namespace vote {
namespace {

using detail::election_data;

outcome refuse(errc code, std::string message) {
  return {code, std::move(message), {}};
}

outcome unknown(std::string_view id) {
  return refuse(errc::unknown_election, "Error: Election id " + std::string(id) + " unknown");
}

outcome vote_registered(std::string_view candidate, std::string_view voter) {
  return {errc::ok,
          "Vote for '" + std::string(candidate) + "' by user '" + std::string(voter) +
              "' has been registered.",
          {}};
}

// Applies one checked command body to the elections; `c` is the whole command.
struct apply_visitor {
  detail::string_map<election_data>& elections;
  const command& c;

  outcome operator()(const register_cmd& r) const {
    const auto it = elections.find(r.election_id);
    if (it != elections.end()) {
      // A retry of the register that created the election gets the original success.
      if (c.request_id.empty() || it->second.register_request_id != c.request_id) {
        return refuse(errc::election_exists, "Election id " + r.election_id + " already exists");
      }
    } else {
      elections.emplace(r.election_id, detail::make_election(r, c.request_id));
    }
    return {errc::ok, "Election " + r.election_id + " added successfully.", {}};
  }

  outcome operator()(const vote_cmd& v) const {
    const auto it = elections.find(v.election_id);
    if (it == elections.end()) return unknown(v.election_id);
    election_data& e = it->second;
    const auto voter = e.voters.find(v.voter);
    // A retry of the request that recorded this vote gets the original success, even after the
    // election closed: the vote was counted, and the client must hear so.
    if (voter && !c.request_id.empty() && e.voters.choice(*voter) != detail::voter_table::no_vote &&
        e.voters.request_id(*voter) == c.request_id) {
      const auto choice = static_cast<std::size_t>(e.voters.choice(*voter));
      return vote_registered(e.candidates[choice], v.voter);
    }
    if (e.closed()) return refuse(errc::election_closed, "Error: Election " + e.id + " is closed.");
    if (!voter) {
      return refuse(errc::voter_not_authorized,
                    "Error: User '" + v.voter + "' is not authorized to vote.");
    }
    const auto candidate = e.candidate_index.find(v.candidate);
    if (candidate == e.candidate_index.end()) {
      return refuse(errc::invalid_candidate,
                    "Error: Candidate '" + v.candidate + "' is not a valid candidate.");
    }
    if (e.voters.choice(*voter) != detail::voter_table::no_vote) {
      return refuse(errc::already_voted, "Error: User '" + v.voter + "' has already voted.");
    }
    e.voters.record(*voter, static_cast<std::int32_t>(candidate->second), c.request_id);
    ++e.tallies[candidate->second];
    ++e.votes_cast;
    return vote_registered(v.candidate, v.voter);
  }

  outcome operator()(const close_cmd& cl) const {
    const auto it = elections.find(cl.election_id);
    if (it == elections.end()) return unknown(cl.election_id);
    election_data& e = it->second;
    if (!e.closed()) {
      e.result = detail::compute_result(e);
      e.result->closed = true;
      e.result->closed_at_ms = c.timestamp_ms;
    }
    return {errc::ok, detail::close_message(*e.result), e.result};
  }
};

}  // namespace

election_state::election_state(limits lim) : impl_(std::make_unique<impl>()) {
  impl_->lim = lim;
}
election_state::~election_state() = default;
election_state::election_state(election_state&&) noexcept = default;
election_state& election_state::operator=(election_state&&) noexcept = default;
election_state::election_state(const election_state& other)
    : impl_(std::make_unique<impl>(*other.impl_)) {}
election_state& election_state::operator=(const election_state& other) {
  if (this != &other) impl_ = std::make_unique<impl>(*other.impl_);
  return *this;
}

outcome election_state::apply(const command& c) {
  if (outcome o = check_command(c, impl_->lim); !o.ok()) return o;
  return std::visit(apply_visitor{impl_->elections, c}, c.body);
}

std::optional<election_result> election_state::result_of(std::string_view election_id) const {
  const auto it = impl_->elections.find(election_id);
  if (it == impl_->elections.end()) return std::nullopt;
  if (it->second.closed()) return it->second.result;
  return detail::compute_result(it->second);
}

std::size_t election_state::election_count() const noexcept {
  return impl_->elections.size();
}

const limits& election_state::bounds() const noexcept {
  return impl_->lim;
}

}  // namespace vote
