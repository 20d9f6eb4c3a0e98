// JSON payload of a command log entry (encode_command / decode_command in
// include/vote/core/election.hpp; format in docs/state-machine.md):
//   {"op":"register","request_id":..,"ts":..,"election_id":..,"candidates":[..],"voters":[..],
//    "tie_break":"none"|"first_listed","voters_mode":"codes"?,"live_results":true?}
//   {"op":"vote","request_id":..,"ts":..,"election_id":..,"voter":..,"candidate":..,
//    "by_code":true?,"nonce":..?}
// The fields marked ? are written only when they differ from the default (ids mode, no live
// results, a vote by id, a derived nonce), so entries written before issue 10 read the same.
//   {"op":"close","request_id":..,"ts":..,"election_id":..}
// The decoder is strict (the JSON reading policy of vote/core/strict_json.hpp, then the exact key
// set and exact types) and never throws.
#include <cstddef>
#include <string>
#include <utility>
#include <variant>

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
  }
  void operator()(const vote_cmd& v) const {
    j["op"] = "vote";
    j["election_id"] = v.election_id;
    j["voter"] = v.voter;
    j["candidate"] = v.candidate;
    if (v.by_code) j["by_code"] = true;
    if (!v.nonce.empty()) j["nonce"] = v.nonce;
  }
  void operator()(const close_cmd& c) const {
    j["op"] = "close";
    j["election_id"] = c.election_id;
  }
};

// An optional member written only when not default: present means it must read and differ.
template <class Read>
bool optional_field(const json& j, const char* name, std::size_t& fields, Read read) {
  if (strict_json::find(j, name) == nullptr) return true;
  ++fields;
  return read();
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
      !optional_field(j, "live_results", fields, [&] {
        return strict_json::read_bool(j, "live_results", r.live_results) && r.live_results;
      })) {
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
  if (!optional_field(
          j, "by_code", fields,
          [&] { return strict_json::read_bool(j, "by_code", v.by_code) && v.by_code; }) ||
      !optional_field(j, "nonce", fields, [&] {
        return strict_json::read_string(j, "nonce", v.nonce) && !v.nonce.empty();
      })) {
    return std::nullopt;
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
  if (op == "close" && j.size() == common_fields) return close_cmd{std::move(election_id)};
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
