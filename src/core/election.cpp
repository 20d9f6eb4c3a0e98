// The election state machine: apply() of register / vote / close and live results
// (include/vote/core/election.hpp, DESIGN.md §6, docs/state-machine.md).
#include "vote/core/election.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "election_impl.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/invariant.hpp"

namespace vote {
namespace {

using detail::election_data;
using elections_map = detail::string_map<election_data>;

outcome refuse(errc code, std::string message) {
  return {code, std::move(message), {}, {}};
}

outcome unknown(std::string_view id) {
  return refuse(errc::unknown_election, "Error: Election id " + std::string(id) + " unknown");
}

outcome added(std::string_view id) {
  return {errc::ok, "Election " + std::string(id) + " added successfully.", {}, {}};
}

// A vote by code names no voter: the server does not know one (DESIGN.md §10).
outcome vote_registered(const vote_cmd& v, std::string tracker) {
  if (v.by_code) {
    return {
        errc::ok, "Vote for '" + v.candidate + "' has been registered.", {}, std::move(tracker)};
  }
  return {errc::ok,
          "Vote for '" + v.candidate + "' by user '" + v.voter + "' has been registered.",
          {},
          std::move(tracker)};
}

// The answer to a retry: the vote was recorded. It names no candidate, so a request id seen once
// does not tell anyone later how that voter voted (issue 8, finding 3); the tracker only to the
// client that holds the ballot's nonce.
outcome retry_registered(const vote_cmd& v, std::string tracker) {
  if (v.by_code) return {errc::ok, "Your vote has been registered.", {}, std::move(tracker)};
  return {errc::ok, "Vote by user '" + v.voter + "' has been registered.", {}, std::move(tracker)};
}

// One answer for every code that cannot vote: unknown to the roll, already used, or sent to an
// election of the other mode, so that a stranger learns nothing from trying codes.
outcome code_refused() {
  return refuse(errc::voter_not_authorized,
                "Error: this code is not valid for this election, or it has already been used.");
}

// The nonce the ballot is tracked by: the client's, or the derived one (docs/record.md).
std::string nonce_of(const command& c, const vote_cmd& v) {
  return v.nonce.empty() ? credentials::default_nonce(v.election_id, v.voter, c.request_id)
                         : v.nonce;
}

std::string tracker_for(const vote_cmd& v, std::string_view nonce, std::string_view candidate) {
  return credentials::tracker_of(v.election_id, nonce, credentials::plurality_ballot(candidate));
}

const election_data* find(const elections_map& elections, std::string_view id) {
  const auto it = elections.find(id);
  return it == elections.end() ? nullptr : &it->second;
}

// The vote checks in their order. how == no: record the vote of `voter` for `candidate`.
struct vote_check {
  judgement verdict;
  std::uint32_t voter = 0;
  std::uint32_t candidate = 0;
};

// Unknown election, then unknown candidate: both answers are the same for every voter id, so a
// probe with a bad candidate tells nothing about the roll. The retry comes next, before closed,
// so that a client retrying after a lost reply hears that its vote counted. The remaining
// answers are what the request's own valid vote reveals anyway.
vote_check check_vote(const election_data* e, const command& c, const vote_cmd& v) {
  if (e == nullptr) return {{settled::now, unknown(v.election_id)}};
  const auto candidate = e->candidate_index.find(v.candidate);
  if (candidate == e->candidate_index.end()) {
    return {{settled::forever, refuse(errc::invalid_candidate, "Error: Candidate '" + v.candidate +
                                                                   "' is not a valid candidate.")}};
  }
  // A vote of the other mode is on no roll: a plain id never stands for a credential.
  const bool same_mode = (e->mode == voter_mode::codes) == v.by_code;
  const auto voter = same_mode ? e->voters.find(v.voter) : std::nullopt;
  const bool voted = voter && e->voters.choice(*voter) != detail::voter_table::no_vote;
  if (voted && !c.request_id.empty() && e->voters.request_id(*voter) == c.request_id) {
    const std::string_view kept = e->voters.nonce(*voter);
    std::string tracker;
    if (kept == nonce_of(c, v)) {
      tracker =
          tracker_for(v, kept, e->candidates[static_cast<std::size_t>(e->voters.choice(*voter))]);
    }
    return {{settled::forever, retry_registered(v, std::move(tracker))}};
  }
  if (e->closed()) {
    return {{settled::forever,
             refuse(errc::election_closed, "Error: Election " + e->id + " is closed.")}};
  }
  // While open: a later close would turn these into election_closed.
  if (v.by_code && (!voter || voted)) return {{settled::now, code_refused()}};
  if (!voter) {
    return {{settled::now, refuse(errc::voter_not_authorized,
                                  "Error: User '" + v.voter + "' is not authorized to vote.")}};
  }
  if (voted) {
    return {{settled::now,
             refuse(errc::already_voted, "Error: User '" + v.voter + "' has already voted.")}};
  }
  return {{}, *voter, candidate->second};
}

// An election id is never reused, so an existing one settles a register for good.
judgement check_register(const election_data* e, const command& c, const register_cmd& r) {
  if (e == nullptr) return {};
  // A retry of the register that created the election gets the original success.
  if (!c.request_id.empty() && e->register_request_id == c.request_id) {
    return {settled::forever, added(r.election_id)};
  }
  return {settled::forever,
          refuse(errc::election_exists, "Election id " + r.election_id + " already exists")};
}

judgement check_close(const election_data* e, const close_cmd& cl) {
  if (e == nullptr) return {settled::now, unknown(cl.election_id)};
  if (!e->closed()) return {};
  return {settled::forever, {errc::ok, detail::close_message(*e->result), e->result, {}}};
}

struct judge_visitor {
  const elections_map& elections;
  const command& c;

  judgement operator()(const register_cmd& r) const {
    return check_register(find(elections, r.election_id), c, r);
  }
  judgement operator()(const vote_cmd& v) const {
    return check_vote(find(elections, v.election_id), c, v).verdict;
  }
  judgement operator()(const close_cmd& cl) const {
    return check_close(find(elections, cl.election_id), cl);
  }
};

// Applies one checked command body to the elections; `c` is the whole command. Each operation
// runs the checks judge() runs and changes the state only when they settle nothing.
struct apply_visitor {
  elections_map& elections;
  const command& c;

  outcome operator()(const register_cmd& r) const {
    judgement j = check_register(find(elections, r.election_id), c, r);
    if (j.how != settled::no) return std::move(j.answer);
    elections.emplace(r.election_id, detail::make_election(r, c.request_id));
    return added(r.election_id);
  }

  outcome operator()(const vote_cmd& v) const {
    const auto it = elections.find(v.election_id);
    election_data* e = it == elections.end() ? nullptr : &it->second;
    vote_check k = check_vote(e, c, v);
    if (k.verdict.how != settled::no) return std::move(k.verdict.answer);
    // voter_table::record's precondition: check_vote() answered `already_voted` otherwise.
    VOTE_INVARIANT(e->voters.choice(k.voter) == detail::voter_table::no_vote,
                   "second vote recorded for voter '" + v.voter + "' in " + v.election_id);
    const std::string nonce = nonce_of(c, v);
    e->voters.record(k.voter, static_cast<std::int32_t>(k.candidate), c.request_id, nonce);
    ++e->tallies[k.candidate];
    ++e->votes_cast;
    return vote_registered(v, tracker_for(v, nonce, v.candidate));
  }

  outcome operator()(const close_cmd& cl) const {
    const auto it = elections.find(cl.election_id);
    election_data* e = it == elections.end() ? nullptr : &it->second;
    judgement j = check_close(e, cl);
    if (j.how != settled::no) return std::move(j.answer);
    e->result = detail::compute_result(*e);
    e->result->closed = true;
    e->result->closed_at_ms = c.timestamp_ms;
    return {errc::ok, detail::close_message(*e->result), e->result, {}};
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

judgement election_state::judge(const command& c) const {
  if (outcome o = check_command(c, impl_->lim); !o.ok()) return {settled::forever, std::move(o)};
  return std::visit(judge_visitor{impl_->elections, c}, c.body);
}

std::string_view to_string(settled s) noexcept {
  switch (s) {
    case settled::no:
      return "no";
    case settled::now:
      return "now";
    case settled::forever:
      return "forever";
  }
  return "unknown";
}

std::optional<election_result> election_state::result_of(std::string_view election_id) const {
  const auto it = impl_->elections.find(election_id);
  if (it == impl_->elections.end()) return std::nullopt;
  if (it->second.closed()) return it->second.result;
  return detail::compute_result(it->second);
}

std::optional<election_result> election_state::published_result_of(
    std::string_view election_id) const {
  const auto it = impl_->elections.find(election_id);
  if (it == impl_->elections.end()) return std::nullopt;
  if (it->second.closed()) return it->second.result;
  election_result r = detail::compute_result(it->second);
  if (!it->second.live_results) {  // turnout only until the close
    for (tally& t : r.tallies) t.votes = 0;
    r.winner.reset();
    r.tie = false;
    r.tied.clear();
    r.sealed = true;
  }
  return r;
}

election_state::record_answer election_state::record_of(std::string_view election_id) const {
  const auto it = impl_->elections.find(election_id);
  if (it == impl_->elections.end()) return {};
  if (!it->second.closed()) return {std::nullopt, true};
  return {detail::make_record(it->second), true};
}

std::size_t election_state::election_count() const noexcept {
  return impl_->elections.size();
}

const limits& election_state::bounds() const noexcept {
  return impl_->lim;
}

}  // namespace vote
