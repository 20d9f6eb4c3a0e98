// Chaos run reports, human and JSON (include/vote/lab/chaos.hpp).
#include <map>
#include <ostream>

#include "vote/lab/chaos.hpp"

namespace vote::lab {

nlohmann::json to_json(const chaos_report& r) {
  nlohmann::json actions = nlohmann::json::array();
  for (const auto& a : r.actions) {
    actions.push_back({{"at_ms", a.at_ms},
                       {"kind", a.kind},
                       {"nodes", a.nodes},
                       {"client_far", a.client_far},
                       {"held_ms", a.held_ms},
                       {"note", a.note}});
  }
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : r.checks) {
    checks.push_back({{"check", c.check}, {"passed", c.passed()}, {"violations", c.violations}});
  }
  return {
      {"seed", r.seed},
      {"passed", r.passed()},
      {"votes", {{"ok", r.votes_ok}, {"refused", r.votes_refused}, {"unknown", r.votes_unknown}}},
      {"reads", {{"ok", r.reads_ok}, {"failed", r.reads_failed}}},
      {"vote_codes", r.vote_codes},
      {"nemesis", actions},
      {"recover_ms", r.recover_ms ? nlohmann::json(*r.recover_ms) : nlohmann::json()},
      {"checks", checks},
      {"problems", r.problems},
      {"work_dir", r.work_dir.string()}};
}

void print_summary(const chaos_report& r, std::ostream& out) {
  out << "votes: " << r.votes_ok << " ok, " << r.votes_refused << " refused, " << r.votes_unknown
      << " unknown; reads: " << r.reads_ok << " ok, " << r.reads_failed << " failed\n";
  for (const auto& [code, n] : r.vote_codes) out << "  votes " << code << ": " << n << "\n";
  std::map<std::string, int> kinds;
  for (const auto& a : r.actions) ++kinds[a.kind];
  out << "nemesis: " << r.actions.size() << " actions";
  for (const auto& [k, n] : kinds) out << ", " << n << " " << k;
  out << "\n";
  if (r.recover_ms) out << "recovered " << *r.recover_ms << " ms after healing everything\n";
  for (const auto& c : r.checks) {
    out << (c.passed() ? "  [pass] " : "  [FAIL] ") << c.check << "\n";
    for (const auto& v : c.violations) out << "         " << v << "\n";
  }
  for (const auto& p : r.problems) out << "  [FAIL] " << p << "\n";
  if (r.passed()) {
    out << "PASSED (seed " << r.seed << ")\n";
  } else {
    out << "FAILED (seed " << r.seed << "); server logs and data: " << r.work_dir.string() << "\n";
  }
}

}  // namespace vote::lab
