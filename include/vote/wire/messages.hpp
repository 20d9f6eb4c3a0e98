// Client requests and responses: the JSON carried in frame_type::json frames (docs/protocol.md).
//
// Requests (one JSON object per frame; unknown fields are refused):
//   {"type":"register","request_id":R,"election_id":E,"candidates":[..],"voters":[..],
//    "tie_break":"none"|"first_listed","admin_token":T?}
//   {"type":"vote","request_id":R,"election_id":E,"voter":V,"candidate":C}
//   {"type":"close","request_id":R,"election_id":E,"admin_token":T?}
//   {"type":"results","election_id":E,"admin_token":T?}         read: live or final tally
//   {"type":"status"}                                            read: who this server is
// Responses:
//   {"ok":true,"request_id":R,"message":M,"result":{..}?,"status":{..}?}
//   {"ok":false,"request_id":R,"error":{"code":C,"message":M},"leader":"ip:port"?}
// Decoders are pure functions: hostile input yields a decode error, never an exception or crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "vote/core/election.hpp"
#include "vote/core/error.hpp"

namespace vote::wire {

// Longest admin_token accepted in a request, in bytes (ids are bounded by limits::max_id_bytes).
inline constexpr std::size_t max_admin_token_bytes = 1024;

enum class request_type : std::uint8_t { register_election, vote, close, results, status };
std::string_view to_string(request_type t) noexcept;

struct client_request {
  request_type type = request_type::status;
  std::string request_id;            // register/vote/close; reused on every retry (DESIGN.md §5.5)
  std::string admin_token;           // register/close/results; empty when not given
  std::string election_id;           // results only (the commands carry their own)
  std::optional<command_body> body;  // register/vote/close
  friend bool operator==(const client_request&, const client_request&) = default;
};

struct decode_error {
  errc code = errc::bad_request;
  std::string message;  // names the offending field, e.g. "field 'candidates' must be an array"
  friend bool operator==(const decode_error&, const decode_error&) = default;
};

// Parses and checks the shape of one request: field presence, types, unknown fields, string and
// list sizes within `lim`. Semantic rules (duplicates, empty lists) are the state machine's.
std::variant<client_request, decode_error> decode_request(std::string_view json,
                                                          const limits& lim = {});
// Writes only the fields of r.type (an empty admin_token is omitted; tie_break is always written).
// decode_request(encode_request(r)) == r for every r that decode_request can produce (fields of
// its type only, valid UTF-8, within the limits). Throws std::invalid_argument when a
// register/vote/close request has no body of the matching kind.
std::string encode_request(const client_request& r);

// What a server says about itself in reply to {"type":"status"}.
struct server_status {
  std::uint64_t node_id = 0;
  std::string role;             // "leader", "follower", "candidate"
  std::string endpoint;         // this server, "ip:port"
  std::string leader_endpoint;  // empty when no leader is known
  std::uint64_t leader_id = 0;
  std::uint64_t epoch = 0;
  std::uint64_t commit_index = 0;
  std::uint64_t applied_index = 0;
  friend bool operator==(const server_status&, const server_status&) = default;
};

struct client_response {
  std::string request_id;
  errc code = errc::ok;
  std::string message;
  std::optional<election_result> result;
  std::optional<std::string> leader_endpoint;  // with errc::not_leader, when known
  std::optional<server_status> status;
  bool ok() const noexcept { return code == errc::ok; }
  friend bool operator==(const client_response&, const client_response&) = default;
};

// An ok response carries message, result and status; an error response carries code, message and
// leader_endpoint; the other fields are not written. decode_response(encode_response(r)) == r for
// every response so restricted (and leader_endpoint, when set, an "ip:port" per is_endpoint()).
std::string encode_response(const client_response& r);
// Strict (unknown, missing or mistyped fields are decode errors) and non-throwing: used against
// possibly hostile servers. An unknown error code name decodes as errc::internal, message kept.
std::variant<client_response, decode_error> decode_response(std::string_view json);

}  // namespace vote::wire
