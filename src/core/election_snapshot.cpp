// The JSON snapshots of the election state, versions 1 to 3 (docs/state-machine.md): the format
// written before version 4's binary one (election_snapshot_binary.cpp). A server still restores
// them, so that a data directory or a leader's snapshot of an older release loads; the version-3
// writer is kept for the tests of that path and for vote-state-bench's comparison.
//
// Canonical: elections sorted by id, voters sorted by id, a fixed key order, no whitespace, so
// equal states give equal bytes. Tallies are not stored: restore recounts them from the voter
// records and checks a closed election's stored result against the recount.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "election_impl.hpp"
#include "election_snapshot.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/strict_json.hpp"

namespace vote {
namespace {

using detail::election_data;
using json = nlohmann::json;

// Version 2 (issue 10) adds each election's voters mode and live-results setting and each
// vote's nonce; version 1 snapshots still restore (ids mode, no live results, derived nonces).
// Version 3 (issue 11) adds the counting method, lifecycle and roll chunks ("lifecycle"), the
// weights (a fifth member of each voter entry, in weighted elections only) and the ballots of the
// methods other than plurality ("ballots", in the order cast; a voter entry's choice is its
// ballot's number).
constexpr std::int64_t snapshot_version = 3;
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

void append_voters(std::string& out, const election_data& e) {
  const detail::voter_table& voters = e.voters;
  const std::string_view election_id = e.id;
  // Sorted by id (ids are unique); the views are looked up once, not in every comparison.
  std::vector<std::pair<std::string_view, std::uint32_t>> sorted(voters.size());
  for (std::uint32_t i = 0; i < voters.size(); ++i) sorted[i] = {voters.voter(i), i};
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::uint32_t> order(sorted.size());
  for (std::size_t k = 0; k < sorted.size(); ++k) order[k] = sorted[k].second;
  sorted = {};
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
    if (e.weighted) out += ',' + std::to_string(e.weights[order[k]]);
    out.push_back(']');
  }
  out.push_back(']');
}

// Version 3: everything a register of issue 11 may set, and the cast ballots.
void append_lifecycle(std::string& out, const election_data& e) {
  json lifecycle = {{"method", std::string(counting::to_string(e.method))},
                    {"seats", e.seats},
                    {"max_score", e.max_score},
                    {"opens_at_ms", e.opens_at_ms},
                    {"closes_at_ms", e.closes_at_ms},
                    {"close_when_all_voted", e.close_when_all_voted},
                    {"registering", e.registering},
                    {"chunk_request_ids", e.chunk_request_ids}};
  out += ",\"lifecycle\":" + strict_json::dump(lifecycle) + ",\"ballots\":[";
  for (std::size_t k = 0; k < e.ballots.size(); ++k) {
    if (k > 0) out.push_back(',');
    out += "[[";
    for (std::uint32_t i = e.ballots.offsets[k]; i < e.ballots.offsets[k + 1]; ++i) {
      if (i > e.ballots.offsets[k]) out.push_back(',');
      out += std::to_string(e.ballots.marks[i]);
    }
    out += "],[";
    if (!e.ballots.scores.empty()) {
      for (std::uint32_t i = e.ballots.offsets[k]; i < e.ballots.offsets[k + 1]; ++i) {
        if (i > e.ballots.offsets[k]) out.push_back(',');
        out += std::to_string(e.ballots.scores[i]);
      }
    }
    out += "]]";
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
  append_voters(out, e);
  append_lifecycle(out, e);
  out += ",\"result\":";
  out += e.result ? strict_json::dump(result_to_json(*e.result)) : "null";
  out.push_back('}');
}

// One snapshot voter entry [voter, choice or -1, request id, nonce, weight?] (version 1: without
// the nonce; "" or no nonce: the derived one; the weight only in weighted elections).
struct voter_entry {
  std::string voter;
  std::int64_t choice = 0;
  std::string request_id;
  std::string nonce;
  std::uint64_t weight = 1;
};

bool read_voter_entry(const json& entry, std::int64_t version, bool weighted, voter_entry& out) {
  const std::size_t fields = (version == 1 ? 3 : 4) + (weighted ? 1 : 0);
  return entry.is_array() && entry.size() == fields &&
         strict_json::as_string(entry[0], out.voter) && strict_json::as_i64(entry[1], out.choice) &&
         strict_json::as_string(entry[2], out.request_id) &&
         (version == 1 || strict_json::as_string(entry[3], out.nonce)) &&
         (!weighted || strict_json::as_u64(entry[fields - 1], out.weight));
}

// The version-3 "lifecycle" object into the register command it came from.
bool read_lifecycle(const json& j, register_cmd& r) {
  const json* l = strict_json::object_field(j, "lifecycle");
  std::string method;
  std::uint64_t seats = 0;
  std::uint64_t max_score = 0;
  if (l == nullptr || l->size() != 8 || !strict_json::read_string(*l, "method", method) ||
      !strict_json::read_u64(*l, "seats", seats) ||
      !strict_json::read_u64(*l, "max_score", max_score) ||
      !strict_json::read_i64(*l, "opens_at_ms", r.opens_at_ms) ||
      !strict_json::read_i64(*l, "closes_at_ms", r.closes_at_ms) ||
      !strict_json::read_bool(*l, "close_when_all_voted", r.close_when_all_voted) ||
      !strict_json::read_bool(*l, "registering", r.more_voters) || seats > 0xFFFFFFFFU ||
      max_score > 0xFFFFFFFFU) {
    return false;
  }
  const auto m = counting::method_from_string(method);
  if (!m) return false;
  r.method = *m;
  r.seats = static_cast<std::uint32_t>(seats);
  r.max_score = static_cast<std::uint32_t>(max_score);
  return true;
}

// The version-3 ballots: [[marks], [scores]] in the order cast.
bool read_ballots(const json& j, std::vector<detail::parsed_ballot>& out) {
  const json* list = strict_json::array_field(j, "ballots");
  if (list == nullptr) return false;
  out.reserve(list->size());
  for (const json& b : *list) {
    if (!b.is_array() || b.size() != 2 || !b[0].is_array() || !b[1].is_array()) return false;
    detail::parsed_ballot p;
    for (const json& m : b[0]) {
      std::uint64_t v = 0;
      if (!strict_json::as_u64(m, v) || v > 0xFFFFU) return false;
      p.marks.push_back(static_cast<std::uint16_t>(v));
    }
    for (const json& sc : b[1]) {
      std::uint64_t v = 0;
      if (!strict_json::as_u64(sc, v) || v > 0xFFFFU) return false;
      p.scores.push_back(static_cast<std::uint16_t>(v));
    }
    out.push_back(std::move(p));
  }
  return true;
}

}  // namespace

bool detail::valid_ballot(const election_data& e, const detail::parsed_ballot& b) {
  return !b.marks.empty() &&
         counting::check_ballot(e.count_settings(), e.candidates, b.marks, b.scores).empty();
}

bool detail::restore_result(election_data& e, const json& j) {
  if (j.is_null()) return true;
  std::int64_t closed_at_ms = 0;
  if (!strict_json::read_i64(j, "closed_at_ms", closed_at_ms)) return false;
  election_result expected = detail::compute_result(e);
  expected.closed = true;
  expected.closed_at_ms = closed_at_ms;
  if (result_to_json(expected) != j) return false;
  e.result = std::move(expected);
  return true;
}

namespace {

using detail::restore_result;
using detail::valid_ballot;

std::optional<election_data> restore_election(const json& j, const limits& lim,
                                              std::int64_t version) {
  command reg;
  register_cmd r;
  std::string rule;
  std::string mode = "ids";
  const json* voters = strict_json::array_field(j, "voters");
  const json* result = strict_json::find(j, "result");
  std::vector<std::string> chunk_ids;
  std::vector<detail::parsed_ballot> ballots;
  if (version > 1 && (!strict_json::read_string(j, "voters_mode", mode) ||
                      !strict_json::read_bool(j, "live_results", r.live_results))) {
    return std::nullopt;
  }
  if (version > 2 && (!read_lifecycle(j, r) ||
                      !strict_json::read_strings(*strict_json::object_field(j, "lifecycle"),
                                                 "chunk_request_ids", chunk_ids) ||
                      !read_ballots(j, ballots))) {
    return std::nullopt;
  }
  const auto parsed_mode = voter_mode_from_string(mode);
  if (!parsed_mode) return std::nullopt;
  r.mode = *parsed_mode;
  const std::size_t members = version == 1 ? 6U : version == 2 ? 8U : 10U;
  if (voters == nullptr || result == nullptr || j.size() != members ||
      !strict_json::read_string(j, "id", r.election_id) ||
      !strict_json::read_strings(j, "candidates", r.candidates) ||
      !strict_json::read_string(j, "tie_break", rule) ||
      !strict_json::read_string(j, "register_request_id", reg.request_id)) {
    return std::nullopt;
  }
  const auto parsed_rule = tie_break_from_string(rule);
  if (!parsed_rule) return std::nullopt;
  r.rule = *parsed_rule;
  const bool weighted =
      !voters->empty() && version > 2 && (*voters)[0].is_array() && (*voters)[0].size() == 5;
  std::vector<voter_entry> entries(voters->size());
  r.voters.reserve(voters->size());
  for (std::size_t i = 0; i < voters->size(); ++i) {
    if (!read_voter_entry((*voters)[i], version, weighted, entries[i])) return std::nullopt;
    r.voters.push_back(entries[i].voter);
    if (weighted) r.weights.push_back(entries[i].weight);
  }
  // A registering election may hold no voter yet; a weighted one has some weight other than 1.
  if (r.voters.empty() && r.more_voters) r.voters.clear();
  reg.body = r;
  if (!(r.voters.empty() && r.more_voters) && !check_command(reg, lim).ok()) return std::nullopt;
  if (weighted &&
      std::all_of(r.weights.begin(), r.weights.end(), [](std::uint64_t w) { return w == 1; })) {
    return std::nullopt;
  }
  election_data e = detail::make_election(r, reg.request_id);
  for (const std::string& id : chunk_ids) {
    if (!check_command(command{id, 0, close_cmd{e.id}}, lim).ok()) return std::nullopt;
  }
  e.chunk_request_ids = std::move(chunk_ids);
  // Votes, in the order their ballots were cast (plurality: any order).
  std::vector<const voter_entry*> by_ballot(ballots.size(), nullptr);
  for (const voter_entry& v : entries) {
    // The request id passes the same checks as when the vote was applied.
    if (!check_command(command{v.request_id, 0, close_cmd{e.id}}, lim).ok()) return std::nullopt;
    if (v.choice == detail::voter_table::no_vote) {
      if (!v.request_id.empty() || !v.nonce.empty()) return std::nullopt;
      continue;
    }
    const std::uint64_t bound =
        e.method == counting::method::plurality ? e.candidates.size() : ballots.size();
    if (v.choice < 0 || static_cast<std::uint64_t>(v.choice) >= bound) return std::nullopt;
    if (e.method == counting::method::plurality) {
      by_ballot.push_back(&v);
    } else {
      if (by_ballot[static_cast<std::size_t>(v.choice)] != nullptr) return std::nullopt;
      by_ballot[static_cast<std::size_t>(v.choice)] = &v;
    }
  }
  for (std::size_t k = 0; k < by_ballot.size(); ++k) {
    const voter_entry* v = by_ballot[k];
    if (v == nullptr) return std::nullopt;  // a ballot nobody cast
    detail::parsed_ballot b;
    if (e.method == counting::method::plurality) {
      b.marks = {static_cast<std::uint16_t>(v->choice)};
    } else {
      b = std::move(ballots[k]);
      if (!valid_ballot(e, b)) return std::nullopt;
    }
    std::string nonce =
        v->nonce.empty() ? credentials::default_nonce(e.id, v->voter, v->request_id) : v->nonce;
    if (!credentials::is_nonce(nonce)) return std::nullopt;
    detail::cast_ballot(e, *e.voters.find(v->voter), b, v->request_id, nonce);
  }
  if (!restore_result(e, *result)) return std::nullopt;
  return e;
}

}  // namespace

std::vector<const election_data*> detail::sorted_by_id(const election_map& elections) {
  std::vector<const election_data*> sorted;
  sorted.reserve(elections.size());
  for (const auto& [id, e] : elections) sorted.push_back(&*e);
  std::sort(sorted.begin(), sorted.end(),
            [](const election_data* a, const election_data* b) { return a->id < b->id; });
  return sorted;
}

std::string detail::snapshot_json(const election_map& elections, std::int64_t last_timestamp_ms) {
  const std::vector<const election_data*> sorted = detail::sorted_by_id(elections);
  std::string out = "{\"format\":\"" + std::string(snapshot_format) +
                    "\",\"version\":" + std::to_string(snapshot_version) + ",\"elections\":[";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_election(out, *sorted[i]);
  }
  out += "],\"last_timestamp_ms\":" + std::to_string(last_timestamp_ms) + "}";
  return out;
}

bool detail::restore_json(std::string_view snapshot, const limits& lim, election_map& elections,
                          std::int64_t& last_timestamp_ms) {
  try {
    const strict_json::parse_result parsed = strict_json::parse(snapshot);
    if (!parsed.value) return false;
    const json& j = *parsed.value;
    std::string format;
    std::int64_t version = 0;
    const json* list = strict_json::array_field(j, "elections");
    if (list == nullptr || !strict_json::read_string(j, "format", format) ||
        format != snapshot_format || !strict_json::read_i64(j, "version", version) || version < 1 ||
        version > snapshot_version) {
      return false;
    }
    // Version 3 keeps the latest entry timestamp (a new leader never stamps below it).
    if (version >= 3) {
      if (j.size() != 4 || !strict_json::read_i64(j, "last_timestamp_ms", last_timestamp_ms) ||
          last_timestamp_ms < 0) {
        return false;
      }
    } else if (j.size() != 3) {
      return false;
    }
    for (const json& ej : *list) {
      auto e = restore_election(ej, lim, version);
      if (!e) return false;
      std::string id = e->id;
      if (!elections.emplace(std::move(id), std::move(*e)).second) return false;
    }
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

}  // namespace vote
