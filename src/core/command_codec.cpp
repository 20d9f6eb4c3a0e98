// JSON payload of a command log entry (encode_command / decode_command in
// include/vote/core/election.hpp; format in docs/state-machine.md):
//   {"op":"register","request_id":..,"ts":..,"election_id":..,"candidates":[..],"voters":[..],
//    "tie_break":"none"|"first_listed","voters_mode":"codes"?,"live_results":true?}
//   {"op":"vote","request_id":..,"ts":..,"election_id":..,"voter":..,"candidate":..,
//    "by_code":true?,"nonce":..?}
// The fields marked ? are written only when they differ from the default (ids mode, no live
// results, a vote by id, a derived nonce), so entries written before issue 10 read the same.
//   {"op":"close","request_id":..,"ts":..,"election_id":..,"at_deadline":true?}
// Issue 11 adds, each written only when not default: register "weights", "method", "seats",
// "max_score", "opens_at_ms", "closes_at_ms", "close_when_all_voted", "more_voters"; vote
// "choices", "scores"; and two operations:
//   {"op":"add_voters",..,"election_id":..,"voters":[..],"weights":[..]?,"more_voters":true?}
//   {"op":"extend",..,"election_id":..,"closes_at_ms":..}
// The decoder is strict (the JSON reading policy of vote/core/strict_json.hpp, then the exact key
// set and exact types) and never throws.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/core/election.hpp"
#include "vote/core/strict_json.hpp"

namespace vote {
namespace {

using json = nlohmann::json;

constexpr std::size_t common_fields = 4;  // op, request_id, ts, election_id

struct body_encoder {
  json& j;
  void operator()(const register_cmd& r) const {
    j["op"] = "register";
    j["election_id"] = r.election_id;
    j["candidates"] = r.candidates;
    j["voters"] = r.voters;
    j["tie_break"] = std::string(to_string(r.rule));
    if (r.mode != voter_mode::ids) j["voters_mode"] = std::string(to_string(r.mode));
    if (r.live_results) j["live_results"] = true;
    if (!r.weights.empty()) j["weights"] = r.weights;
    if (r.method != counting::method::plurality) {
      j["method"] = std::string(counting::to_string(r.method));
    }
    if (r.seats != 1) j["seats"] = r.seats;
    if (r.max_score != 5) j["max_score"] = r.max_score;
    if (r.opens_at_ms != 0) j["opens_at_ms"] = r.opens_at_ms;
    if (r.closes_at_ms != 0) j["closes_at_ms"] = r.closes_at_ms;
    if (r.close_when_all_voted) j["close_when_all_voted"] = true;
    if (r.more_voters) j["more_voters"] = true;
  }
  void operator()(const add_voters_cmd& a) const {
    j["op"] = "add_voters";
    j["election_id"] = a.election_id;
    j["voters"] = a.voters;
    if (!a.weights.empty()) j["weights"] = a.weights;
    if (a.more_voters) j["more_voters"] = true;
  }
  void operator()(const extend_cmd& x) const {
    j["op"] = "extend";
    j["election_id"] = x.election_id;
    j["closes_at_ms"] = x.closes_at_ms;
  }
  void operator()(const vote_cmd& v) const {
    j["op"] = "vote";
    j["election_id"] = v.election_id;
    j["voter"] = v.voter;
    j["candidate"] = v.candidate;
    if (v.by_code) j["by_code"] = true;
    if (!v.nonce.empty()) j["nonce"] = v.nonce;
    if (!v.choices.empty()) j["choices"] = v.choices;
    if (!v.scores.empty()) j["scores"] = v.scores;
  }
  void operator()(const close_cmd& c) const {
    j["op"] = "close";
    j["election_id"] = c.election_id;
    if (c.at_deadline) j["at_deadline"] = true;
  }
};

// An optional member written only when not default: present means it must read and differ.
template <class Read>
bool optional_field(const json& j, const char* name, std::size_t& fields, Read read) {
  if (strict_json::find(j, name) == nullptr) return true;
  ++fields;
  return read();
}

// Optional members that are written only when not default: present means they must read and
// differ from the default.
bool optional_true(const json& j, const char* name, std::size_t& fields, bool& out) {
  return optional_field(j, name, fields,
                        [&] { return strict_json::read_bool(j, name, out) && out; });
}

bool optional_i64(const json& j, const char* name, std::size_t& fields, std::int64_t& out) {
  return optional_field(j, name, fields,
                        [&] { return strict_json::read_i64(j, name, out) && out != 0; });
}

template <class T>
bool optional_u32(const json& j, const char* name, std::size_t& fields, T& out, T fallback) {
  return optional_field(j, name, fields, [&] {
    std::uint64_t v = 0;
    if (!strict_json::read_u64(j, name, v) || v == fallback || v > 0xFFFFFFFFU) return false;
    out = static_cast<T>(v);
    return true;
  });
}

bool optional_u64s(const json& j, const char* name, std::size_t& fields,
                   std::vector<std::uint64_t>& out) {
  return optional_field(j, name, fields,
                        [&] { return strict_json::read_u64s(j, name, out) && !out.empty(); });
}

bool optional_strings(const json& j, const char* name, std::size_t& fields,
                      std::vector<std::string>& out) {
  return optional_field(j, name, fields,
                        [&] { return strict_json::read_strings(j, name, out) && !out.empty(); });
}

bool optional_method(const json& j, std::size_t& fields, counting::method& out) {
  return optional_field(j, "method", fields, [&] {
    std::string name;
    if (!strict_json::read_string(j, "method", name)) return false;
    const auto m = counting::method_from_string(name);
    if (!m || *m == counting::method::plurality) return false;
    out = *m;
    return true;
  });
}

std::optional<command_body> decode_register(const json& j, std::string election_id) {
  register_cmd r;
  r.election_id = std::move(election_id);
  std::string rule;
  std::size_t fields = common_fields + 3;
  std::string mode;
  if (!optional_field(j, "voters_mode", fields,
                      [&] {
                        if (!strict_json::read_string(j, "voters_mode", mode)) return false;
                        const auto parsed = voter_mode_from_string(mode);
                        if (!parsed || *parsed == voter_mode::ids) return false;
                        r.mode = *parsed;
                        return true;
                      }) ||
      !optional_true(j, "live_results", fields, r.live_results) ||
      !optional_u64s(j, "weights", fields, r.weights) || !optional_method(j, fields, r.method) ||
      !optional_u32<std::uint32_t>(j, "seats", fields, r.seats, 1) ||
      !optional_u32<std::uint32_t>(j, "max_score", fields, r.max_score, 5) ||
      !optional_i64(j, "opens_at_ms", fields, r.opens_at_ms) ||
      !optional_i64(j, "closes_at_ms", fields, r.closes_at_ms) ||
      !optional_true(j, "close_when_all_voted", fields, r.close_when_all_voted) ||
      !optional_true(j, "more_voters", fields, r.more_voters)) {
    return std::nullopt;
  }
  if (j.size() != fields || !strict_json::read_strings(j, "candidates", r.candidates) ||
      !strict_json::read_strings(j, "voters", r.voters) ||
      !strict_json::read_string(j, "tie_break", rule)) {
    return std::nullopt;
  }
  const auto parsed = tie_break_from_string(rule);
  if (!parsed) return std::nullopt;
  r.rule = *parsed;
  return r;
}

std::optional<command_body> decode_vote(const json& j, std::string election_id) {
  vote_cmd v;
  v.election_id = std::move(election_id);
  std::size_t fields = common_fields + 2;
  std::vector<std::uint64_t> scores;
  if (!optional_true(j, "by_code", fields, v.by_code) ||
      !optional_field(
          j, "nonce", fields,
          [&] { return strict_json::read_string(j, "nonce", v.nonce) && !v.nonce.empty(); }) ||
      !optional_strings(j, "choices", fields, v.choices) ||
      !optional_u64s(j, "scores", fields, scores)) {
    return std::nullopt;
  }
  for (const std::uint64_t score : scores) {
    if (score > 0xFFFFU) return std::nullopt;
    v.scores.push_back(static_cast<std::uint16_t>(score));
  }
  if (j.size() != fields || !strict_json::read_string(j, "voter", v.voter) ||
      !strict_json::read_string(j, "candidate", v.candidate)) {
    return std::nullopt;
  }
  return v;
}

std::optional<command_body> decode_body(const json& j, std::string_view op,
                                        std::string election_id) {
  if (op == "register") return decode_register(j, std::move(election_id));
  if (op == "vote") return decode_vote(j, std::move(election_id));
  if (op == "close") {
    close_cmd cl{std::move(election_id)};
    std::size_t fields = common_fields;
    if (!optional_true(j, "at_deadline", fields, cl.at_deadline) || j.size() != fields) {
      return std::nullopt;
    }
    return cl;
  }
  if (op == "add_voters") {
    add_voters_cmd a{std::move(election_id)};
    std::size_t fields = common_fields + 1;
    if (!optional_u64s(j, "weights", fields, a.weights) ||
        !optional_true(j, "more_voters", fields, a.more_voters) || j.size() != fields ||
        !strict_json::read_strings(j, "voters", a.voters)) {
      return std::nullopt;
    }
    return a;
  }
  if (op == "extend") {
    extend_cmd x{std::move(election_id)};
    if (j.size() != common_fields + 1 ||
        !strict_json::read_i64(j, "closes_at_ms", x.closes_at_ms)) {
      return std::nullopt;
    }
    return x;
  }
  return std::nullopt;
}

}  // namespace

std::string encode_command(const command& c) {
  json j = json::object();
  j["request_id"] = c.request_id;
  j["ts"] = c.timestamp_ms;
  std::visit(body_encoder{j}, c.body);
  // Ids are checked to be valid UTF-8 before a command is proposed; dump() keeps this total.
  return strict_json::dump(j);
}

std::optional<command> decode_command(std::string_view payload) {
  try {
    const strict_json::parse_result parsed = strict_json::parse(payload);
    if (!parsed.value) return std::nullopt;
    const json& j = *parsed.value;
    command c;
    std::string op;
    std::string election_id;
    if (!strict_json::read_string(j, "request_id", c.request_id) ||
        !strict_json::read_i64(j, "ts", c.timestamp_ms) || !strict_json::read_string(j, "op", op) ||
        !strict_json::read_string(j, "election_id", election_id)) {
      return std::nullopt;
    }
    auto body = decode_body(j, op, std::move(election_id));
    if (!body) return std::nullopt;
    c.body = std::move(*body);
    return c;
  } catch (const json::exception&) {
    // Defensive: the checks above should leave nlohmann nothing to throw about.
    return std::nullopt;
  }
}

}  // namespace vote
