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

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "vote/core/election.hpp"
#include "vote/core/error.hpp"

namespace vote::wire {

enum class request_type : std::uint8_t { register_election, vote, close, results, status };
std::string_view to_string(request_type t) noexcept;

struct client_request {
  request_type type = request_type::status;
  std::string request_id;   // register/vote/close; reused on every retry (DESIGN.md §5.5)
  std::string admin_token;  // register/close/results; empty when not given
  std::string election_id;  // results only (the commands carry their own)
  std::optional<command_body> body;  // register/vote/close
};

struct decode_error {
  errc code = errc::bad_request;
  std::string message;  // names the offending field, e.g. "field 'candidates' must be an array"
};

// Parses and checks the shape of one request: field presence, types, unknown fields, string and
// list sizes within `lim`. Semantic rules (duplicates, empty lists) are the state machine's.
std::variant<client_request, decode_error> decode_request(std::string_view json,
                                                          const limits& lim = {});
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
};

std::string encode_response(const client_response& r);
std::variant<client_response, decode_error> decode_response(std::string_view json);

}  // namespace vote::wire
