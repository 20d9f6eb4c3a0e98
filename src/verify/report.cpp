// vote-verify's verdict as text and JSON (include/vote/verify/verify.hpp).
#include <algorithm>
#include <string>

#include "vote/verify/verify.hpp"

namespace vote::verify {
namespace {

std::string tally_text(const summary& s) {
  std::string out;
  for (const auto& [name, votes] : s.tallies) {
    out += (out.empty() ? "" : ", ") + name + " " + std::to_string(votes);
  }
  return out;
}

std::string outcome_text(const summary& s) {
  if (s.winners.size() > 1) {
    std::string elected;
    for (const auto& w : s.winners) elected += (elected.empty() ? "" : ", ") + w;
    return "elected " + elected + " (" + s.method + ")";
  }
  if (!s.tie) return "winner " + s.winner.value_or("(none)");
  std::string tied;
  for (std::size_t i = 0; i < s.tied.size(); ++i) {
    if (i > 0) tied += i + 1 == s.tied.size() ? " and " : ", ";
    tied += s.tied[i];
  }
  if (s.winner)
    return "tie between " + tied + ", winner " + *s.winner + " by tie_break " + s.tie_break;
  return "tie between " + tied + ", no winner (tie_break " + s.tie_break + ")";
}

std::string check_label(const check& c) {
  return c.source.empty() ? c.name : c.name + " [" + c.source + "]";
}

}  // namespace

std::string verdict_line(const verdict& v) {
  const int code = v.exit_code();
  if (code == exit_verified) {
    const summary& s = *v.result;
    return "VERIFIED: election " + s.election_id + ", " + std::to_string(s.ballots) + " ballots, " +
           outcome_text(s) + " (" + tally_text(s) + ")";
  }
  std::string line = "FAILED: ";
  if (v.result) line += "election " + v.result->election_id + ": ";
  std::string failed;
  for (const check& c : v.checks) {
    if (!c.passed) failed += (failed.empty() ? "" : ", ") + check_label(c);
  }
  if (!failed.empty()) line += failed;
  for (const std::string& u : v.unreadable) {
    line += (line.back() == ' ' ? "" : "; ") + std::string("could not read ") + u;
  }
  if (failed.empty() && v.unreadable.empty()) line += "no record to check";
  return line;
}

std::string text_report(const verdict& v) {
  std::size_t width = 0;
  for (const check& c : v.checks) width = std::max(width, check_label(c).size());
  std::string out;
  for (const check& c : v.checks) {
    std::string label = check_label(c);
    label.resize(width, ' ');
    out += (c.passed ? "ok    " : "FAIL  ") + label + "  " + c.detail + "\n";
  }
  for (const std::string& u : v.unreadable) out += "UNREAD " + u + "\n";
  return out + verdict_line(v) + "\n";
}

nlohmann::ordered_json json_report(const verdict& v) {
  nlohmann::ordered_json j;
  j["verified"] = v.exit_code() == exit_verified;
  j["exit_code"] = v.exit_code();
  j["verdict"] = verdict_line(v);
  if (v.result) {
    const summary& s = *v.result;
    nlohmann::ordered_json tallies = nlohmann::ordered_json::object();
    for (const auto& [name, votes] : s.tallies) tallies[name] = votes;
    j["election_id"] = s.election_id;
    j["ballots"] = s.ballots;
    j["method"] = s.method;
    j["winner"] = s.winner ? nlohmann::ordered_json(*s.winner) : nlohmann::ordered_json(nullptr);
    j["winners"] = s.winners;
    j["tie"] = s.tie;
    j["tied"] = s.tied;
    j["tie_break"] = s.tie_break;
    j["tallies"] = std::move(tallies);
    j["record_bytes"] = s.record_bytes;
    j["digest"] = s.digest;
  }
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const check& c : v.checks) {
    checks.push_back(
        {{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}, {"source", c.source}});
  }
  j["checks"] = std::move(checks);
  j["unreadable"] = v.unreadable;
  return j;
}

}  // namespace vote::verify
