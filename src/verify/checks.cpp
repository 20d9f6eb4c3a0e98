// The checks of one record copy (include/vote/verify/verify.hpp).
#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "record_view.hpp"
#include "vote/verify/codes.hpp"
#include "vote/verify/verify.hpp"

namespace vote::verify {
namespace {

check pass(std::string name, std::string detail) {
  return {.name = std::move(name), .passed = true, .detail = std::move(detail), .source = ""};
}
check failure(std::string name, std::string detail) {
  return {.name = std::move(name), .passed = false, .detail = std::move(detail), .source = ""};
}

std::string json_text(std::string_view s) {
  std::string out;
  append_json_string(out, s.substr(0, 200));
  return out;
}

std::string join(const std::vector<std::string>& problems) {
  std::string detail;
  for (const auto& p : problems) detail += (detail.empty() ? "" : "; ") + p;
  return detail;
}

check check_format(const record& r) {
  std::vector<std::string> problems;
  const bool v2 = detail::is_format_2(r);
  const record_settings& s = r.settings;
  if (r.format != detail::format_1 && !v2) problems.push_back("format is " + json_text(r.format));
  const auto method = method_from_string(s.method);
  if (!method) {
    problems.push_back("method " + json_text(s.method) + " (not one docs/counting.md defines)");
  } else if (!v2 && *method != count_method::plurality) {
    problems.push_back("method " + s.method + " in format 1 (which is plurality only)");
  }
  if (s.tie_break != "none" && s.tie_break != "first_listed") {
    problems.push_back("tie_break " + json_text(s.tie_break));
  }
  if (s.voters != "ids" && s.voters != "codes") problems.push_back("voters " + json_text(s.voters));
  const std::vector<std::pair<const char*, bool>> members = {
      {"settings.close_when_all_voted", s.close_when_all_voted.has_value()},
      {"settings.closes_at_ms", s.closes_at_ms.has_value()},
      {"settings.max_score", s.max_score.has_value()},
      {"settings.opens_at_ms", s.opens_at_ms.has_value()},
      {"settings.seats", s.seats.has_value()},
      {"weights", r.weight_keys.has_value()},
      {"result.winners", r.result.winners.has_value()}};
  for (const auto& [name, present] : members) {
    if (v2 && !present) problems.push_back(std::string("format 2 without ") + name);
    if (!v2 && present) problems.push_back(std::string("format 1 with ") + name);
  }
  const bool wants_count = v2 && method && *method != count_method::plurality;
  if (wants_count && !r.result.count) problems.push_back("result.count missing");
  if (!wants_count && r.result.count) {
    problems.push_back(v2 ? "result.count in a plurality record" : "format 1 with result.count");
  }
  if (problems.empty()) {
    return pass("format",
                r.format + ", " + s.method + ", tie_break " + s.tie_break + ", voters " + s.voters);
  }
  return failure("format", join(problems));
}

check check_settings(const record& r) {
  if (!detail::is_format_2(r)) return pass("settings", "format 1: plurality, one seat");
  const record_settings& s = r.settings;
  const auto method = method_from_string(s.method);
  std::vector<std::string> problems;
  const std::uint64_t seats = s.seats.value_or(1);
  const std::size_t n = r.candidates.size();
  if (method == count_method::stv) {
    if (seats < 1 || seats >= n) {
      problems.push_back("stv with " + std::to_string(seats) + " seats for " + std::to_string(n) +
                         " candidates (need 1 <= seats < candidates)");
    }
  } else if (seats != 1) {
    problems.push_back(std::to_string(seats) + " seats (only stv has more than one)");
  }
  const std::uint64_t max_score = s.max_score.value_or(5);
  if (max_score < 1 || max_score > 100) {
    problems.push_back("max_score " + std::to_string(max_score) + " (need 1..100)");
  } else if (method && !is_scored(*method) && max_score != 5) {
    problems.push_back("max_score " + std::to_string(max_score) + " for " + s.method +
                       " (5 for the methods that take no score)");
  }
  if (s.closes_at_ms.value_or(0) < 0 || s.opens_at_ms.value_or(0) < 0) {
    problems.push_back("a negative opens_at_ms or closes_at_ms");
  }
  if (s.closes_at_ms.value_or(0) != 0 && r.closed_at_ms > *s.closes_at_ms) {
    problems.push_back("closed_at_ms " + std::to_string(r.closed_at_ms) + " after closes_at_ms " +
                       std::to_string(*s.closes_at_ms));
  }
  if (!problems.empty()) return failure("settings", join(problems));
  return pass("settings", s.method + ", " + std::to_string(seats) + " seat" +
                              (seats == 1 ? "" : "s") + ", max_score " + std::to_string(max_score));
}

// Compares the canonical encoding with `bytes` piece by piece, without building it.
check check_canonical(const record& r, std::string_view bytes) {
  std::size_t at = 0;
  std::optional<std::size_t> first_difference;
  encode_record(r, true, [&](std::string_view piece) {
    if (first_difference) return;
    const std::string_view mine = bytes.substr(std::min(at, bytes.size()), piece.size());
    const auto m = std::mismatch(piece.begin(), piece.end(), mine.begin(), mine.end());
    if (m.first != piece.end() || mine.size() < piece.size()) {
      first_difference = at + static_cast<std::size_t>(m.first - piece.begin());
    }
    at += piece.size();
  });
  if (!first_difference && at != bytes.size()) first_difference = at;
  if (first_difference) {
    return failure("canonical",
                   "the bytes differ from the canonical form of their content from "
                   "byte " +
                       std::to_string(*first_difference));
  }
  return pass("canonical", "keys sorted, no whitespace, minimal escapes (" +
                               std::to_string(bytes.size()) + " bytes)");
}

check check_digest(const record& r) {
  sha256 h;
  encode_record(r, false, [&h](std::string_view piece) { h.update(piece); });
  const std::string computed = hex(h.finish());
  if (computed != r.digest) {
    return failure("digest", "the record says " + r.digest + ", its content hashes to " + computed);
  }
  return pass("digest", computed);
}

check check_trackers(const record& r) {
  tracker_maker make;
  std::size_t wrong = 0;
  std::string first;
  for (std::size_t i = 0; i < r.ballots.size(); ++i) {
    const record_ballot& b = r.ballots[i];
    const std::string t = make(r.election_id, b.nonce, canonical_ballot(r, i));
    if (t == b.tracker) continue;
    if (wrong++ == 0) {
      first = "ballots[" + std::to_string(i) + "]: tracker " + b.tracker + ", recomputed " + t;
    }
  }
  if (wrong > 0) {
    return failure("trackers", std::to_string(wrong) + " of " + std::to_string(r.ballots.size()) +
                                   " trackers do not match their ballot; first " + first);
  }
  return pass("trackers", std::to_string(r.ballots.size()) + " trackers recomputed");
}

check check_ballot_order(const record& r) {
  for (std::size_t i = 1; i < r.ballots.size(); ++i) {
    const auto& a = r.ballots[i - 1].tracker;
    const auto& b = r.ballots[i].tracker;
    if (a == b)
      return failure("ballot_order",
                     "tracker " + a + " appears twice (ballots[" + std::to_string(i) + "])");
    if (b < a) {
      return failure("ballot_order",
                     "ballots[" + std::to_string(i) + "] (" + b + ") is out of tracker order");
    }
  }
  return pass("ballot_order", "sorted by tracker, no tracker twice");
}

check check_candidates(const record& r) {
  if (r.candidates.empty()) return failure("candidates", "no candidates listed");
  std::unordered_set<std::string_view> listed;
  for (const auto& c : r.candidates) {
    if (!listed.insert(c).second) return failure("candidates", json_text(c) + " listed twice");
  }
  const std::vector<std::uint32_t> cand = detail::candidate_of_names(r);
  for (std::size_t i = 0; i < r.ballots.size(); ++i) {
    const record_ballot& b = r.ballots[i];
    for (std::size_t k = b.first; k < std::size_t{b.first} + b.count; ++k) {
      if (cand[r.marks[k]] == detail::not_a_candidate) {
        return failure("candidates", "ballots[" + std::to_string(i) + "] names " +
                                         json_text(r.ballot_names[r.marks[k]]) +
                                         ", not a candidate");
      }
    }
  }
  return pass("candidates",
              std::to_string(r.candidates.size()) + " candidates; every ballot names only them");
}

std::string method_text(const record& r) {
  return detail::is_format_2(r) ? r.settings.method : "plurality";
}

// docs/counting.md check_ballot (steps 3 to 8) on ballot i, and the canonical order of its marks
// (approval and scores: sorted by bytes). "" when valid. `seen` is scratch, one entry per
// ballot name, holding the last ballot that named it.
std::string ballot_problem(const record& r, std::size_t i, count_method m,
                           std::vector<std::size_t>& seen) {
  const record_ballot& b = r.ballots[i];
  const ballot_shape want = detail::shape_of(m);
  static constexpr const char* shape_names[] = {"{\"candidate\":..}", "{\"approve\":[..]}",
                                                "{\"rank\":[..]}", "{\"scores\":{..}}"};
  if (b.shape != want) {
    return std::string("a ") + shape_names[static_cast<int>(b.shape)] + " ballot in a " +
           method_text(r) + " election (it takes " + shape_names[static_cast<int>(want)] + ")";
  }
  if (b.count == 0) {
    return want == ballot_shape::approve ? "the ballot approves no candidate"
           : want == ballot_shape::rank  ? "the ranking lists no candidate"
                                         : "the ballot scores no candidate";
  }
  const std::size_t end = std::size_t{b.first} + b.count;
  const auto name = [&](std::size_t k) { return "'" + r.ballot_names[r.marks[k]] + "'"; };
  for (std::size_t k = b.first; k < end; ++k) {
    if (seen[r.marks[k]] == i + 1) {
      return want == ballot_shape::approve ? "the ballot approves " + name(k) + " twice"
             : want == ballot_shape::rank  ? "the ranking lists " + name(k) + " twice"
                                           : "the ballot scores " + name(k) + " twice";
    }
    seen[r.marks[k]] = i + 1;
  }
  if (want == ballot_shape::scores) {
    const std::uint64_t max = r.settings.max_score.value_or(5);
    for (std::size_t k = b.first; k < end; ++k) {
      if (r.scores[k] > max) {
        return "a score for " + name(k) + " must be between 0 and " + std::to_string(max) +
               " (got " + std::to_string(r.scores[k]) + ")";
      }
    }
  }
  if (want == ballot_shape::approve || want == ballot_shape::scores) {
    for (std::size_t k = b.first + 1; k < end; ++k) {
      if (r.ballot_names[r.marks[k]] < r.ballot_names[r.marks[k - 1]]) {
        return std::string(want == ballot_shape::approve ? "the approved candidates"
                                                         : "the scored candidates") +
               " are not sorted by bytes (" + name(k) + " after " + name(k - 1) + ")";
      }
    }
  }
  return "";
}

check check_ballots(const record& r) {
  const auto method = detail::record_method(r);
  if (!method) return failure("ballots", "no known method to check the ballots against");
  std::vector<std::size_t> seen(r.ballot_names.size(), 0);
  std::size_t wrong = 0;
  std::string first;
  for (std::size_t i = 0; i < r.ballots.size(); ++i) {
    std::string p = ballot_problem(r, i, *method, seen);
    if (p.empty()) continue;
    if (wrong++ == 0) first = "ballots[" + std::to_string(i) + "]: " + p;
  }
  if (wrong > 0) {
    return failure("ballots", std::to_string(wrong) + " of " + std::to_string(r.ballots.size()) +
                                  " ballots are not valid " + method_text(r) + " ballots; first " +
                                  first);
  }
  return pass("ballots", "every ballot a valid " + method_text(r) + " ballot");
}

// "" when `l` is strictly increasing, otherwise what is wrong.
std::string order_problem(const string_list& l, std::string_view name) {
  for (std::size_t i = 1; i < l.size(); ++i) {
    if (l[i] == l[i - 1]) {
      return std::string(name) + "[" + std::to_string(i) + "] " + json_text(l[i]) +
             " appears twice";
    }
    if (l[i] < l[i - 1]) {
      return std::string(name) + "[" + std::to_string(i) + "] " + json_text(l[i]) +
             " is out of order";
    }
  }
  return "";
}

check check_roll(const record& r) {
  if (auto p = order_problem(r.roll, "roll"); !p.empty()) return failure("roll", p);
  if (r.settings.voters == "codes") {
    for (std::size_t i = 0; i < r.roll.size(); ++i) {
      if (!is_lower_hex(r.roll[i], credential_hex_chars)) {
        return failure("roll", "roll[" + std::to_string(i) +
                                   "] is not a public credential (64 lowercase hex characters)");
      }
    }
  }
  return pass("roll", std::to_string(r.roll.size()) + " entries, sorted, none twice");
}

check check_used(const record& r) {
  if (auto p = order_problem(r.used, "used"); !p.empty()) return failure("used", p);
  // Both sorted (else the roll check fails too and this is a sorted copy): one merge.
  std::vector<std::string_view> roll;
  roll.reserve(r.roll.size());
  for (std::size_t i = 0; i < r.roll.size(); ++i) roll.push_back(r.roll[i]);
  if (!std::is_sorted(roll.begin(), roll.end())) std::sort(roll.begin(), roll.end());
  std::size_t j = 0;
  for (std::size_t i = 0; i < r.used.size(); ++i) {
    while (j < roll.size() && roll[j] < r.used[i]) ++j;
    if (j == roll.size() || roll[j] != r.used[i]) {
      return failure("used", "used[" + std::to_string(i) + "] " + json_text(r.used[i]) +
                                 " is not on the roll");
    }
  }
  return pass("used",
              std::to_string(r.used.size()) + " entries, sorted, none twice, all on the roll");
}

check check_weights(const record& r) {
  if (!detail::is_format_2(r)) {
    for (std::size_t i = 0; i < r.ballots.size(); ++i) {
      if (r.ballots[i].weighted) {
        return failure("weights",
                       "ballots[" + std::to_string(i) + "] has a weight: format 1 ballots weigh 1");
      }
    }
    return pass("weights", "format 1: every ballot weighs 1");
  }
  if (!r.weight_keys) return failure("weights", "no \"weights\" member");
  const string_list& keys = *r.weight_keys;
  if (auto p = order_problem(keys, "weights"); !p.empty()) return failure("weights", p);
  std::unordered_map<std::string_view, std::uint64_t> weight_of;
  std::vector<std::string_view> roll;
  roll.reserve(r.roll.size());
  for (std::size_t i = 0; i < r.roll.size(); ++i) roll.push_back(r.roll[i]);
  if (!std::is_sorted(roll.begin(), roll.end())) std::sort(roll.begin(), roll.end());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::uint64_t w = r.weight_values[i];
    if (w < 2) {
      return failure("weights", "weights[" + json_text(keys[i]) + "] is " + std::to_string(w) +
                                    " (only weights >= 2 are listed)");
    }
    if (!std::binary_search(roll.begin(), roll.end(), keys[i])) {
      return failure("weights", "weights[" + json_text(keys[i]) + "] is not on the roll");
    }
    weight_of.emplace(keys[i], w);
  }
  std::map<std::uint64_t, std::uint64_t> ballots, used;  // weight -> how many
  for (std::size_t i = 0; i < r.ballots.size(); ++i) {
    const record_ballot& b = r.ballots[i];
    if (b.weighted && b.weight < 2) {
      return failure("weights", "ballots[" + std::to_string(i) + "] has weight " +
                                    std::to_string(b.weight) + " (a weight is written when >= 2)");
    }
    ++ballots[b.weighted ? b.weight : 1];
  }
  for (std::size_t i = 0; i < r.used.size(); ++i) {
    const auto it = weight_of.find(r.used[i]);
    ++used[it == weight_of.end() ? 1 : it->second];
  }
  for (const auto& [w, n] : ballots) {
    const auto it = used.find(w);
    const std::uint64_t u = it == used.end() ? 0 : it->second;
    if (u != n) {
      return failure("weights", std::to_string(n) + " ballots of weight " + std::to_string(w) +
                                    ", " + std::to_string(u) + " used roll entries of that weight");
    }
    used.erase(w);
  }
  if (!used.empty()) {
    return failure("weights",
                   std::to_string(used.begin()->second) + " used roll entries of weight " +
                       std::to_string(used.begin()->first) + ", no ballot of that weight");
  }
  return pass("weights", std::to_string(keys.size()) +
                             " weighted roll entries; the ballots' weights are the used entries'");
}

check check_counts(const record& r) {
  const auto b = r.ballots.size(), u = r.used.size(), n = r.roll.size();
  const std::string text = std::to_string(b) + " ballots, " + std::to_string(u) +
                           " used credentials, " + std::to_string(n) + " on the roll";
  if (b != u || u > n) return failure("counts", text + " (need ballots == used <= roll)");
  return pass("counts", text);
}

check check_eligible(const record& r) {
  const std::string text = "result.eligible_voters " + std::to_string(r.result.eligible_voters) +
                           ", roll " + std::to_string(r.roll.size());
  return r.result.eligible_voters == r.roll.size() ? pass("eligible_voters", text)
                                                   : failure("eligible_voters", text);
}

check check_votes_cast(const record& r) {
  const std::string text = "result.votes_cast " + std::to_string(r.result.votes_cast) +
                           ", ballots " + std::to_string(r.ballots.size());
  return r.result.votes_cast == r.ballots.size() ? pass("votes_cast", text)
                                                 : failure("votes_cast", text);
}

}  // namespace

bool record_checks::passed() const {
  return std::all_of(checks.begin(), checks.end(), [](const check& c) { return c.passed; });
}

record_checks check_record(std::string_view bytes, const record_limits& lim) {
  record_checks out;
  auto parsed = parse_record(bytes, lim);
  if (auto* e = std::get_if<parse_error>(&parsed)) {
    out.checks.push_back(failure("parse", e->message));
    return out;
  }
  out.parsed = std::move(std::get<record>(parsed));
  const record& r = *out.parsed;
  out.checks.push_back(pass("parse", "one JSON object of the documented shape"));
  out.checks.push_back(check_format(r));
  out.checks.push_back(check_settings(r));
  out.checks.push_back(check_canonical(r, bytes));
  out.checks.push_back(check_digest(r));
  out.checks.push_back(check_trackers(r));
  out.checks.push_back(check_ballot_order(r));
  out.checks.push_back(check_candidates(r));
  out.checks.push_back(check_ballots(r));
  out.checks.push_back(check_roll(r));
  out.checks.push_back(check_used(r));
  out.checks.push_back(check_weights(r));
  out.checks.push_back(check_counts(r));
  out.checks.push_back(check_eligible(r));
  out.checks.push_back(check_votes_cast(r));
  out.counted = recount(r);
  out.counted->record_bytes = bytes.size();
  out.checks.push_back(compare_result(r, *out.counted));
  return out;
}

}  // namespace vote::verify
