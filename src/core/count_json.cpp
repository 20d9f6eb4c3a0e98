// The JSON form of a count's detail (election_impl.hpp, docs/protocol.md "Results").
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "election_impl.hpp"
#include "vote/core/strict_json.hpp"

namespace vote::detail {
namespace {

using json = nlohmann::json;

json named(const std::vector<std::uint32_t>& indexes, const std::vector<std::string>& names) {
  json out = json::array();
  for (const std::uint32_t i : indexes) out.push_back(names[i]);
  return out;
}

bool read_named(const json& j, std::string_view field, const std::vector<std::string>& names,
                std::vector<std::uint32_t>& out) {
  std::vector<std::string> listed;
  if (!strict_json::read_strings(j, field, listed)) return false;
  for (const std::string& name : listed) {
    std::uint32_t i = 0;
    while (i < names.size() && names[i] != name) ++i;
    if (i == names.size()) return false;
    out.push_back(i);
  }
  return true;
}

bool read_matrix(const json& j, std::string_view field, std::size_t n,
                 std::vector<std::vector<std::uint64_t>>& out) {
  const json* rows = strict_json::array_field(j, field);
  if (rows == nullptr) return strict_json::find(j, field) == nullptr;
  if (rows->size() != n) return false;
  for (const json& row : *rows) {
    if (!row.is_array() || row.size() != n) return false;
    std::vector<std::uint64_t> values;
    for (const json& v : row) {
      std::uint64_t x = 0;
      if (!strict_json::as_u64(v, x)) return false;
      values.push_back(x);
    }
    out.push_back(std::move(values));
  }
  return true;
}

}  // namespace

json count_to_json(const counting::count& c, const std::vector<std::string>& names) {
  json j = {{"total_weight", c.total_weight}};
  if (c.quota != 0) {
    j["quota"] = c.quota;
    j["scale"] = counting::stv_scale;
  }
  if (!c.rounds.empty()) {
    json rounds = json::array();
    for (const counting::round& r : c.rounds) {
      json round = {{"totals", r.totals},
                    {"exhausted", r.exhausted},
                    {"elected", named(r.elected, names)},
                    {"eliminated", named(r.eliminated, names)}};
      if (!r.transferred.empty()) round["transferred"] = named(r.transferred, names);
      if (!r.tied.empty()) {
        round["tied"] = named(r.tied, names);
        round["tie_note"] = r.tie_note;
      }
      rounds.push_back(std::move(round));
    }
    j["rounds"] = std::move(rounds);
  }
  if (!c.pairwise.empty()) {
    j["pairwise"] = c.pairwise;
    j["strongest"] = c.strongest;
  }
  return j;
}

std::optional<counting::count> count_from_json(const json& j,
                                               const std::vector<std::string>& names) {
  counting::count c;
  if (!strict_json::read_u64(j, "total_weight", c.total_weight)) return std::nullopt;
  if (strict_json::find(j, "quota") != nullptr) {
    std::uint64_t scale = 0;
    if (!strict_json::read_u64(j, "quota", c.quota) || !strict_json::read_u64(j, "scale", scale) ||
        scale != counting::stv_scale) {
      return std::nullopt;
    }
  }
  if (const json* rounds = strict_json::find(j, "rounds"); rounds != nullptr) {
    if (!rounds->is_array()) return std::nullopt;
    for (const json& rj : *rounds) {
      counting::round r;
      if (!rj.is_object() || !strict_json::read_u64s(rj, "totals", r.totals) ||
          r.totals.size() != names.size() || !strict_json::read_u64(rj, "exhausted", r.exhausted) ||
          !read_named(rj, "elected", names, r.elected) ||
          !read_named(rj, "eliminated", names, r.eliminated)) {
        return std::nullopt;
      }
      if (strict_json::find(rj, "transferred") != nullptr &&
          !read_named(rj, "transferred", names, r.transferred)) {
        return std::nullopt;
      }
      if (strict_json::find(rj, "tied") != nullptr &&
          (!read_named(rj, "tied", names, r.tied) ||
           !strict_json::read_string(rj, "tie_note", r.tie_note))) {
        return std::nullopt;
      }
      c.rounds.push_back(std::move(r));
    }
  }
  if (!read_matrix(j, "pairwise", names.size(), c.pairwise) ||
      !read_matrix(j, "strongest", names.size(), c.strongest)) {
    return std::nullopt;
  }
  return c;
}

}  // namespace vote::detail
