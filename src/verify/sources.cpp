// Receipts, copies from several sources, and the overall verdict (include/vote/verify/verify.hpp).
#include <algorithm>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "vote/verify/codes.hpp"
#include "vote/verify/verify.hpp"

namespace vote::verify {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_receipt_bytes = 64 * 1024;

std::optional<std::string> string_member(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The index of the ballot with tracker `t`, binary search when sorted, else a scan.
std::optional<std::size_t> find_tracker(const record& rec, std::string_view t) {
  const auto& b = rec.ballots;
  const auto less = [](const record_ballot& x, std::string_view y) { return x.tracker < y; };
  if (std::is_sorted(b.begin(), b.end(),
                     [](const auto& x, const auto& y) { return x.tracker < y.tracker; })) {
    const auto it = std::lower_bound(b.begin(), b.end(), t, less);
    if (it != b.end() && it->tracker == t) return static_cast<std::size_t>(it - b.begin());
    return std::nullopt;
  }
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i].tracker == t) return i;
  }
  return std::nullopt;
}

// A receipt's ballot object as canonical text (its marks in the receipt's order), or nullopt
// when it is not one of the four shapes.
std::optional<std::string> receipt_ballot(const json& b) {
  if (!b.is_object() || b.size() != 1) return std::nullopt;
  // Not `*b.items().begin()`: that binds to a proxy whose iterator has gone (ASan:
  // stack-use-after-scope).
  const auto first = b.begin();
  const std::string& key = first.key();
  const json& value = first.value();
  std::vector<std::string> names;
  std::vector<std::uint64_t> scores;
  if (key == "candidate") {
    if (!value.is_string()) return std::nullopt;
    return canonical_ballot(ballot_shape::candidate, {value.get<std::string>()}, {});
  }
  if (key == "approve" || key == "rank") {
    if (!value.is_array()) return std::nullopt;
    for (const json& n : value) {
      if (!n.is_string()) return std::nullopt;
      names.push_back(n.get<std::string>());
    }
    return canonical_ballot(key == "rank" ? ballot_shape::rank : ballot_shape::approve, names, {});
  }
  if (key == "scores") {
    if (!value.is_object()) return std::nullopt;
    for (const auto& [name, score] : value.items()) {
      if (!score.is_number_unsigned()) return std::nullopt;
      names.push_back(name);
      scores.push_back(score.get<std::uint64_t>());
    }
    return canonical_ballot(ballot_shape::scores, names, scores);
  }
  return std::nullopt;
}

}  // namespace

std::variant<receipt, parse_error> parse_receipt(std::string_view bytes) {
  if (bytes.size() > max_receipt_bytes) return parse_error{"a receipt is at most 64 KiB"};
  const json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return parse_error{"not a JSON object"};
  for (const auto& [k, v] : j.items()) {
    if (k != "ballot" && k != "election_id" && k != "format" && k != "nonce" && k != "tracker") {
      return parse_error{"unknown member '" + k.substr(0, 64) + "'"};
    }
  }
  if (string_member(j, "format") != "vote-receipt/1") {
    return parse_error{"member 'format' must be \"vote-receipt/1\""};
  }
  receipt r;
  const auto id = string_member(j, "election_id");
  if (!id) return parse_error{"member 'election_id' must be a string"};
  r.election_id = *id;
  const auto b = j.find("ballot");
  auto ballot = b == j.end() ? std::nullopt : receipt_ballot(*b);
  if (!ballot) {
    return parse_error{
        "member 'ballot' must be {\"candidate\": string}, {\"approve\": [string]}, "
        "{\"rank\": [string]} or {\"scores\": {string: integer}}"};
  }
  r.ballot = std::move(*ballot);
  r.nonce = string_member(j, "nonce").value_or("");
  if (!is_lower_hex(r.nonce, nonce_hex_chars)) {
    return parse_error{"member 'nonce' must be 32 lowercase hex characters"};
  }
  for (const char c : string_member(j, "tracker").value_or("")) {
    if (c == '-' || c == ' ') continue;
    r.tracker.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  if (!is_tracker(r.tracker)) return parse_error{"member 'tracker' must be 20 symbols"};
  return r;
}

check check_receipt(const receipt& r, const record& rec) {
  check c{.name = "receipt", .passed = false, .detail = "", .source = ""};
  const std::string& ballot = r.ballot;
  const std::string t = tracker(r.election_id, r.nonce, ballot);
  const std::string shown = group4(r.tracker);
  if (t != r.tracker) {
    c.detail = "the receipt's tracker " + shown + " does not match its nonce and ballot " + ballot +
               " (they give " + group4(t) + ")";
  } else if (r.election_id != rec.election_id) {
    c.detail =
        "the receipt is for election " + r.election_id + ", the record for " + rec.election_id;
  } else if (const auto i = find_tracker(rec, r.tracker); !i) {
    c.detail = "tracker " + shown + " is not in the record";
  } else if (const std::string held = canonical_ballot(rec, *i); held != ballot) {
    c.detail = "the record holds tracker " + shown + " with ballot " + held +
               ", the receipt says " + ballot;
  } else if (rec.ballots[*i].nonce != r.nonce) {
    c.detail = "the record holds tracker " + shown + " with another nonce";
  } else {
    c.passed = true;
    c.detail = "tracker " + shown + " is in the record with ballot " + ballot;
  }
  return c;
}

check compare_sources(const std::vector<source>& sources) {
  const source* first = nullptr;
  std::vector<std::string> differ;
  std::size_t same = 0;
  for (const source& s : sources) {
    if (!s.bytes) continue;
    if (first == nullptr) {
      first = &s;
      ++same;
      continue;
    }
    const std::string& a = *first->bytes;
    const std::string& b = *s.bytes;
    const auto m = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    if (m.first == a.end() && m.second == b.end()) {
      ++same;
      continue;
    }
    differ.push_back(s.name + " differs from " + first->name + " from byte " +
                     std::to_string(m.first - a.begin()) + " (" + std::to_string(b.size()) +
                     " bytes against " + std::to_string(a.size()) + ")");
  }
  if (first == nullptr)
    return {.name = "same_record", .passed = false, .detail = "no copy read", .source = ""};
  if (differ.empty()) {
    return {.name = "same_record",
            .passed = true,
            .detail = std::to_string(same) + " copies, byte-identical",
            .source = ""};
  }
  return {.name = "same_record", .passed = false, .detail = join(differ), .source = ""};
}

int verdict::exit_code() const {
  if (std::any_of(checks.begin(), checks.end(), [](const check& c) { return !c.passed; })) {
    return exit_failed;
  }
  if (!unreadable.empty() || checks.empty()) return exit_unreachable;
  return exit_verified;
}

verdict verify_sources(const std::vector<source>& sources, const verify_options& options) {
  verdict v;
  // Distinct copies: the first source holding them, and every source's name.
  std::vector<std::pair<const source*, std::vector<std::string>>> copies;
  for (const source& s : sources) {
    if (!s.bytes) {
      v.unreadable.push_back(s.name + ": " + s.error);
      continue;
    }
    auto it = std::find_if(copies.begin(), copies.end(),
                           [&](const auto& c) { return *c.first->bytes == *s.bytes; });
    if (it == copies.end()) {
      copies.push_back({&s, {s.name}});
    } else {
      it->second.push_back(s.name);
    }
  }
  for (const auto& [first, names] : copies) {
    record_checks rc = check_record(*first->bytes, options.limits);
    const std::string label = copies.size() > 1 ? join(names) : "";
    if (options.election_id && rc.parsed) {
      const bool same = rc.parsed->election_id == *options.election_id;
      rc.checks.push_back({.name = "election_id",
                           .passed = same,
                           .detail = "the record is of election " + rc.parsed->election_id +
                                     (same ? "" : ", asked for " + *options.election_id),
                           .source = ""});
    }
    if (options.voter && rc.parsed) rc.checks.push_back(check_receipt(*options.voter, *rc.parsed));
    for (check& c : rc.checks) {
      c.source = label;
      v.checks.push_back(std::move(c));
    }
    if (!v.result && rc.counted) v.result = std::move(rc.counted);
  }
  const auto readable = static_cast<std::size_t>(
      std::count_if(sources.begin(), sources.end(), [](const source& s) { return s.bytes; }));
  if (readable > 1) v.checks.push_back(compare_sources(sources));
  return v;
}

}  // namespace vote::verify
