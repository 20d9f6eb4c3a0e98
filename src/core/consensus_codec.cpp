// The envelope codec (consensus_messages.hpp): JSON objects, binary bytes as base64.
// Decoding is pure and total: every failure (syntax, depth, types, sizes) is a nullopt.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "consensus_json.hpp"
#include "vote/core/consensus_messages.hpp"
#include "vote/core/detail/json_fields.hpp"
#include "vote/core/json_depth.hpp"

namespace vote::consensus {
namespace {

using nlohmann::json;
using vote::detail::get_bool;
using vote::detail::get_string;
using vote::detail::get_u64;

json ids_to_json(const std::vector<node_id>& ids) {
  return json(ids);
}

bool ids_from_json(const json& j, const char* key, std::vector<node_id>& out) {
  const json* a = vote::detail::field(j, key);
  if (a == nullptr || !a->is_array() || a->size() > max_list_size) return false;
  out.clear();
  for (const json& x : *a) {
    if (!x.is_number_unsigned()) return false;
    out.push_back(x.get<node_id>());
  }
  return true;
}

json entries_to_json(const std::vector<log_entry>& es) {
  json a = json::array();
  for (const log_entry& e : es) {
    a.push_back({{"index", e.index},
                 {"epoch", e.epoch},
                 {"kind", static_cast<unsigned>(e.kind)},
                 {"payload", detail::base64_encode(e.payload)}});
  }
  return a;
}

bool entries_from_json(const json& j, std::vector<log_entry>& out) {
  const json* a = vote::detail::field(j, "entries");
  if (a == nullptr || !a->is_array() || a->size() > max_list_size) return false;
  out.clear();
  for (const json& x : *a) {
    log_entry e;
    std::uint64_t kind = 0;
    std::string payload;
    if (!x.is_object() || !get_u64(x, "index", e.index) || !get_u64(x, "epoch", e.epoch) ||
        !get_u64(x, "kind", kind) || !get_string(x, "payload", payload) || kind < 1 || kind > 3 ||
        !detail::base64_decode(payload, e.payload)) {
      return false;
    }
    e.kind = static_cast<entry_kind>(kind);
    out.push_back(std::move(e));
  }
  return true;
}

// One encode/decode pair per message type.
void put(json& j, const election& m) {
  j = {{"round", m.round},
       {"uid", m.uid},
       {"visited", ids_to_json(m.visited)},
       {"skipped", ids_to_json(m.skipped)}};
}
bool get(const json& j, election& m) {
  return get_u64(j, "round", m.round) && get_u64(j, "uid", m.uid) &&
         ids_from_json(j, "visited", m.visited) && ids_from_json(j, "skipped", m.skipped);
}
void put(json& j, const election_ack& m) {
  j = {{"round", m.round}, {"uid", m.uid}};
}
bool get(const json& j, election_ack& m) {
  return get_u64(j, "round", m.round) && get_u64(j, "uid", m.uid);
}
void put(json& j, const leader_alive& m) {
  j = {{"id", m.id}, {"epoch", m.epoch}, {"endpoint", m.endpoint}};
}
bool get(const json& j, leader_alive& m) {
  return get_u64(j, "id", m.id) && get_u64(j, "epoch", m.epoch) &&
         get_string(j, "endpoint", m.endpoint);
}
void put(json& j, const prepare& m) {
  j = {{"epoch", m.epoch}, {"candidate", m.candidate}, {"handover", m.handover}};
}
bool get(const json& j, prepare& m) {
  return get_u64(j, "epoch", m.epoch) && get_u64(j, "candidate", m.candidate) &&
         get_bool(j, "handover", m.handover);
}
void put(json& j, const promise& m) {
  j = {{"epoch", m.epoch},
       {"last_log_epoch", m.last_log_epoch},
       {"last_log_index", m.last_log_index}};
}
bool get(const json& j, promise& m) {
  return get_u64(j, "epoch", m.epoch) && get_u64(j, "last_log_epoch", m.last_log_epoch) &&
         get_u64(j, "last_log_index", m.last_log_index);
}
void put(json& j, const reject& m) {
  j = {{"promised_epoch", m.promised_epoch}, {"promised_to", m.promised_to}};
}
bool get(const json& j, reject& m) {
  return get_u64(j, "promised_epoch", m.promised_epoch) && get_u64(j, "promised_to", m.promised_to);
}
void put(json& j, const fetch& m) {
  j = {{"epoch", m.epoch}, {"from_index", m.from_index}};
}
bool get(const json& j, fetch& m) {
  return get_u64(j, "epoch", m.epoch) && get_u64(j, "from_index", m.from_index);
}
void put(json& j, const fetch_reply& m) {
  j = {{"epoch", m.epoch},
       {"ok", m.ok},
       {"snapshot_needed", m.snapshot_needed},
       {"entries", entries_to_json(m.entries)}};
  if (m.snapshot) {
    j["snapshot"] = {{"last_index", m.snapshot->last_index},
                     {"last_epoch", m.snapshot->last_epoch},
                     {"config", detail::config_to_json(m.snapshot->config)},
                     {"data", detail::base64_encode(m.snapshot_data)}};
  }
}
// "snapshot" is optional (older peers neither send nor expect it); present, it must be whole.
bool get_fetched_snapshot(const json& j, fetch_reply& m) {
  const json* s = vote::detail::field(j, "snapshot");
  if (s == nullptr) return true;
  const json* c = s->is_object() ? vote::detail::field(*s, "config") : nullptr;
  snapshot_meta meta;
  std::string data;
  if (c == nullptr || !get_u64(*s, "last_index", meta.last_index) ||
      !get_u64(*s, "last_epoch", meta.last_epoch) || !detail::config_from_json(*c, meta.config) ||
      !get_string(*s, "data", data) || !detail::base64_decode(data, m.snapshot_data)) {
    return false;
  }
  m.snapshot = std::move(meta);
  return true;
}
bool get(const json& j, fetch_reply& m) {
  return get_u64(j, "epoch", m.epoch) && get_bool(j, "ok", m.ok) &&
         get_bool(j, "snapshot_needed", m.snapshot_needed) && entries_from_json(j, m.entries) &&
         get_fetched_snapshot(j, m);
}
void put(json& j, const append& m) {
  j = {{"epoch", m.epoch},
       {"leader", m.leader},
       {"prev_index", m.prev_index},
       {"prev_epoch", m.prev_epoch},
       {"entries", entries_to_json(m.entries)},
       {"commit_index", m.commit_index},
       {"seq", m.seq}};
}
bool get(const json& j, append& m) {
  return get_u64(j, "epoch", m.epoch) && get_u64(j, "leader", m.leader) &&
         get_u64(j, "prev_index", m.prev_index) && get_u64(j, "prev_epoch", m.prev_epoch) &&
         entries_from_json(j, m.entries) && get_u64(j, "commit_index", m.commit_index) &&
         get_u64(j, "seq", m.seq);
}
void put(json& j, const append_reply& m) {
  j = {{"epoch", m.epoch},
       {"ok", m.ok},
       {"match_index", m.match_index},
       {"last_index_hint", m.last_index_hint},
       {"seq", m.seq},
       {"promised_to", m.promised_to}};
}
bool get(const json& j, append_reply& m) {
  return get_u64(j, "epoch", m.epoch) && get_bool(j, "ok", m.ok) &&
         get_u64(j, "match_index", m.match_index) &&
         get_u64(j, "last_index_hint", m.last_index_hint) && get_u64(j, "seq", m.seq) &&
         get_u64(j, "promised_to", m.promised_to);
}
void put(json& j, const timeout_now& m) {
  j = {{"epoch", m.epoch}};
}
bool get(const json& j, timeout_now& m) {
  return get_u64(j, "epoch", m.epoch);
}
void put(json& j, const install_snapshot& m) {
  j = {{"epoch", m.epoch},
       {"leader", m.leader},
       {"last_index", m.meta.last_index},
       {"last_epoch", m.meta.last_epoch},
       {"config", detail::config_to_json(m.meta.config)},
       {"offset", m.offset},
       {"data", detail::base64_encode(m.data)},
       {"done", m.done}};
}
bool get(const json& j, install_snapshot& m) {
  const json* c = vote::detail::field(j, "config");
  std::string data;
  return c != nullptr && get_u64(j, "epoch", m.epoch) && get_u64(j, "leader", m.leader) &&
         get_u64(j, "last_index", m.meta.last_index) &&
         get_u64(j, "last_epoch", m.meta.last_epoch) &&
         detail::config_from_json(*c, m.meta.config) && get_u64(j, "offset", m.offset) &&
         get_string(j, "data", data) && detail::base64_decode(data, m.data) &&
         get_bool(j, "done", m.done);
}
void put(json& j, const snapshot_reply& m) {
  j = {{"epoch", m.epoch},
       {"ok", m.ok},
       {"next_offset", m.next_offset},
       {"last_index", m.last_index},
       {"done", m.done}};
}
bool get(const json& j, snapshot_reply& m) {
  return get_u64(j, "epoch", m.epoch) && get_bool(j, "ok", m.ok) &&
         get_u64(j, "next_offset", m.next_offset) && get_u64(j, "last_index", m.last_index) &&
         get_bool(j, "done", m.done);
}
void put(json& j, const bootstrap_propose& m) {
  j = {{"uuid", m.uuid}, {"members", detail::members_to_json(m.members)}};
}
bool get(const json& j, bootstrap_propose& m) {
  const json* ms = vote::detail::field(j, "members");
  return ms != nullptr && get_string(j, "uuid", m.uuid) &&
         detail::members_from_json(*ms, m.members);
}
void put(json& j, const bootstrap_reply& m) {
  j = {{"uuid", m.uuid}, {"accepted", m.accepted}};
}
bool get(const json& j, bootstrap_reply& m) {
  return get_string(j, "uuid", m.uuid) && get_bool(j, "accepted", m.accepted);
}

constexpr std::array<std::string_view, std::variant_size_v<message_body>> type_names = {
    "election",       "election_ack",      "leader_alive",
    "prepare",        "promise",           "reject",
    "fetch",          "fetch_reply",       "append",
    "append_reply",   "timeout_now",       "install_snapshot",
    "snapshot_reply", "bootstrap_propose", "bootstrap_reply"};

// Decodes the body of alternative I if `type` names it, else tries I + 1.
template <std::size_t I = 0>
bool decode_body(std::string_view type, const json& j, message_body& out) {
  if constexpr (I == std::variant_size_v<message_body>) {
    return false;
  } else {
    if (type != type_names[I]) return decode_body<I + 1>(type, j, out);
    std::variant_alternative_t<I, message_body> m;
    if (!j.is_object() || !get(j, m)) return false;
    out = std::move(m);
    return true;
  }
}

}  // namespace

std::string_view message_type(const message_body& body) noexcept {
  return type_names[body.index()];
}

std::string encode_envelope(const envelope& e) {
  json body;
  std::visit([&](const auto& m) { put(body, m); }, e.body);
  const json j = {{"from", e.from},
                  {"from_incarnation", e.from_incarnation},
                  {"to", e.to},
                  {"cluster_uuid", e.cluster_uuid},
                  {"type", message_type(e.body)},
                  {"body", std::move(body)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<envelope> decode_envelope(std::string_view bytes) noexcept {
  // nlohmann's parser stops at a NUL byte and ignores what follows: refuse such input.
  if (bytes.find('\0') != std::string_view::npos) return std::nullopt;
  try {
    if (!json_depth_within(bytes, 8)) return std::nullopt;
    const json j = json::parse(bytes, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    envelope e;
    std::string type;
    const json* body = vote::detail::field(j, "body");
    if (body == nullptr || !get_u64(j, "from", e.from) ||
        !get_u64(j, "from_incarnation", e.from_incarnation) || !get_u64(j, "to", e.to) ||
        !get_string(j, "cluster_uuid", e.cluster_uuid) || !get_string(j, "type", type) ||
        !decode_body(type, *body, e.body)) {
      return std::nullopt;
    }
    return e;
  } catch (...) {  // allocation failure on a huge input: refuse it like any bad input
    return std::nullopt;
  }
}

namespace detail {

namespace {
constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
int sextet(char c) noexcept {
  const auto pos = alphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0U);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? alphabet[(v >> (18 - 6 * k)) & 0x3f] : '=');
    }
  }
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    if (pad == 1 && text[i + 2] == '=') return false;  // "x=y=" is not padding
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const int s = k >= 4 - pad ? 0 : sextet(text[i + k]);
      if (s < 0) return false;
      v = (v << 6) | static_cast<std::uint32_t>(s);
    }
    for (std::size_t k = 0; k < 3 - pad; ++k)
      out.push_back(static_cast<char>((v >> (16 - 8 * k)) & 0xff));
  }
  return true;
}

}  // namespace detail
}  // namespace vote::consensus
