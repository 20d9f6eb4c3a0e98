// The checks of one record copy (include/vote/verify/verify.hpp).
#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

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

check check_format(const record& r) {
  std::vector<std::string> problems;
  if (r.format != "vote-record/1") problems.push_back("format is " + json_text(r.format));
  if (r.settings.method != "plurality") {
    problems.push_back("method " + json_text(r.settings.method) + " (only plurality is defined)");
  }
  if (r.settings.tie_break != "none" && r.settings.tie_break != "first_listed") {
    problems.push_back("tie_break " + json_text(r.settings.tie_break));
  }
  if (r.settings.voters != "ids" && r.settings.voters != "codes") {
    problems.push_back("voters " + json_text(r.settings.voters));
  }
  if (problems.empty()) {
    return pass("format", "vote-record/1, plurality, tie_break " + r.settings.tie_break +
                              ", voters " + r.settings.voters);
  }
  std::string detail;
  for (const auto& p : problems) detail += (detail.empty() ? "" : "; ") + p;
  return failure("format", detail);
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
  std::string ballot;
  for (std::size_t i = 0; i < r.ballots.size(); ++i) {
    const record_ballot& b = r.ballots[i];
    ballot.assign("{\"candidate\":");
    append_json_string(ballot, b.candidate);
    ballot.push_back('}');
    const std::string t = make(r.election_id, b.nonce, ballot);
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
  for (std::size_t i = 0; i < r.ballots.size(); ++i) {
    if (!listed.contains(r.ballots[i].candidate)) {
      return failure("candidates", "ballots[" + std::to_string(i) + "] names " +
                                       json_text(r.ballots[i].candidate) + ", not a candidate");
    }
  }
  return pass("candidates",
              std::to_string(r.candidates.size()) + " candidates; every ballot names one of them");
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
  out.checks.push_back(check_canonical(r, bytes));
  out.checks.push_back(check_digest(r));
  out.checks.push_back(check_trackers(r));
  out.checks.push_back(check_ballot_order(r));
  out.checks.push_back(check_candidates(r));
  out.checks.push_back(check_roll(r));
  out.checks.push_back(check_used(r));
  out.checks.push_back(check_counts(r));
  out.checks.push_back(check_eligible(r));
  out.checks.push_back(check_votes_cast(r));
  out.counted = recount(r);
  out.counted->record_bytes = bytes.size();
  out.checks.push_back(compare_result(r, *out.counted));
  return out;
}

}  // namespace vote::verify
