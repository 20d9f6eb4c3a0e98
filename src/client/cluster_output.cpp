// Printing a cluster view (include/vote/client/cluster_output.hpp).
#include "vote/client/cluster_output.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/client/output.hpp"

namespace vote::client {
namespace {

using row = std::vector<std::string>;

// Columns left-aligned and separated by two spaces; no trailing blanks.
std::string aligned(const std::vector<row>& rows) {
  std::vector<std::size_t> width;
  for (const row& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const row& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

bool answered_by_leader(const wire::cluster_view& v) {
  return v.leader.id != 0 && v.leader.id == v.self;
}

row member_row(const wire::cluster_view& v, const wire::member_view& m,
               std::int64_t unreachable_after_ms) {
  const bool leader_view = answered_by_leader(v);
  const bool match_known = leader_view || m.id == v.self;
  const bool unreachable = member_reachable(v, m, unreachable_after_ms) == false;
  return {std::to_string(m.id),
          m.endpoint.empty() ? "-" : m.endpoint,
          unreachable ? "unreachable" : m.role,
          m.voter ? "yes" : "no",
          match_known ? std::to_string(m.match_index) : "-",
          leader_view ? std::to_string(m.lag) : "-",
          m.last_contact_ms ? std::to_string(*m.last_contact_ms) + " ms" : "-"};
}

std::string leader_line(const wire::cluster_view& v) {
  if (v.leader.id == 0) return "leader: none known to node " + std::to_string(v.self) + "\n";
  return "leader: node " + std::to_string(v.leader.id) + " at " + v.leader.endpoint + "\n";
}

std::string summary_line(const wire::cluster_view& v) {
  return "cluster " + (v.cluster_uuid.empty() ? std::string("(no uuid yet)") : v.cluster_uuid) +
         ": epoch " + std::to_string(v.epoch) + ", commit_index " + std::to_string(v.commit_index) +
         ", applied_index " + std::to_string(v.applied_index) + " (as seen by node " +
         std::to_string(v.self) + ")\n";
}

// "node 1", "nodes 1, 2".
std::string node_list(const std::vector<std::uint64_t>& ids) {
  std::string out = ids.size() == 1 ? "node " : "nodes ";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out += (i == 0 ? "" : ", ") + std::to_string(ids[i]);
  }
  return out;
}

// "no contact for 1520 ms" / "no contact since node 3 took the lead", for the first of them.
std::string silence(const wire::cluster_view& v, const wire::member_view& m,
                    std::int64_t unreachable_after_ms) {
  if (!m.last_contact_ms) {
    return "no contact since node " + std::to_string(v.leader.id) + " took the lead";
  }
  return "no contact for " + std::to_string(*m.last_contact_ms) + " ms, more than " +
         std::to_string(unreachable_after_ms) + " ms";
}

std::string tolerance_line(const cluster_health& h) {
  if (h.voters == 0) return "voters 0: no configuration known yet\n";
  std::string out = "voters " + std::to_string(h.voters);
  if (!h.reachable_voters) {
    return out + ", quorum " + std::to_string(h.quorum) +
           ": which voters are reachable is known only by the leader\n";
  }
  out += ", reachable " + std::to_string(*h.reachable_voters) + ", quorum " +
         std::to_string(h.quorum) + ": ";
  if (*h.reachable_voters < h.quorum) {
    const auto missing = h.quorum - *h.reachable_voters;
    return out + "no quorum: " + std::to_string(missing) + " more voter(s) must be reachable\n";
  }
  return out + "can lose " + std::to_string(*h.failure_tolerance) + " more server(s)\n";
}

// "ok", or the verdict in words and its reason: "degraded: node 1 unreachable (...)".
std::string health_text(const cluster_health& h) {
  if (h.ok()) return "ok";
  std::string verdict(to_string(h.verdict));
  std::replace(verdict.begin(), verdict.end(), '_', ' ');
  return verdict + ": " + h.reason;
}

}  // namespace

std::optional<bool> member_reachable(const wire::cluster_view& v, const wire::member_view& m,
                                     std::int64_t unreachable_after_ms) {
  if (m.id == v.self) return true;  // it answered
  if (!answered_by_leader(v)) return std::nullopt;
  return m.last_contact_ms && *m.last_contact_ms <= unreachable_after_ms;
}

std::string_view to_string(health_verdict h) noexcept {
  switch (h) {
    case health_verdict::healthy:
      return "ok";
    case health_verdict::degraded:
      return "degraded";
    case health_verdict::unknown:
      return "unknown";
    case health_verdict::no_quorum:
      return "no_quorum";
    case health_verdict::no_leader:
      return "no_leader";
  }
  return "unknown";
}

cluster_health assess_health(const wire::cluster_view& v, std::int64_t unreachable_after_ms) {
  cluster_health h;
  std::size_t reachable = 0;
  std::vector<std::uint64_t> unreachable;
  const wire::member_view* first_unreachable = nullptr;
  for (const auto& m : v.members) {
    if (!m.voter) continue;
    ++h.voters;
    if (member_reachable(v, m, unreachable_after_ms) == false) {
      unreachable.push_back(m.id);
      if (!first_unreachable) first_unreachable = &m;
    } else {
      ++reachable;
    }
  }
  h.quorum = h.voters / 2 + 1;
  if (v.leader.id == 0) {
    h.reason = "node " + std::to_string(v.self) + " knows none";
    return h;
  }
  if (!answered_by_leader(v)) {
    h.verdict = health_verdict::unknown;
    h.reason = "node " + std::to_string(v.self) +
               " is not the leader; only the leader knows which members are reachable (ask node " +
               std::to_string(v.leader.id) + " at " + v.leader.endpoint + ")";
    return h;
  }
  h.reachable_voters = reachable;
  h.failure_tolerance = reachable >= h.quorum ? reachable - h.quorum : 0;
  if (reachable < h.quorum) {
    h.verdict = health_verdict::no_quorum;
    h.reason = std::to_string(reachable) + " of " + std::to_string(h.voters) +
               " voters reachable, " + std::to_string(h.quorum) + " needed; " +
               node_list(unreachable) + " unreachable";
  } else if (!unreachable.empty()) {
    h.verdict = health_verdict::degraded;
    h.reason = node_list(unreachable) + " unreachable (" +
               silence(v, *first_unreachable, unreachable_after_ms) + "); can lose " +
               std::to_string(*h.failure_tolerance) + " more server(s)";
  } else {
    h.verdict = health_verdict::healthy;
  }
  return h;
}

int check_exit_code(health_verdict h) noexcept {
  switch (h) {
    case health_verdict::healthy:
      return exit_ok;
    case health_verdict::degraded:
    case health_verdict::unknown:
      return exit_refused;
    case health_verdict::no_quorum:
    case health_verdict::no_leader:
      return exit_unavailable;
  }
  return exit_unavailable;
}

std::string format_cluster_view(const wire::cluster_view& v, std::int64_t unreachable_after_ms) {
  std::vector<row> rows{{"id", "endpoint", "role", "voter", "match", "lag", "last contact"}};
  for (const auto& m : v.members) rows.push_back(member_row(v, m, unreachable_after_ms));
  std::string out = leader_line(v) + summary_line(v) + aligned(rows);
  if (!answered_by_leader(v)) {
    out += "note: node " + std::to_string(v.self) +
           " is not the leader; only the leader knows the other members' match, lag and last "
           "contact\n";
  }
  const auto health = assess_health(v, unreachable_after_ms);
  out += tolerance_line(health);
  out += "health: " + health_text(health) + "\n";
  return out;
}

nlohmann::json cluster_view_json(const wire::cluster_view& v, std::int64_t unreachable_after_ms) {
  nlohmann::json j = wire::cluster_to_json(v);
  auto& members = j.at("members");
  for (std::size_t i = 0; i < v.members.size() && i < members.size(); ++i) {
    const auto reachable = member_reachable(v, v.members[i], unreachable_after_ms);
    members[i]["reachable"] = reachable ? nlohmann::json(*reachable) : nlohmann::json(nullptr);
  }
  const auto h = assess_health(v, unreachable_after_ms);
  auto optional = [](const std::optional<std::size_t>& n) {
    return n ? nlohmann::json(*n) : nlohmann::json(nullptr);
  };
  j["ok"] = h.ok();
  j["health"] = std::string(to_string(h.verdict));
  j["reason"] = h.reason;
  j["voters"] = h.voters;
  j["quorum"] = h.quorum;
  j["reachable_voters"] = optional(h.reachable_voters);
  j["failure_tolerance"] = optional(h.failure_tolerance);
  j["unreachable_after_ms"] = unreachable_after_ms;
  return j;
}

int report_cluster_view(const call_result& r, bool json, std::ostream& out, std::ostream& err,
                        const status_options& s) {
  if (!r.ok()) return report(r, json, "", out, err);
  if (!r.response || !r.response->cluster) {
    call_result broken = r;
    broken.result = outcome::unknown;
    broken.code = errc::internal;
    broken.message = "the answer of " + r.last_target + " carries no cluster view";
    return report(broken, json, "", out, err);
  }
  const wire::cluster_view& v = *r.response->cluster;
  if (json) {
    out << cluster_view_json(v, s.unreachable_after_ms)
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
  } else {
    out << format_cluster_view(v, s.unreachable_after_ms);
  }
  out.flush();
  if (!s.check) return v.leader.id == 0 ? exit_unavailable : exit_ok;
  const auto health = assess_health(v, s.unreachable_after_ms);
  if (!health.ok()) {
    err << error_prefix << health_text(health) << "\n";  // the one prefix style
    err.flush();
  }
  return check_exit_code(health.verdict);
}

}  // namespace vote::client
