// JSON payload of a command log entry (encode_command / decode_command in
// include/vote/core/election.hpp; format in docs/state-machine.md):
//   {"op":"register","request_id":..,"ts":..,"election_id":..,"candidates":[..],"voters":[..],
//    "tie_break":"none"|"first_listed"}
//   {"op":"vote","request_id":..,"ts":..,"election_id":..,"voter":..,"candidate":..}
//   {"op":"close","request_id":..,"ts":..,"election_id":..}
// The decoder is strict (exact key set, exact types) and never throws.
#include <cstddef>
#include <string>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "vote/core/detail/json_fields.hpp"
#include "vote/core/election.hpp"

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
  if (j.size() != common_fields + 3 || !detail::get_strings(j, "candidates", r.candidates) ||
      !detail::get_strings(j, "voters", r.voters) || !detail::get_string(j, "tie_break", rule)) {
    return std::nullopt;
  }
  const auto parsed = tie_break_from_string(rule);
  if (!parsed) return std::nullopt;
  r.rule = *parsed;
  return r;
}

std::optional<command_body> decode_vote(const json& j, std::string election_id) {
  vote_cmd v{std::move(election_id), {}, {}};
  if (j.size() != common_fields + 2 || !detail::get_string(j, "voter", v.voter) ||
      !detail::get_string(j, "candidate", v.candidate)) {
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
  // Ids are checked to be valid UTF-8 before a command is proposed; replace keeps this total.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<command> decode_command(std::string_view payload) {
  try {
    const json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    command c;
    std::string op;
    std::string election_id;
    if (!detail::get_string(j, "request_id", c.request_id) ||
        !detail::get_i64(j, "ts", c.timestamp_ms) || !detail::get_string(j, "op", op) ||
        !detail::get_string(j, "election_id", election_id)) {
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
