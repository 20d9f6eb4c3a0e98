// encode_response / decode_response (messages.hpp). The decoder faces possibly hostile servers:
// every field is checked for presence and type, unknown fields are refused, nothing throws.
#include <limits>
#include <utility>

#include "vote/core/strict_json.hpp"
#include "vote/wire/discovery.hpp"
#include "vote/wire/messages.hpp"

namespace vote::wire {
namespace {

using nlohmann::json;
using strict_json::quote_name;
using check = std::optional<decode_error>;
using decoded = std::variant<client_response, decode_error>;

constexpr std::string_view success_fields[] = {"ok",        "request_id", "message", "result",
                                               "status",    "cluster",    "tracker", "record",
                                               "elections", "election"};
constexpr std::string_view record_fields[] = {"total_bytes", "offset", "data"};
constexpr std::string_view failure_fields[] = {"ok", "request_id", "error", "leader"};
constexpr std::string_view error_fields[] = {"code", "message"};
constexpr std::string_view status_fields[] = {"node_id",         "role",         "endpoint",
                                              "leader_endpoint", "leader_id",    "epoch",
                                              "commit_index",    "applied_index"};
constexpr std::string_view cluster_fields[] = {
    "leader", "epoch", "commit_index", "applied_index", "cluster_uuid", "self", "members"};
constexpr std::string_view leader_fields[] = {"id", "endpoint"};
constexpr std::string_view member_fields[] = {"id",          "endpoint", "role",           "voter",
                                              "match_index", "lag",      "last_contact_ms"};

decode_error bad(std::string message) {
  return {errc::bad_request, std::move(message)};
}

check read_string(const json& obj, std::string_view name, std::string& out) {
  if (!strict_json::read_string(obj, name, out)) {
    return bad(strict_json::problem(obj, name, "a string"));
  }
  return std::nullopt;
}

check read_uint(const json& obj, std::string_view name, std::uint64_t& out) {
  if (!strict_json::read_u64(obj, name, out)) {
    return bad(strict_json::problem(obj, name, "an unsigned integer"));
  }
  return std::nullopt;
}

check read_bool(const json& obj, std::string_view name, bool& out) {
  if (!strict_json::read_bool(obj, name, out)) {
    return bad(strict_json::problem(obj, name, "a boolean"));
  }
  return std::nullopt;
}

// A signed 64-bit integer or null (-> nullopt); the member must be present.
check read_optional_int(const json& obj, std::string_view name, std::optional<std::int64_t>& out) {
  const json* v = strict_json::find(obj, name);
  std::int64_t value = 0;
  if (v != nullptr && v->is_null()) {
    out.reset();
  } else if (v != nullptr && strict_json::as_i64(*v, value)) {
    out = value;
  } else {
    return bad(strict_json::problem(obj, name, "a 64-bit integer or null"));
  }
  return std::nullopt;
}

check refuse_unknown(const json& obj, std::span<const std::string_view> allowed,
                     std::string_view where) {
  if (auto key = strict_json::unknown_key(obj, allowed)) {
    return bad("unknown field " + quote_name(*key) + " in " + std::string(where));
  }
  return std::nullopt;
}

json status_to_json(const server_status& s) {
  return json{{"node_id", s.node_id},           {"role", s.role},
              {"endpoint", s.endpoint},         {"leader_endpoint", s.leader.endpoint},
              {"leader_id", s.leader.id},       {"epoch", s.epoch},
              {"commit_index", s.commit_index}, {"applied_index", s.applied_index}};
}

check status_from_json(const json& j, server_status& s) {
  if (!j.is_object()) return bad("field 'status' must be an object");
  check c;
  if ((c = refuse_unknown(j, status_fields, "'status'")) ||
      (c = read_uint(j, "node_id", s.node_id)) || (c = read_string(j, "role", s.role)) ||
      (c = read_string(j, "endpoint", s.endpoint)) ||
      (c = read_string(j, "leader_endpoint", s.leader.endpoint)) ||
      (c = read_uint(j, "leader_id", s.leader.id)) || (c = read_uint(j, "epoch", s.epoch)) ||
      (c = read_uint(j, "commit_index", s.commit_index)) ||
      (c = read_uint(j, "applied_index", s.applied_index))) {
    return c;
  }
  return std::nullopt;
}

json member_to_json(const member_view& m) {
  return json{{"id", m.id},
              {"endpoint", m.endpoint},
              {"role", m.role},
              {"voter", m.voter},
              {"match_index", m.match_index},
              {"lag", m.lag},
              {"last_contact_ms", m.last_contact_ms ? json(*m.last_contact_ms) : json(nullptr)}};
}

check member_from_json(const json& j, member_view& m) {
  if (!j.is_object()) return bad("must be an object");
  check c;
  if ((c = refuse_unknown(j, member_fields, "a member")) || (c = read_uint(j, "id", m.id)) ||
      (c = read_string(j, "endpoint", m.endpoint)) || (c = read_string(j, "role", m.role)) ||
      (c = read_bool(j, "voter", m.voter)) || (c = read_uint(j, "match_index", m.match_index)) ||
      (c = read_uint(j, "lag", m.lag)) ||
      (c = read_optional_int(j, "last_contact_ms", m.last_contact_ms))) {
    return c;
  }
  return std::nullopt;
}

// "leader": null, or {"id": non-zero, "endpoint": string}.
check leader_from_json(const json& obj, consensus::leader_info& leader) {
  const json* l = strict_json::find(obj, "leader");
  if (l != nullptr && l->is_null()) return std::nullopt;
  if (l == nullptr || !l->is_object()) {
    return bad(strict_json::problem(obj, "leader", "an object or null"));
  }
  if (auto c = refuse_unknown(*l, leader_fields, "'leader'")) return c;
  check c;
  if ((c = read_uint(*l, "id", leader.id)) || (c = read_string(*l, "endpoint", leader.endpoint))) {
    return bad("in 'leader': " + c->message);
  }
  if (leader.id == 0) return bad("in 'leader': field 'id' must not be 0 (no leader is null)");
  return std::nullopt;
}

check members_from_json(const json& obj, std::vector<member_view>& out) {
  const json* ms = strict_json::array_field(obj, "members");
  if (ms == nullptr) return bad(strict_json::problem(obj, "members", "an array"));
  out.reserve(ms->size());
  for (const json& j : *ms) {
    const std::string at = "in 'members' entry " + std::to_string(out.size()) + ": ";
    if (auto c = member_from_json(j, out.emplace_back())) return bad(at + c->message);
  }
  return std::nullopt;
}

check cluster_from_json(const json& j, cluster_view& v) {
  if (!j.is_object()) return bad("must be an object");
  check c;
  if ((c = refuse_unknown(j, cluster_fields, "'cluster'")) || (c = leader_from_json(j, v.leader)) ||
      (c = read_uint(j, "epoch", v.epoch)) || (c = read_uint(j, "commit_index", v.commit_index)) ||
      (c = read_uint(j, "applied_index", v.applied_index)) ||
      (c = read_string(j, "cluster_uuid", v.cluster_uuid)) || (c = read_uint(j, "self", v.self)) ||
      (c = members_from_json(j, v.members))) {
    return c;
  }
  return std::nullopt;
}

check result_member(const json& obj, std::optional<election_result>& out) {
  const json* j = strict_json::find(obj, "result");
  if (j == nullptr) return std::nullopt;
  try {
    if (j->is_object()) out = result_from_json(*j);
  } catch (...) {  // result_from_json is meant not to throw; a hostile result must not escape
    out.reset();
  }
  if (!out) return bad("field 'result' is not a valid election result");
  return std::nullopt;
}

// {"total_bytes":N,"offset":O,"data":D}: D at most record_chunk_bytes, ending within N.
check record_from_json(const json& j, record_chunk& out) {
  if (!j.is_object()) return bad("must be an object");
  check c;
  if ((c = refuse_unknown(j, record_fields, "'record'")) ||
      (c = read_uint(j, "total_bytes", out.total_bytes)) ||
      (c = read_uint(j, "offset", out.offset)) || (c = read_string(j, "data", out.data))) {
    return c;
  }
  if (out.data.size() > record_chunk_bytes || out.offset > out.total_bytes ||
      out.data.size() > out.total_bytes - out.offset) {
    return bad("the chunk does not fit the record's size");
  }
  return std::nullopt;
}

decoded decode_success(const json& obj, client_response r) {
  check c;
  if ((c = refuse_unknown(obj, success_fields, "a response")) ||
      (c = read_string(obj, "message", r.message)) || (c = result_member(obj, r.result))) {
    return std::move(*c);
  }
  if (strict_json::find(obj, "tracker") != nullptr) {
    if ((c = read_string(obj, "tracker", r.tracker))) return std::move(*c);
    if (r.tracker.empty() || r.tracker.size() > 64) return bad("field 'tracker' is malformed");
  }
  if (const json* v = strict_json::find(obj, "record")) {
    r.record.emplace();
    if ((c = record_from_json(*v, *r.record))) return bad("in 'record': " + c->message);
  }
  if (const json* v = strict_json::find(obj, "elections")) {
    if (!v->is_array()) return bad("field 'elections' must be an array");
    r.elections.emplace();
    for (const json& e : *v) {
      auto s = summary_from_json(e);
      if (!s) return bad("field 'elections' holds a malformed summary");
      r.elections->push_back(std::move(*s));
    }
  }
  if (const json* v = strict_json::find(obj, "election")) {
    r.election = info_from_json(*v);
    if (!r.election) return bad("field 'election' is malformed");
  }
  if (const json* s = strict_json::find(obj, "status")) {
    r.status.emplace();
    if ((c = status_from_json(*s, *r.status))) return bad("in 'status': " + c->message);
  }
  if (const json* v = strict_json::find(obj, "cluster")) {
    r.cluster.emplace();
    if ((c = cluster_from_json(*v, *r.cluster))) return bad("in 'cluster': " + c->message);
  }
  return r;
}

check read_error_object(const json& obj, client_response& r) {
  const json* e = strict_json::object_field(obj, "error");
  if (e == nullptr) return bad(strict_json::problem(obj, "error", "an object"));
  std::string code;
  check c;
  if ((c = refuse_unknown(*e, error_fields, "'error'")) || (c = read_string(*e, "code", code)) ||
      (c = read_string(*e, "message", r.message))) {
    return c;
  }
  r.code = errc_from_string(code).value_or(errc::internal);
  if (r.code == errc::ok) return bad("an error response must not carry code 'ok'");
  return std::nullopt;
}

decoded decode_failure(const json& obj, client_response r) {
  check c;
  if ((c = refuse_unknown(obj, failure_fields, "an error response")) ||
      (c = read_error_object(obj, r))) {
    return std::move(*c);
  }
  if (strict_json::find(obj, "leader") != nullptr) {
    std::string leader;
    if (!strict_json::read_string(obj, "leader", leader) || !is_endpoint(leader))
      return bad("field 'leader' must be an \"ip:port\" string");
    r.leader_endpoint = std::move(leader);
  }
  return r;
}

}  // namespace

json cluster_to_json(const cluster_view& v) {
  json members = json::array();
  for (const auto& m : v.members) members.push_back(member_to_json(m));
  return json{
      {"leader", v.leader.id == 0 ? json(nullptr)
                                  : json{{"id", v.leader.id}, {"endpoint", v.leader.endpoint}}},
      {"epoch", v.epoch},
      {"commit_index", v.commit_index},
      {"applied_index", v.applied_index},
      {"cluster_uuid", v.cluster_uuid},
      {"self", v.self},
      {"members", std::move(members)}};
}

std::string encode_response(const client_response& r) {
  json j = json::object();
  j["ok"] = r.ok();
  j["request_id"] = r.request_id;
  if (r.ok()) {
    j["message"] = r.message;
    if (r.result) j["result"] = result_to_json(*r.result);
    if (r.status) j["status"] = status_to_json(*r.status);
    if (r.cluster) j["cluster"] = cluster_to_json(*r.cluster);
    if (!r.tracker.empty()) j["tracker"] = r.tracker;
    if (r.elections) {
      json list = json::array();
      for (const election_summary& e : *r.elections) list.push_back(summary_to_json(e));
      j["elections"] = std::move(list);
    }
    if (r.election) j["election"] = info_to_json(*r.election);
    if (r.record) {
      j["record"] = json{{"total_bytes", r.record->total_bytes},
                         {"offset", r.record->offset},
                         {"data", r.record->data}};
    }
  } else {
    j["error"] = json{{"code", to_string(r.code)}, {"message", r.message}};
    if (r.leader_endpoint) j["leader"] = *r.leader_endpoint;
  }
  return strict_json::dump(j);
}

std::variant<client_response, decode_error> decode_response(std::string_view text) {
  try {
    strict_json::parse_result parsed = strict_json::parse(text);
    if (!parsed.value) return bad(std::move(parsed.problem));
    const json& obj = *parsed.value;
    client_response r;
    bool ok = false;
    if (auto c = read_bool(obj, "ok", ok)) return std::move(*c);
    if (auto c = read_string(obj, "request_id", r.request_id)) return std::move(*c);
    return ok ? decode_success(obj, std::move(r)) : decode_failure(obj, std::move(r));
  } catch (const nlohmann::json::exception&) {  // defensive: the checks above prevent it
    return bad("malformed response");
  }
}

}  // namespace vote::wire
