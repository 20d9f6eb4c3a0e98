// JSON payload of a command log entry (encode_command / decode_command in
// include/vote/core/election.hpp; format in docs/state-machine.md):
//   {"op":"register","request_id":..,"ts":..,"election_id":..,"candidates":[..],"voters":[..],
//    "tie_break":"none"|"first_listed"}
//   {"op":"vote","request_id":..,"ts":..,"election_id":..,"voter":..,"candidate":..}
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
  }
  void operator()(const vote_cmd& v) const {
    j["op"] = "vote";
    j["election_id"] = v.election_id;
    j["voter"] = v.voter;
    j["candidate"] = v.candidate;
  }
  void operator()(const close_cmd& c) const {
    j["op"] = "close";
    j["election_id"] = c.election_id;
  }
};

std::optional<command_body> decode_register(const json& j, std::string election_id) {
  register_cmd r{std::move(election_id), {}, {}, tie_break::none};
  std::string rule;
  if (j.size() != common_fields + 3 || !strict_json::read_strings(j, "candidates", r.candidates) ||
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
  vote_cmd v{std::move(election_id), {}, {}};
  if (j.size() != common_fields + 2 || !strict_json::read_string(j, "voter", v.voter) ||
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
