// Stateless shape checks of a command (check_command in include/vote/core/election.hpp).
//
// Order: request id, election id, then per operation: list sizes, each id, duplicates. The first
// violation wins; size limits give errc::too_large, everything else errc::invalid_election.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "election_impl.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/election.hpp"

namespace vote {
namespace {

outcome refuse(errc code, std::string message) {
  return {code, std::move(message), {}};
}

bool is_control(unsigned char c) noexcept {
  return c < 0x20 || c == 0x7f;
}

// Length of the UTF-8 sequence starting with `lead`, 0 when `lead` cannot start one.
std::size_t utf8_length(unsigned char lead) noexcept {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Well-formed UTF-8 (no overlong forms, surrogates or code points over U+10FFFF).
bool valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_length(lead);
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (n > 1) {
      const auto second = static_cast<unsigned char>(s[i + 1]);
      if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
          (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F)) {
        return false;
      }
    }
    i += n;
  }
  return true;
}

}  // namespace

outcome detail::check_id(std::string_view id, std::string_view what, const limits& lim,
                         bool allow_empty) {
  // Runs three times per vote on a leader (serve, judge, apply): nothing is allocated unless
  // refused.
  const auto refuse_id = [what](errc code, std::string_view why) {
    return refuse(code, "Error: " + std::string(what) + std::string(why));
  };
  if (id.empty() && !allow_empty) return refuse_id(errc::invalid_election, " is empty.");
  if (id.size() > lim.max_id_bytes) {
    return refuse_id(errc::too_large,
                     " longer than " + std::to_string(lim.max_id_bytes) + " bytes.");
  }
  for (const char c : id) {
    if (is_control(static_cast<unsigned char>(c))) {
      return refuse_id(errc::invalid_election, " contains a control character.");
    }
  }
  if (!valid_utf8(id)) return refuse_id(errc::invalid_election, " is not valid UTF-8.");
  return {};
}

namespace {

using detail::check_id;

// Checks a list of ids: count within 1..max, each id valid, no duplicates.
// `noun` is singular ("candidate"), `needs` the message for an empty list.
outcome check_list(const std::vector<std::string>& ids, std::string_view noun, std::size_t max,
                   std::string_view needs, const limits& lim) {
  const std::string n(noun);
  if (ids.empty()) return refuse(errc::invalid_election, "Error: " + std::string(needs));
  if (ids.size() > max) {
    return refuse(errc::too_large, "Error: too many " + n + "s (" + std::to_string(ids.size()) +
                                       ", at most " + std::to_string(max) + ").");
  }
  const std::string what = n == "candidate" ? "candidate name" : n + " id";
  std::unordered_set<std::string_view> seen;
  seen.reserve(ids.size());
  for (const std::string& id : ids) {
    if (outcome o = check_id(id, what, lim); !o.ok()) return o;
    if (!seen.insert(id).second) {
      return refuse(errc::invalid_election, "Error: " + n + " '" + id + "' is listed twice.");
    }
  }
  return {};
}

// Weights parallel to the voters (or none), each 1..max_weight.
outcome check_weights(const std::vector<std::string>& voters,
                      const std::vector<std::uint64_t>& weights, const limits& lim) {
  if (weights.empty()) return {};
  if (weights.size() != voters.size()) {
    return refuse(errc::invalid_election, "Error: the roll's weights do not match its voters.");
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] == 0 || weights[i] > lim.max_weight) {
      return refuse(errc::invalid_election, "Error: the weight of voter '" + voters[i] +
                                                "' must be between 1 and " +
                                                std::to_string(lim.max_weight) + ".");
    }
    total += weights[i];  // at most 10^7 weights of 10^6: no overflow
  }
  // A chunk's own total; add_voters also checks the roll's whole total (check_new_voters).
  if (total > max_roll_weight) {
    return refuse(errc::invalid_election, "Error: the roll's total weight is over " +
                                              std::to_string(max_roll_weight) + ".");
  }
  return {};
}

// Voter ids, or public credentials in codes mode; an empty list only where `may_be_empty`.
outcome check_roll(const std::vector<std::string>& voters,
                   const std::vector<std::uint64_t>& weights, voter_mode mode, bool may_be_empty,
                   const limits& lim) {
  if (voters.empty() && may_be_empty) return check_weights(voters, weights, lim);
  if (outcome o = check_list(voters, "voter", lim.max_voters,
                             "an election needs at least one authorized voter.", lim);
      !o.ok()) {
    return o;
  }
  if (mode == voter_mode::codes) {
    for (const std::string& credential : voters) {
      if (!credentials::is_credential(credential)) {
        return refuse(errc::invalid_election,
                      "Error: a voting-codes roll holds public credentials (64 lowercase hex "
                      "characters); '" +
                          credential.substr(0, 16) + "' is not one.");
      }
    }
  }
  return check_weights(voters, weights, lim);
}

// Method settings and the lifecycle of a register.
outcome check_settings(const register_cmd& r) {
  using counting::method;
  if (!counting::method_from_string(counting::to_string(r.method))) {
    return refuse(errc::invalid_election, "Error: unknown counting method.");
  }
  if (r.method == method::stv) {
    if (r.seats < 1 || r.seats >= r.candidates.size()) {
      return refuse(errc::invalid_election,
                    "Error: stv needs 1 <= seats < candidates (" + std::to_string(r.seats) +
                        " seats, " + std::to_string(r.candidates.size()) + " candidates).");
    }
  } else if (r.seats != 1) {
    return refuse(errc::invalid_election, "Error: --seats is for the stv method only.");
  }
  if (counting::is_scored(r.method)) {
    if (r.max_score < 1 || r.max_score > 100) {
      return refuse(errc::invalid_election, "Error: the highest score must be 1..100.");
    }
  } else if (r.max_score != 5) {
    return refuse(errc::invalid_election, "Error: --max-score is for score and star only.");
  }
  if (r.opens_at_ms < 0 || r.closes_at_ms < 0 ||
      (r.closes_at_ms != 0 && r.closes_at_ms <= r.opens_at_ms)) {
    return refuse(errc::invalid_election, "Error: an election must open before it closes.");
  }
  return {};
}

}  // namespace

outcome detail::check_register_settings(const register_cmd& r, const limits& lim) {
  if (outcome o = check_id(r.election_id, "election id", lim); !o.ok()) return o;
  if (outcome o = check_list(r.candidates, "candidate", lim.max_candidates,
                             "an election needs at least one candidate.", lim);
      !o.ok()) {
    return o;
  }
  if (r.rule != tie_break::none && r.rule != tie_break::first_listed) {
    return refuse(errc::invalid_election, "Error: unknown tie-break rule.");
  }
  if (r.mode != voter_mode::ids && r.mode != voter_mode::codes) {
    return refuse(errc::invalid_election, "Error: unknown voter mode.");
  }
  return check_settings(r);
}

namespace {

outcome check_body(const register_cmd& r, const limits& lim) {
  if (outcome o = detail::check_register_settings(r, lim); !o.ok()) return o;
  return check_roll(r.voters, r.weights, r.mode, false, lim);
}

// The mode of the roll is the election's: the apply checks credentials against it.
outcome check_body(const add_voters_cmd& a, const limits& lim) {
  if (outcome o = check_id(a.election_id, "election id", lim); !o.ok()) return o;
  return check_roll(a.voters, a.weights, voter_mode::ids, !a.more_voters, lim);
}

outcome check_body(const extend_cmd& x, const limits& lim) {
  if (outcome o = check_id(x.election_id, "election id", lim); !o.ok()) return o;
  if (x.closes_at_ms <= 0) return refuse(errc::invalid_election, "Error: no new deadline.");
  return {};
}

outcome check_body(const vote_cmd& v, const limits& lim) {
  if (outcome o = check_id(v.election_id, "election id", lim); !o.ok()) return o;
  if (outcome o = check_id(v.voter, "voter id", lim); !o.ok()) return o;
  if (v.by_code && !credentials::is_credential(v.voter)) {
    return refuse(errc::invalid_election, "Error: a vote by code carries no valid credential.");
  }
  if (!v.nonce.empty() && !credentials::is_nonce(v.nonce)) {
    return refuse(errc::invalid_election, "Error: a ballot nonce is 32 lowercase hex characters.");
  }
  if (v.choices.size() > lim.max_candidates) {
    return refuse(errc::too_large, "Error: the ballot lists too many candidates.");
  }
  for (const std::string& choice : v.choices) {
    if (outcome o = check_id(choice, "candidate name", lim); !o.ok()) return o;
  }
  if (v.scores.size() > v.choices.size()) {
    return refuse(errc::invalid_election, "Error: more scores than candidates.");
  }
  if (!v.choices.empty()) {
    if (!v.candidate.empty()) {
      return refuse(errc::invalid_election, "Error: a ballot names one candidate or a list.");
    }
    return {};
  }
  return check_id(v.candidate, "candidate name", lim);
}

outcome check_body(const close_cmd& c, const limits& lim) {
  return check_id(c.election_id, "election id", lim);
}

}  // namespace

std::string_view to_string(tie_break rule) noexcept {
  switch (rule) {
    case tie_break::none:
      return "none";
    case tie_break::first_listed:
      return "first_listed";
  }
  return "unknown";
}

std::optional<tie_break> tie_break_from_string(std::string_view name) noexcept {
  if (name == "none") return tie_break::none;
  if (name == "first_listed") return tie_break::first_listed;
  return std::nullopt;
}

std::string_view to_string(voter_mode mode) noexcept {
  switch (mode) {
    case voter_mode::ids:
      return "ids";
    case voter_mode::codes:
      return "codes";
  }
  return "unknown";
}

std::optional<voter_mode> voter_mode_from_string(std::string_view name) noexcept {
  if (name == "ids") return voter_mode::ids;
  if (name == "codes") return voter_mode::codes;
  return std::nullopt;
}

outcome check_command(const command& c, const limits& lim) {
  if (outcome o = check_id(c.request_id, "request id", lim, true); !o.ok()) return o;
  return std::visit([&lim](const auto& body) { return check_body(body, lim); }, c.body);
}

}  // namespace vote
