// vote-verify's own plurality tally (include/vote/verify/verify.hpp): written from
// docs/record.md, not from the servers' election code.
#include <algorithm>
#include <string>
#include <unordered_map>

#include "vote/verify/codes.hpp"
#include "vote/verify/verify.hpp"

namespace vote::verify {
namespace {

std::string names(const std::vector<std::string>& l) {
  std::string out = "[";
  for (const auto& n : l) {
    if (out.size() > 1) out += ",";
    append_json_string(out, n);
  }
  return out + "]";
}

std::string winner_text(const std::optional<std::string>& w) {
  if (!w) return "null";
  std::string out;
  append_json_string(out, *w);
  return out;
}

}  // namespace

summary recount(const record& r) {
  summary s;
  s.election_id = r.election_id;
  s.ballots = r.ballots.size();
  s.tie_break = r.settings.tie_break;
  s.digest = r.digest;
  std::unordered_map<std::string_view, std::size_t> index;
  for (const auto& c : r.candidates) {
    if (index.emplace(c, s.tallies.size()).second) s.tallies.emplace_back(c, 0);
  }
  for (const record_ballot& b : r.ballots) {
    const auto it = index.find(b.candidate);
    if (it != index.end()) ++s.tallies[it->second].second;  // else the candidates check fails
  }
  std::uint64_t top = 0;
  for (const auto& [name, votes] : s.tallies) top = std::max(top, votes);
  for (const auto& [name, votes] : s.tallies) {
    if (votes == top) s.tied.push_back(name);
  }
  if (s.tied.size() == 1) {
    s.winner = s.tied.front();
    s.tied.clear();
  } else if (s.tied.size() > 1) {
    s.tie = true;
    if (r.settings.tie_break == "first_listed") s.winner = s.tied.front();
  }
  return s;
}

check compare_result(const record& r, const summary& counted) {
  std::vector<std::string> diffs;
  std::unordered_map<std::string_view, std::uint64_t> stated;
  for (const auto& [name, votes] : r.result.tallies) stated.emplace(name, votes);
  for (const auto& [name, votes] : counted.tallies) {
    const auto it = stated.find(name);
    std::string n;
    append_json_string(n, name);
    if (it == stated.end()) {
      diffs.push_back("no tally for " + n + " (recount " + std::to_string(votes) + ")");
    } else if (it->second != votes) {
      diffs.push_back("tally of " + n + ": record " + std::to_string(it->second) + ", recount " +
                      std::to_string(votes));
    }
    stated.erase(name);
  }
  if (!stated.empty())
    diffs.push_back(std::to_string(stated.size()) + " tallies for non-candidates");
  if (r.result.tie != counted.tie) {
    diffs.push_back(std::string("tie: record ") + (r.result.tie ? "true" : "false") + ", recount " +
                    (counted.tie ? "true" : "false"));
  }
  if (r.result.tied != counted.tied) {
    diffs.push_back("tied: record " + names(r.result.tied) + ", recount " + names(counted.tied));
  }
  if (r.result.winner != counted.winner) {
    diffs.push_back("winner: record " + winner_text(r.result.winner) + ", recount " +
                    winner_text(counted.winner));
  }
  if (diffs.empty()) {
    return {.name = "recount",
            .passed = true,
            .detail =
                "tallies, tie, tied and winner as recounted (tie_break " + counted.tie_break + ")",
            .source = ""};
  }
  std::string detail;
  for (std::size_t i = 0; i < diffs.size() && i < 8; ++i) detail += (i ? "; " : "") + diffs[i];
  if (diffs.size() > 8) detail += "; ...";
  return {.name = "recount", .passed = false, .detail = detail, .source = ""};
}

}  // namespace vote::verify
