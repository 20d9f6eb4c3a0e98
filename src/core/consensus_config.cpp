// Configuration helpers and the config entry codec (DESIGN.md §4).
#include "vote/core/consensus_config.hpp"

#include <algorithm>
#include <set>

#include "consensus_json.hpp"
#include "vote/core/strict_json.hpp"

namespace vote::consensus {
namespace {

const member* find_in(const std::vector<member>& ms, node_id id) noexcept {
  for (const member& m : ms) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

void sort_by_id(std::vector<member>& ms) {
  std::sort(ms.begin(), ms.end(), [](const member& a, const member& b) { return a.id < b.id; });
}

}  // namespace

bool configuration::is_voter(node_id id) const noexcept {
  return find_in(voters, id) != nullptr;
}
bool configuration::is_learner(node_id id) const noexcept {
  return find_in(learners, id) != nullptr;
}
const member* configuration::find(node_id id) const noexcept {
  const member* m = find_in(voters, id);
  return m != nullptr ? m : find_in(learners, id);
}
bool configuration::knows(node_id id, std::uint64_t incarnation) const noexcept {
  const member* m = find(id);
  return m != nullptr && m->incarnation == incarnation;
}
bool configuration::is_quorum(const std::vector<node_id>& ids) const {
  const std::set<node_id> unique(ids.begin(), ids.end());
  std::size_t n = 0;
  for (node_id id : unique) n += is_voter(id) ? 1 : 0;
  return !voters.empty() && n >= quorum();
}
void configuration::normalize() {
  sort_by_id(voters);
  sort_by_id(learners);
}

namespace detail {

nlohmann::json members_to_json(const std::vector<member>& ms) {
  nlohmann::json a = nlohmann::json::array();
  for (const member& m : ms) {
    a.push_back({{"id", m.id}, {"incarnation", m.incarnation}, {"endpoint", m.endpoint}});
  }
  return a;
}

bool members_from_json(const nlohmann::json& j, std::vector<member>& out) {
  if (!j.is_array() || j.size() > max_members) return false;
  out.clear();
  for (const nlohmann::json& m : j) {
    member x;
    if (!m.is_object() || !strict_json::read_u64(m, "id", x.id) ||
        !strict_json::read_u64(m, "incarnation", x.incarnation) ||
        !strict_json::read_string(m, "endpoint", x.endpoint) || x.id == 0) {
      return false;
    }
    out.push_back(std::move(x));
  }
  return true;
}

nlohmann::json config_to_json(const configuration& c) {
  return {{"cluster_uuid", c.cluster_uuid},
          {"voters", members_to_json(c.voters)},
          {"learners", members_to_json(c.learners)}};
}

bool config_from_json(const nlohmann::json& j, configuration& out) {
  const nlohmann::json* v = strict_json::find(j, "voters");
  const nlohmann::json* l = strict_json::find(j, "learners");
  if (v == nullptr || l == nullptr) return false;
  if (!strict_json::read_string(j, "cluster_uuid", out.cluster_uuid) ||
      !members_from_json(*v, out.voters) || !members_from_json(*l, out.learners)) {
    return false;
  }
  std::set<node_id> ids;
  for (const member& m : out.voters) ids.insert(m.id);
  for (const member& m : out.learners) ids.insert(m.id);
  if (ids.size() != out.voters.size() + out.learners.size()) return false;  // duplicate ids
  out.normalize();
  return true;
}

}  // namespace detail

std::string encode_configuration(const configuration& c) {
  return detail::config_to_json(c).dump();
}

std::optional<configuration> decode_configuration(std::string_view payload) {
  const strict_json::parse_result parsed = strict_json::parse(payload);
  configuration c;
  if (!parsed.value || !detail::config_from_json(*parsed.value, c)) return std::nullopt;
  return c;
}

}  // namespace vote::consensus
