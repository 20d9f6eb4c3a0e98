// The election state machine: apply() of register / vote / close and live results
// (include/vote/core/election.hpp, DESIGN.md §6, docs/state-machine.md).
#include "vote/core/election.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "election_impl.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/invariant.hpp"
#include "vote/core/time_text.hpp"

namespace vote {
namespace {

using detail::election_data;
using elections_map = detail::string_map<detail::shared_election>;

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
outcome vote_registered(const vote_cmd& v, std::string_view ballot, std::string tracker) {
  if (v.by_code) {
    return {errc::ok,
            "Vote for " + std::string(ballot) + " has been registered.",
            {},
            std::move(tracker)};
  }
  return {errc::ok,
          "Vote for " + std::string(ballot) + " by user '" + v.voter + "' has been registered.",
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

outcome closed_refusal(const election_data& e) {
  if (e.closed()) return refuse(errc::election_closed, "Error: Election " + e.id + " is closed.");
  return refuse(errc::election_closed,
                "Error: Election " + e.id + " closed at " + rfc3339(e.closes_at_ms) + ".");
}

// The nonce the ballot is tracked by: the client's, or the derived one (docs/record.md).
std::string nonce_of(const command& c, const vote_cmd& v) {
  return v.nonce.empty() ? credentials::default_nonce(v.election_id, v.voter, c.request_id)
                         : v.nonce;
}

std::string tracker_for(const election_data& e, std::string_view nonce, std::int32_t choice) {
  return credentials::tracker_of(e.id, nonce, detail::canonical_ballot(e, choice));
}

const election_data* find(const elections_map& elections, std::string_view id) {
  const auto it = elections.find(id);
  return it == elections.end() ? nullptr : &*it->second;
}

// The deadline has passed for an entry stamped `ts`.
bool past_deadline(const election_data& e, std::int64_t ts) {
  return e.closes_at_ms != 0 && ts >= e.closes_at_ms;
}

// The vote checks in their order. how == no: record the ballot for `voter`.
struct vote_check {
  judgement verdict;
  std::uint32_t voter = 0;
  detail::parsed_ballot ballot;
};

// Unknown election, then an invalid ballot (an unknown candidate, the wrong shape for the
// method): both answers are the same for every voter id, so a probe with a bad ballot tells
// nothing about the roll. The retry comes next, before closed, so that a client retrying after a
// lost reply hears that its vote counted. The remaining answers are what the request's own valid
// vote reveals anyway. The clock checks (opens, deadline) need the entry's timestamp: judge()
// (`timed` false) makes them only on a provisional stamp, and apply() on the entry's.
vote_check check_vote(const election_data* e, const command& c, const vote_cmd& v, bool timed) {
  if (e == nullptr) return {{settled::now, unknown(v.election_id)}};
  detail::parsed_ballot ballot = detail::parse_ballot(*e, v);
  if (!ballot.error.empty()) {
    const errc code = ballot.error.find("is not a valid candidate") != std::string::npos
                          ? errc::invalid_candidate
                          : errc::invalid_election;
    return {{settled::forever, refuse(code, std::move(ballot.error))}};
  }
  // A vote of the other mode is on no roll: a plain id never stands for a credential.
  const bool same_mode = (e->mode == voter_mode::codes) == v.by_code;
  std::uint32_t voter = 0;
  bool on_roll = false;
  if (const auto found = same_mode ? e->voters.find(v.voter) : std::nullopt; found) {
    voter = *found;
    on_roll = true;
  }
  const bool voted = on_roll && e->voters.choice(voter) != detail::voter_table::no_vote;
  if (voted && !c.request_id.empty() && e->voters.request_id(voter) == c.request_id) {
    const std::string_view kept = e->voters.nonce(voter);
    std::string tracker;
    if (kept == nonce_of(c, v)) tracker = tracker_for(*e, kept, e->voters.choice(voter));
    return {{settled::forever, retry_registered(v, std::move(tracker))}};
  }
  if (e->closed()) return {{settled::forever, closed_refusal(*e)}};
  if (e->registering) {
    return {{settled::now, refuse(errc::not_open, "Error: Election " + e->id +
                                                      " is not open yet: its roll is still "
                                                      "being registered.")}};
  }
  // The clock checks come before the roll's, so that their answer is the same for every voter id
  // (a roll is not probed through them). apply() has the entry's timestamp; judge() has the
  // leader's provisional stamp when it set one (the entry's will be no earlier), else skips them.
  if (timed || c.timestamp_ms != 0) {
    if (c.timestamp_ms < e->opens_at_ms) {
      return {{settled::now, refuse(errc::not_open, "Error: Election " + e->id + " opens at " +
                                                        rfc3339(e->opens_at_ms) + ".")}};
    }
    if (past_deadline(*e, c.timestamp_ms)) return {{settled::now, closed_refusal(*e)}};
  }
  // While open: a later close would turn these into election_closed.
  if (v.by_code && (!on_roll || voted)) return {{settled::now, code_refused()}};
  if (!on_roll) {
    return {{settled::now, refuse(errc::voter_not_authorized,
                                  "Error: User '" + v.voter + "' is not authorized to vote.")}};
  }
  if (voted) {
    return {{settled::now,
             refuse(errc::already_voted, "Error: User '" + v.voter + "' has already voted.")}};
  }
  return {{}, voter, std::move(ballot)};
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

outcome voters_added(const election_data& e) {
  return {errc::ok,
          "Election " + e.id + ": " + std::to_string(e.voters.size()) + " voters on the roll" +
              (e.registering ? ", more to come." : "."),
          {},
          {}};
}

// Voters may join while the roll is being registered, or before the election opens with no
// vote cast yet.
judgement check_add_voters(const election_data* e, const command& c, const add_voters_cmd& a,
                           const limits& lim, bool timed) {
  if (e == nullptr) return {settled::now, unknown(a.election_id)};
  if (!c.request_id.empty() && std::find(e->chunk_request_ids.begin(), e->chunk_request_ids.end(),
                                         c.request_id) != e->chunk_request_ids.end()) {
    return {settled::forever, voters_added(*e)};
  }
  if (e->closed()) return {settled::forever, closed_refusal(*e)};
  const bool before_open = e->opens_at_ms != 0 && e->votes_cast == 0;
  if (!e->registering && !before_open) {
    return {settled::forever,
            refuse(errc::invalid_election, "Error: Election " + e->id +
                                               " is open: voters can be added only before it "
                                               "opens.")};
  }
  if (!e->registering && timed && c.timestamp_ms >= e->opens_at_ms) {
    return {settled::now, refuse(errc::invalid_election,
                                 "Error: Election " + e->id + " opened at " +
                                     rfc3339(e->opens_at_ms) + ": voters can no longer be added.")};
  }
  if (outcome o = detail::check_new_voters(*e, a.voters, a.weights, lim); !o.ok()) {
    return {settled::now, std::move(o)};
  }
  return {};
}

outcome extended(const election_data& e) {
  return {errc::ok, "Election " + e.id + " now closes at " + rfc3339(e.closes_at_ms) + ".", {}, {}};
}

judgement check_extend(const election_data* e, const command& c, const extend_cmd& x, bool timed) {
  if (e == nullptr) return {settled::now, unknown(x.election_id)};
  if (e->closed()) return {settled::forever, closed_refusal(*e)};
  // A retry of an extend that was applied (its answer lost) is answered as the first was.
  if (x.closes_at_ms == e->closes_at_ms) return {settled::now, extended(*e)};
  if (x.closes_at_ms <= e->opens_at_ms) {
    return {settled::now,
            refuse(errc::invalid_election, "Error: the new deadline " + rfc3339(x.closes_at_ms) +
                                               " is not after the opening, " +
                                               rfc3339(e->opens_at_ms) + ".")};
  }
  if (e->closes_at_ms != 0 && x.closes_at_ms < e->closes_at_ms) {
    return {settled::now, refuse(errc::invalid_election,
                                 "Error: the new deadline " + rfc3339(x.closes_at_ms) +
                                     " is before the current one, " + rfc3339(e->closes_at_ms) +
                                     "; to close early use close-now.")};
  }
  if (timed && past_deadline(*e, c.timestamp_ms)) return {settled::now, closed_refusal(*e)};
  if (timed && x.closes_at_ms <= c.timestamp_ms) {
    return {settled::now,
            refuse(errc::invalid_election,
                   "Error: the new deadline " + rfc3339(x.closes_at_ms) + " has already passed.")};
  }
  return {};
}

outcome closed_answer(const election_data& e) {
  return {errc::ok, detail::close_message(*e.result), e.result, {}};
}

judgement check_close(const election_data* e, const command& c, const close_cmd& cl, bool timed) {
  if (e == nullptr) return {settled::now, unknown(cl.election_id)};
  if (e->closed()) {
    outcome again = closed_answer(*e);
    again.message += " (It was closed at " + rfc3339(e->result->closed_at_ms) + ".)";
    return {settled::forever, std::move(again)};
  }
  if (cl.at_deadline && timed && !past_deadline(*e, c.timestamp_ms)) {
    return {settled::now,
            refuse(errc::election_open, "Election " + e->id + " has not reached its deadline.")};
  }
  return {};
}

// Closes `e` at `when`: the stored result never changes after this.
outcome close_now(election_data& e, std::int64_t when) {
  e.result = detail::compute_result(e);
  e.result->closed = true;
  // A close applied after the deadline closes the election at the deadline: no vote stamped
  // after it was counted.
  e.result->closed_at_ms = e.closes_at_ms != 0 ? std::min(when, e.closes_at_ms) : when;
  return closed_answer(e);
}

struct judge_visitor {
  const elections_map& elections;
  const command& c;
  const limits& lim;

  judgement operator()(const register_cmd& r) const {
    return check_register(find(elections, r.election_id), c, r);
  }
  judgement operator()(const vote_cmd& v) const {
    return check_vote(find(elections, v.election_id), c, v, false).verdict;
  }
  judgement operator()(const close_cmd& cl) const {
    return check_close(find(elections, cl.election_id), c, cl, false);
  }
  judgement operator()(const add_voters_cmd& a) const {
    return check_add_voters(find(elections, a.election_id), c, a, lim, false);
  }
  judgement operator()(const extend_cmd& x) const {
    return check_extend(find(elections, x.election_id), c, x, false);
  }
};

// Applies one checked command body to the elections; `c` is the whole command. Each operation
// runs the checks judge() runs (and the clock checks on the entry's timestamp) and changes the
// state only when they settle nothing.
struct apply_visitor {
  elections_map& elections;
  const command& c;
  const limits& lim;

  election_data* find_mut(std::string_view id) const {
    const auto it = elections.find(id);
    return it == elections.end() ? nullptr : &it->second.mut();
  }

  outcome operator()(const register_cmd& r) const {
    judgement j = check_register(find(elections, r.election_id), c, r);
    if (j.how != settled::no) return std::move(j.answer);
    elections.emplace(r.election_id, detail::make_election(r, c.request_id));
    return added(r.election_id);
  }

  outcome operator()(const vote_cmd& v) const {
    election_data* e = find_mut(v.election_id);
    vote_check k = check_vote(e, c, v, true);
    if (k.verdict.how != settled::no) return std::move(k.verdict.answer);
    // voter_table::record's precondition: check_vote() answered `already_voted` otherwise.
    VOTE_INVARIANT(e->voters.choice(k.voter) == detail::voter_table::no_vote,
                   "second vote recorded for voter '" + v.voter + "' in " + v.election_id);
    const std::string nonce = nonce_of(c, v);
    detail::cast_ballot(*e, k.voter, k.ballot, c.request_id, nonce);
    const std::int32_t choice = e->voters.choice(k.voter);
    outcome o =
        vote_registered(v, detail::describe_ballot(*e, choice), tracker_for(*e, nonce, choice));
    if (e->close_when_all_voted && e->votes_cast == e->voters.size()) {
      close_now(*e, c.timestamp_ms);
      o.message += " Every voter has voted: election " + e->id + " is closed.";
    }
    return o;
  }

  outcome operator()(const close_cmd& cl) const {
    election_data* e = find_mut(cl.election_id);
    judgement j = check_close(e, c, cl, true);
    if (j.how != settled::no) return std::move(j.answer);
    return close_now(*e, c.timestamp_ms);
  }

  outcome operator()(const add_voters_cmd& a) const {
    election_data* e = find_mut(a.election_id);
    judgement j = check_add_voters(e, c, a, lim, true);
    if (j.how != settled::no) return std::move(j.answer);
    detail::add_voters(*e, a.voters, a.weights);
    e->registering = a.more_voters;
    if (!c.request_id.empty()) e->chunk_request_ids.push_back(c.request_id);
    return voters_added(*e);
  }

  outcome operator()(const extend_cmd& x) const {
    election_data* e = find_mut(x.election_id);
    judgement j = check_extend(e, c, x, true);
    if (j.how != settled::no) return std::move(j.answer);
    e->closes_at_ms = x.closes_at_ms;
    return extended(*e);
  }
};

phase phase_of(const election_data& e, std::int64_t now_ms) {
  if (e.closed()) return phase::closed;
  if (e.registering) return phase::registering;
  if (now_ms < e.opens_at_ms) return phase::scheduled;
  return phase::open;
}

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
  impl_->last_timestamp_ms = std::max(impl_->last_timestamp_ms, c.timestamp_ms);
  if (outcome o = check_command(c, impl_->lim); !o.ok()) return o;
  return std::visit(apply_visitor{impl_->elections, c, impl_->lim}, c.body);
}

std::int64_t election_state::last_timestamp_ms() const noexcept {
  return impl_->last_timestamp_ms;
}

judgement election_state::judge(const command& c) const {
  if (outcome o = check_command(c, impl_->lim); !o.ok()) return {settled::forever, std::move(o)};
  return std::visit(judge_visitor{impl_->elections, c, impl_->lim}, c.body);
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
  if (it->second->closed()) return it->second->result;
  return detail::compute_result(*it->second);
}

std::optional<election_result> election_state::published_result_of(
    std::string_view election_id) const {
  const auto it = impl_->elections.find(election_id);
  if (it == impl_->elections.end()) return std::nullopt;
  const election_data& e = *it->second;
  if (e.closed()) return e.result;
  if (e.live_results) return detail::compute_result(e);
  election_result r;  // turnout only until the close: nothing is counted
  r.election_id = e.id;
  r.rule = e.rule;
  r.method = e.method;
  r.seats = e.seats;
  r.votes_cast = e.votes_cast;
  r.eligible_voters = e.voters.size();
  for (const std::string& c : e.candidates) r.tallies.push_back({c, 0});
  r.sealed = true;
  return r;
}

election_state::record_answer election_state::record_of(std::string_view election_id) const {
  const auto it = impl_->elections.find(election_id);
  if (it == impl_->elections.end()) return {};
  if (!it->second->closed()) return {std::nullopt, true};
  return {detail::make_record(*it->second), true};
}

namespace {

election_summary summary_of(const election_data& e, std::int64_t now_ms) {
  return {e.id,
          phase_of(e, now_ms),
          e.method,
          e.seats,
          e.mode,
          e.voters.size(),
          e.votes_cast,
          e.opens_at_ms,
          e.closes_at_ms,
          e.closed() ? e.result->closed_at_ms : 0,
          e.close_when_all_voted};
}

}  // namespace

std::vector<election_summary> election_state::summaries(std::int64_t now_ms) const {
  std::vector<election_summary> out;
  out.reserve(impl_->elections.size());
  for (const auto& [id, shared] : impl_->elections) out.push_back(summary_of(*shared, now_ms));
  std::sort(out.begin(), out.end(), [](const election_summary& a, const election_summary& b) {
    return a.election_id < b.election_id;
  });
  return out;
}

std::optional<election_info> election_state::info_of(std::string_view election_id,
                                                     std::int64_t now_ms) const {
  const auto it = impl_->elections.find(election_id);
  if (it == impl_->elections.end()) return std::nullopt;
  const election_data& e = *it->second;
  return election_info{summary_of(e, now_ms), e.candidates, e.max_score, e.live_results};
}

std::vector<std::string> election_state::due_closes(std::int64_t now_ms) const {
  std::vector<std::string> due;
  for (const auto& [id, e] : impl_->elections) {
    if (!e->closed() && past_deadline(*e, now_ms)) due.push_back(id);
  }
  std::sort(due.begin(), due.end());
  return due;
}

std::string_view to_string(phase p) noexcept {
  switch (p) {
    case phase::registering:
      return "registering";
    case phase::scheduled:
      return "scheduled";
    case phase::open:
      return "open";
    case phase::closed:
      return "closed";
  }
  return "unknown";
}

std::optional<phase> phase_from_string(std::string_view name) noexcept {
  for (const phase p : {phase::registering, phase::scheduled, phase::open, phase::closed}) {
    if (to_string(p) == name) return p;
  }
  return std::nullopt;
}

std::size_t election_state::election_count() const noexcept {
  return impl_->elections.size();
}

const limits& election_state::bounds() const noexcept {
  return impl_->lim;
}

}  // namespace vote
