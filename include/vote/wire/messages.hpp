// Client requests and responses: the JSON carried in frame_type::json frames (docs/protocol.md).
//
// Requests (one JSON object per frame; unknown fields are refused):
//   {"type":"register","request_id":R,"election_id":E,"candidates":[..],"voters":[..],
//    "tie_break":"none"|"first_listed","voters_mode":"ids"|"codes"?,"live_results":B?,
//    "admin_token":T?}
//   {"type":"vote","request_id":R,"election_id":E,"voter":V|"code":K,"candidate":C,"nonce":N?}
//   {"type":"record","election_id":E,"offset":O?}  read: a closed election's record, chunked
//   {"type":"close","request_id":R,"election_id":E,"admin_token":T?}
//   {"type":"add_voters","request_id":R,"election_id":E,"voters":[..],"weights":[..]?,
//    "more_voters":B?,"admin_token":T?}                           admin (DESIGN.md §11)
//   {"type":"extend","request_id":R,"election_id":E,"closes_at_ms":T,"admin_token":T?}  admin
//   {"type":"elections","admin_token":T?}                        read: one summary per election
//   {"type":"election","election_id":E}              public read: candidates, settings, turnout
// register also takes (issue 11) "weights", "method", "seats", "max_score", "opens_at_ms",
// "closes_at_ms", "more_voters", "close_when_all_voted"; a vote carries exactly one of
// "candidate", "rank":[..], "approve":[..], "scores":{name: score}. Names are NFC-normalised
// by the decoder.
//   {"type":"results","election_id":E,"admin_token":T?,"local":B?}  read: live or final tally
//   {"type":"status"}                                            read: who this server is
//   {"type":"cluster_status"}                                    read: this server's cluster view
//   {"type":"remove_member","request_id":R,"node_id":N,"admin_token":T?}         admin, leader
//   {"type":"transfer_leadership","request_id":R,"node_id":N?,"admin_token":T?}  admin, leader
//   {"type":"force_new_cluster","request_id":R,"confirm":true,"admin_token":T?}  admin, UNSAFE
// Responses:
//   {"ok":true,"request_id":R,"message":M,"result":{..}?,"status":{..}?,"cluster":{..}?,
//    "tracker":T?,"record":{"total_bytes":N,"offset":O,"data":D}?,"elections":[..]?,
//    "election":{..}?}
//   {"ok":false,"request_id":R,"error":{"code":C,"message":M},"leader":"ip:port"?}
// Decoders are pure functions: hostile input yields a decode error, never an exception or crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "vote/core/consensus_records.hpp"
#include "vote/core/election.hpp"
#include "vote/core/error.hpp"

namespace vote::wire {

// Longest admin_token accepted in a request, in bytes (ids are bounded by limits::max_id_bytes).
inline constexpr std::size_t max_admin_token_bytes = 1024;

enum class request_type : std::uint8_t {
  register_election,
  vote,
  close,
  results,
  status,
  cluster_status,
  remove_member,
  transfer_leadership,
  force_new_cluster,
  record,      // read: a chunk of a closed election's public record (docs/record.md)
  add_voters,  // admin: more of a roll (DESIGN.md §11)
  extend,      // admin: a later deadline
  elections,   // read: every election, one summary each
  election,    // public read: one election's candidates, settings and turnout (the web page)
};
// The wire name: "register", "vote", ..., "cluster_status", "remove_member", ...
std::string_view to_string(request_type t) noexcept;

struct client_request {
  request_type type = request_type::status;
  // Commands (register/vote/close and the three admin requests); reused on every retry
  // (DESIGN.md §5.5).
  std::string request_id;
  std::string admin_token;           // every request but vote/status/cluster_status; "" = none
  std::string election_id;           // results only (the commands carry their own)
  std::optional<command_body> body;  // register/vote/close
  // remove_member: the member to remove, never 0. transfer_leadership: the member to hand
  // leadership to; 0 (or absent on the wire) = the highest caught-up voting member.
  std::uint64_t node_id = 0;
  bool local = false;    // results: a possibly stale read of the answering server's applied state
  bool confirm = false;  // force_new_cluster: must be true (the decoder refuses anything else)
  // A vote by code: the code, normalised (docs/record.md). The decoder also puts its public
  // credential in the body (voter, by_code); only the credential goes further than the decoder.
  std::string code;
  std::uint64_t offset = 0;  // record: the first byte wanted
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
// Writes only the fields of r.type (an empty admin_token and local == false are omitted;
// tie_break, transfer_leadership's node_id and force_new_cluster's confirm are always written).
// decode_request(encode_request(r)) == r for every r that decode_request can produce (fields of
// its type only, valid UTF-8, within the limits). Throws std::invalid_argument when a
// register/vote/close request has no body of the matching kind.
std::string encode_request(const client_request& r);

// What a server says about itself in reply to {"type":"status"}.
struct server_status {
  std::uint64_t node_id = 0;
  std::string role;      // "leader", "follower", "candidate"
  std::string endpoint;  // this server, "ip:port"
  // The leader it follows (id 0 and endpoint "": none known), on the wire "leader_id" and
  // "leader_endpoint". leader.epoch is not on the wire (it decodes as 0): the server fills it in.
  consensus::leader_info leader;
  std::uint64_t epoch = 0;
  std::uint64_t commit_index = 0;
  std::uint64_t applied_index = 0;
  friend bool operator==(const server_status&, const server_status&) = default;
};

// One member as the answering server sees it (reply to {"type":"cluster_status"}). Only the
// leader knows match_index, lag and last_contact_ms of the others; a follower reports 0 / null
// for them (its own match_index is its last log index).
struct member_view {
  std::uint64_t id = 0;
  std::string endpoint;           // "ip:port"
  std::string role;               // "leader", "follower", "learner", "candidate"
  bool voter = true;              // false for a learner (catching up, not counted in quorums)
  std::uint64_t match_index = 0;  // highest log index known to be replicated on it
  std::uint64_t lag = 0;          // leader's last index - match_index (0 on followers)
  std::optional<std::int64_t> last_contact_ms;  // ms since the leader last heard from it
  friend bool operator==(const member_view&, const member_view&) = default;
};

// The answering server's view of its cluster.
//   {"leader":{"id":N,"endpoint":"ip:port"}|null,"epoch":E,"commit_index":C,"applied_index":A,
//    "cluster_uuid":U,"self":N,"members":[{"id","endpoint","role","voter","match_index","lag",
//    "last_contact_ms":T|null},..]}
// "leader" is null exactly when leader.id == 0 (leader.endpoint is then not written);
// leader.epoch is not on the wire (it decodes as 0): the server fills it in.
struct cluster_view {
  std::uint64_t self = 0;         // the answering server's node id
  consensus::leader_info leader;  // id 0 = no leader known
  std::uint64_t epoch = 0;
  std::uint64_t commit_index = 0;
  std::uint64_t applied_index = 0;
  std::string cluster_uuid;          // "" before the cluster is formed
  std::vector<member_view> members;  // voters first, then learners
  friend bool operator==(const cluster_view&, const cluster_view&) = default;
};

// The JSON object above (also what vote-status --json prints).
nlohmann::json cluster_to_json(const cluster_view& v);

// One piece of a closed election's record (reply to {"type":"record"}).
inline constexpr std::size_t record_chunk_bytes = 256 * 1024;
struct record_chunk {
  std::uint64_t total_bytes = 0;
  std::uint64_t offset = 0;
  std::string data;  // at most record_chunk_bytes of the canonical record from offset
  friend bool operator==(const record_chunk&, const record_chunk&) = default;
};

struct client_response {
  std::string request_id;
  errc code = errc::ok;
  std::string message;
  std::optional<election_result> result;
  std::optional<std::string> leader_endpoint;  // with errc::not_leader, when known
  std::optional<server_status> status;
  std::optional<cluster_view> cluster;                     // reply to cluster_status
  std::string tracker;                                     // a recorded vote's tracker; "" = none
  std::optional<record_chunk> record;                      // reply to record
  std::optional<std::vector<election_summary>> elections;  // reply to elections
  std::optional<election_info> election;                   // reply to election
  bool ok() const noexcept { return code == errc::ok; }
  friend bool operator==(const client_response&, const client_response&) = default;
};

// An ok response carries message, result, status and cluster; an error response carries code,
// message and leader_endpoint; the other fields are not written. decode_response(
// encode_response(r)) == r for every response so restricted (and leader_endpoint, when set, an
// "ip:port" per is_endpoint(); status->leader.epoch and cluster->leader.epoch 0;
// cluster->leader.endpoint empty when cluster->leader.id == 0).
std::string encode_response(const client_response& r);
// Strict (unknown, missing or mistyped fields are decode errors) and non-throwing: used against
// possibly hostile servers. An unknown error code name decodes as errc::internal, message kept.
std::variant<client_response, decode_error> decode_response(std::string_view json);

}  // namespace vote::wire
