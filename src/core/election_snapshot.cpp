// Canonical snapshot of the election state and its validated restore
// (election_state::snapshot / restore / operator==; format in docs/state-machine.md).
//
// Canonical: elections sorted by id, voters sorted by id, a fixed key order, no whitespace, so
// equal states give equal bytes. Tallies are not stored: restore recounts them from the voter
// records and checks a closed election's stored result against the recount.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "election_impl.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/strict_json.hpp"

namespace vote {
namespace {

using detail::election_data;
using json = nlohmann::json;

// Version 2 (issue 10) adds each election's voters mode and live-results setting and each
// vote's nonce; version 1 snapshots still restore (ids mode, no live results, derived nonces).
constexpr std::int64_t snapshot_version = 2;
constexpr const char* snapshot_format = "vote-state";

// Appends `s` as a JSON string. Ids are valid UTF-8 without control characters (check_command),
// the escapes below keep the output valid JSON regardless.
void append_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      constexpr std::string_view hex = "0123456789abcdef";
      out += "\\u00";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xFU]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

void append_voters(std::string& out, const detail::voter_table& voters,
                   std::string_view election_id) {
  std::vector<std::uint32_t> order(voters.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(), [&voters](std::uint32_t a, std::uint32_t b) {
    return voters.voter(a) < voters.voter(b);
  });
  out += "\"voters\":[";
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k > 0) out.push_back(',');
    out.push_back('[');
    append_quoted(out, voters.voter(order[k]));
    out += ',' + std::to_string(voters.choice(order[k])) + ',';
    append_quoted(out, voters.request_id(order[k]));
    out.push_back(',');
    // A derived nonce is written as "" (restore derives it again): old clients' votes cost no
    // snapshot bytes.
    const std::string_view nonce = voters.nonce(order[k]);
    const bool derived =
        !nonce.empty() && nonce == credentials::default_nonce(election_id, voters.voter(order[k]),
                                                              voters.request_id(order[k]));
    append_quoted(out, derived ? std::string_view() : nonce);
    out.push_back(']');
  }
  out.push_back(']');
}

void append_election(std::string& out, const election_data& e) {
  out += "{\"id\":";
  append_quoted(out, e.id);
  out += ",\"candidates\":[";
  for (std::size_t i = 0; i < e.candidates.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_quoted(out, e.candidates[i]);
  }
  out += "],\"tie_break\":";
  append_quoted(out, to_string(e.rule));
  out += ",\"voters_mode\":";
  append_quoted(out, to_string(e.mode));
  out += e.live_results ? ",\"live_results\":true" : ",\"live_results\":false";
  out += ",\"register_request_id\":";
  append_quoted(out, e.register_request_id);
  out.push_back(',');
  append_voters(out, e.voters, e.id);
  out += ",\"result\":";
  out += e.result ? strict_json::dump(result_to_json(*e.result)) : "null";
  out.push_back('}');
}

// Applies one snapshot voter entry [voter, candidate index or -1, request id, nonce] to `e`
// (version 1: without the nonce; "" or no nonce: the derived one).
bool restore_vote(election_data& e, const json& entry, const limits& lim, std::int64_t version) {
  std::string voter_id;
  std::int64_t choice = 0;
  std::string request_id;
  std::string nonce;
  const std::size_t fields = version == 1 ? 3 : 4;
  if (!entry.is_array() || entry.size() != fields || !strict_json::as_string(entry[0], voter_id) ||
      !strict_json::as_i64(entry[1], choice) || !strict_json::as_string(entry[2], request_id) ||
      (version > 1 && !strict_json::as_string(entry[3], nonce))) {
    return false;
  }
  const auto voter = e.voters.find(voter_id);
  if (!voter) return false;
  // The request id passes the same checks as when the vote was applied.
  if (!check_command(command{request_id, 0, close_cmd{e.id}}, lim).ok()) return false;
  if (choice == detail::voter_table::no_vote) return request_id.empty() && nonce.empty();
  if (choice < 0 || static_cast<std::uint64_t>(choice) >= e.candidates.size()) return false;
  if (nonce.empty()) nonce = credentials::default_nonce(e.id, voter_id, request_id);
  if (!credentials::is_nonce(nonce)) return false;
  e.voters.record(*voter, static_cast<std::int32_t>(choice), request_id, nonce);
  ++e.tallies[static_cast<std::size_t>(choice)];
  ++e.votes_cast;
  return true;
}

// The stored result of a closed election must be the recount, closed, of this election.
bool restore_result(election_data& e, const json& j) {
  if (j.is_null()) return true;
  auto stored = result_from_json(j);
  if (!stored || !stored->closed) return false;
  election_result expected = detail::compute_result(e);
  expected.closed = true;
  expected.closed_at_ms = stored->closed_at_ms;
  if (!(expected == *stored)) return false;
  e.result = std::move(expected);
  return true;
}

std::optional<election_data> restore_election(const json& j, const limits& lim,
                                              std::int64_t version) {
  command reg;
  register_cmd r;
  std::string rule;
  std::string mode = "ids";
  const json* voters = strict_json::array_field(j, "voters");
  const json* result = strict_json::find(j, "result");
  if (version > 1 && (!strict_json::read_string(j, "voters_mode", mode) ||
                      !strict_json::read_bool(j, "live_results", r.live_results))) {
    return std::nullopt;
  }
  const auto parsed_mode = voter_mode_from_string(mode);
  if (!parsed_mode) return std::nullopt;
  r.mode = *parsed_mode;
  if (voters == nullptr || result == nullptr || j.size() != (version == 1 ? 6U : 8U) ||
      !strict_json::read_string(j, "id", r.election_id) ||
      !strict_json::read_strings(j, "candidates", r.candidates) ||
      !strict_json::read_string(j, "tie_break", rule) ||
      !strict_json::read_string(j, "register_request_id", reg.request_id)) {
    return std::nullopt;
  }
  const auto parsed_rule = tie_break_from_string(rule);
  if (!parsed_rule) return std::nullopt;
  r.rule = *parsed_rule;
  r.voters.reserve(voters->size());
  for (const json& v : *voters) {
    if (!v.is_array() || v.empty() || !v[0].is_string()) return std::nullopt;
    r.voters.push_back(v[0].get_ref<const std::string&>());
  }
  reg.body = std::move(r);
  if (!check_command(reg, lim).ok()) return std::nullopt;
  election_data e = detail::make_election(std::get<register_cmd>(reg.body), reg.request_id);
  for (const json& v : *voters) {
    if (!restore_vote(e, v, lim, version)) return std::nullopt;
  }
  if (!restore_result(e, *result)) return std::nullopt;
  return e;
}

}  // namespace

std::string election_state::snapshot() const {
  std::vector<const election_data*> sorted;
  sorted.reserve(impl_->elections.size());
  for (const auto& [id, e] : impl_->elections) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(),
            [](const election_data* a, const election_data* b) { return a->id < b->id; });
  std::string out = "{\"format\":\"" + std::string(snapshot_format) +
                    "\",\"version\":" + std::to_string(snapshot_version) + ",\"elections\":[";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_election(out, *sorted[i]);
  }
  out += "]}";
  return out;
}

std::optional<election_state> election_state::restore(std::string_view snapshot, limits lim) {
  try {
    const strict_json::parse_result parsed = strict_json::parse(snapshot);
    if (!parsed.value) return std::nullopt;
    const json& j = *parsed.value;
    std::string format;
    std::int64_t version = 0;
    const json* elections = strict_json::array_field(j, "elections");
    if (elections == nullptr || j.size() != 3 || !strict_json::read_string(j, "format", format) ||
        format != snapshot_format || !strict_json::read_i64(j, "version", version) || version < 1 ||
        version > snapshot_version) {
      return std::nullopt;
    }
    election_state state(lim);
    for (const json& ej : *elections) {
      auto e = restore_election(ej, lim, version);
      if (!e) return std::nullopt;
      std::string id = e->id;
      if (!state.impl_->elections.emplace(std::move(id), std::move(*e)).second) return std::nullopt;
    }
    return state;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

bool operator==(const election_state& a, const election_state& b) {
  return a.impl_->elections == b.impl_->elections;
}

}  // namespace vote
