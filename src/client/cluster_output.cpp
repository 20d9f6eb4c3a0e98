// Printing a cluster view (include/vote/client/cluster_output.hpp).
#include "vote/client/cluster_output.hpp"

#include <algorithm>
#include <ostream>
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

row member_row(const wire::cluster_view& v, const wire::member_view& m) {
  const bool leader_view = answered_by_leader(v);
  const bool match_known = leader_view || m.id == v.self;
  return {std::to_string(m.id),
          m.endpoint.empty() ? "-" : m.endpoint,
          m.role,
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

}  // namespace

std::string format_cluster_view(const wire::cluster_view& v) {
  std::vector<row> rows{{"id", "endpoint", "role", "voter", "match", "lag", "last contact"}};
  for (const auto& m : v.members) rows.push_back(member_row(v, m));
  std::string out = leader_line(v) + summary_line(v) + aligned(rows);
  if (!answered_by_leader(v)) {
    out += "note: node " + std::to_string(v.self) +
           " is not the leader; only the leader knows the other members' match, lag and last "
           "contact\n";
  }
  return out;
}

int report_cluster_view(const call_result& r, bool json, std::ostream& out, std::ostream& err) {
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
    out << wire::cluster_to_json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
  } else {
    out << format_cluster_view(v);
  }
  out.flush();
  return v.leader.id == 0 ? exit_unavailable : exit_ok;
}

}  // namespace vote::client
