// The envelope codec (consensus_messages.hpp): JSON objects, binary bytes as base64; the two
// messages every vote costs (append, append_reply) in a compact binary form instead.
// Decoding is pure and total: the JSON reading policy (vote/core/strict_json.hpp) or the bounded
// binary reader, then the types and sizes; every failure is a nullopt.
#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include "consensus_json.hpp"
#include "vote/core/byte_order.hpp"
#include "vote/core/consensus_messages.hpp"
#include "vote/core/strict_json.hpp"

namespace vote::consensus {
namespace {

using nlohmann::json;
using strict_json::read_bool;
using strict_json::read_string;
using strict_json::read_u64;

json ids_to_json(const std::vector<node_id>& ids) {
  return json(ids);
}

bool ids_from_json(const json& j, const char* key, std::vector<node_id>& out) {
  const json* a = strict_json::array_field(j, key);
  return a != nullptr && a->size() <= max_list_size && strict_json::read_u64s(j, key, out);
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
  const json* a = strict_json::array_field(j, "entries");
  if (a == nullptr || a->size() > max_list_size) return false;
  out.clear();
  for (const json& x : *a) {
    log_entry e;
    std::uint64_t kind = 0;
    std::string payload;
    if (!x.is_object() || !read_u64(x, "index", e.index) || !read_u64(x, "epoch", e.epoch) ||
        !read_u64(x, "kind", kind) || !read_string(x, "payload", payload) || kind < 1 || kind > 3 ||
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
  return read_u64(j, "round", m.round) && read_u64(j, "uid", m.uid) &&
         ids_from_json(j, "visited", m.visited) && ids_from_json(j, "skipped", m.skipped);
}
void put(json& j, const election_ack& m) {
  j = {{"round", m.round}, {"uid", m.uid}};
}
bool get(const json& j, election_ack& m) {
  return read_u64(j, "round", m.round) && read_u64(j, "uid", m.uid);
}
void put(json& j, const leader_alive& m) {
  j = {{"id", m.id}, {"epoch", m.epoch}, {"endpoint", m.endpoint}};
}
bool get(const json& j, leader_alive& m) {
  return read_u64(j, "id", m.id) && read_u64(j, "epoch", m.epoch) &&
         read_string(j, "endpoint", m.endpoint);
}
void put(json& j, const prepare& m) {
  j = {{"epoch", m.epoch}, {"candidate", m.candidate}, {"handover", m.handover}};
}
bool get(const json& j, prepare& m) {
  return read_u64(j, "epoch", m.epoch) && read_u64(j, "candidate", m.candidate) &&
         read_bool(j, "handover", m.handover);
}
void put(json& j, const promise& m) {
  j = {{"epoch", m.epoch},
       {"last_log_epoch", m.last_log_epoch},
       {"last_log_index", m.last_log_index}};
}
bool get(const json& j, promise& m) {
  return read_u64(j, "epoch", m.epoch) && read_u64(j, "last_log_epoch", m.last_log_epoch) &&
         read_u64(j, "last_log_index", m.last_log_index);
}
void put(json& j, const reject& m) {
  j = {{"promised_epoch", m.promised_epoch}, {"promised_to", m.promised_to}};
}
bool get(const json& j, reject& m) {
  return read_u64(j, "promised_epoch", m.promised_epoch) &&
         read_u64(j, "promised_to", m.promised_to);
}
void put(json& j, const fetch& m) {
  j = {{"epoch", m.epoch}, {"from_index", m.from_index}};
}
bool get(const json& j, fetch& m) {
  return read_u64(j, "epoch", m.epoch) && read_u64(j, "from_index", m.from_index);
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
  const json* s = strict_json::find(j, "snapshot");
  if (s == nullptr) return true;
  const json* c = strict_json::find(*s, "config");
  snapshot_meta meta;
  std::string data;
  if (c == nullptr || !read_u64(*s, "last_index", meta.last_index) ||
      !read_u64(*s, "last_epoch", meta.last_epoch) || !detail::config_from_json(*c, meta.config) ||
      !read_string(*s, "data", data) || !detail::base64_decode(data, m.snapshot_data)) {
    return false;
  }
  m.snapshot = std::move(meta);
  return true;
}
bool get(const json& j, fetch_reply& m) {
  return read_u64(j, "epoch", m.epoch) && read_bool(j, "ok", m.ok) &&
         read_bool(j, "snapshot_needed", m.snapshot_needed) && entries_from_json(j, m.entries) &&
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
  return read_u64(j, "epoch", m.epoch) && read_u64(j, "leader", m.leader) &&
         read_u64(j, "prev_index", m.prev_index) && read_u64(j, "prev_epoch", m.prev_epoch) &&
         entries_from_json(j, m.entries) && read_u64(j, "commit_index", m.commit_index) &&
         read_u64(j, "seq", m.seq);
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
  return read_u64(j, "epoch", m.epoch) && read_bool(j, "ok", m.ok) &&
         read_u64(j, "match_index", m.match_index) &&
         read_u64(j, "last_index_hint", m.last_index_hint) && read_u64(j, "seq", m.seq) &&
         read_u64(j, "promised_to", m.promised_to);
}
void put(json& j, const timeout_now& m) {
  j = {{"epoch", m.epoch}};
}
bool get(const json& j, timeout_now& m) {
  return read_u64(j, "epoch", m.epoch);
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
  const json* c = strict_json::find(j, "config");
  std::string data;
  return c != nullptr && read_u64(j, "epoch", m.epoch) && read_u64(j, "leader", m.leader) &&
         read_u64(j, "last_index", m.meta.last_index) &&
         read_u64(j, "last_epoch", m.meta.last_epoch) &&
         detail::config_from_json(*c, m.meta.config) && read_u64(j, "offset", m.offset) &&
         read_string(j, "data", data) && detail::base64_decode(data, m.data) &&
         read_bool(j, "done", m.done);
}
void put(json& j, const snapshot_reply& m) {
  j = {{"epoch", m.epoch},
       {"ok", m.ok},
       {"next_offset", m.next_offset},
       {"last_index", m.last_index},
       {"done", m.done}};
}
bool get(const json& j, snapshot_reply& m) {
  return read_u64(j, "epoch", m.epoch) && read_bool(j, "ok", m.ok) &&
         read_u64(j, "next_offset", m.next_offset) && read_u64(j, "last_index", m.last_index) &&
         read_bool(j, "done", m.done);
}
void put(json& j, const bootstrap_propose& m) {
  j = {{"uuid", m.uuid}, {"members", detail::members_to_json(m.members)}};
}
bool get(const json& j, bootstrap_propose& m) {
  const json* ms = strict_json::find(j, "members");
  return ms != nullptr && read_string(j, "uuid", m.uuid) &&
         detail::members_from_json(*ms, m.members);
}
void put(json& j, const bootstrap_reply& m) {
  j = {{"uuid", m.uuid}, {"accepted", m.accepted}};
}
bool get(const json& j, bootstrap_reply& m) {
  return read_string(j, "uuid", m.uuid) && read_bool(j, "accepted", m.accepted);
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

// ---- The binary form (docs/protocol.md §7 "Peer links") -----------------------------------
//   u8 0x01 | u8 type (index in message_body) | u64 from | u64 from_incarnation | u64 to
//   | u16 uuid length | uuid bytes | body                                    (little-endian)
//   append:       u64 epoch, leader, prev_index, prev_epoch, commit_index, seq | u32 count
//                 | count log entries in their storage encoding (vote/core/log_entry.hpp)
//   append_reply: u64 epoch | u8 ok (0 or 1) | u64 match_index, last_index_hint, seq, promised_to
// A JSON envelope starts with '{' (or whitespace), never with 0x01.
constexpr char binary_marker = '\x01';

void put_u64s(std::string& out, std::initializer_list<std::uint64_t> values) {
  for (const std::uint64_t v : values) vote::detail::put_le<std::uint64_t>(out, v);
}

using vote::detail::byte_reader;

void put_binary(std::string& out, const append& m) {
  put_u64s(out, {m.epoch, m.leader, m.prev_index, m.prev_epoch, m.commit_index, m.seq});
  vote::detail::put_le<std::uint32_t>(out, static_cast<std::uint32_t>(m.entries.size()));
  for (const log_entry& e : m.entries) encode_log_entry(e, out);
}
bool get_binary(byte_reader& r, append& m) {
  std::uint32_t n = 0;
  if (!r.all(m.epoch, m.leader, m.prev_index, m.prev_epoch, m.commit_index, m.seq, n) ||
      n > max_list_size) {
    return false;
  }
  // Memory follows the bytes received, not the count claimed.
  m.entries.reserve(std::min<std::size_t>(n, r.rest().size() / log_entry_header_size));
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t size = encoded_log_entry_size(r.rest());
    std::string_view bytes;
    if (size == 0 || !r.take(size, bytes)) return false;
    auto e = decode_log_entry(bytes);
    if (!e) return false;
    m.entries.push_back(std::move(*e));
  }
  return true;
}
void put_binary(std::string& out, const append_reply& m) {
  put_u64s(out, {m.epoch});
  vote::detail::put_le<std::uint8_t>(out, m.ok ? 1 : 0);
  put_u64s(out, {m.match_index, m.last_index_hint, m.seq, m.promised_to});
}
bool get_binary(byte_reader& r, append_reply& m) {
  return r.all(m.epoch, m.ok, m.match_index, m.last_index_hint, m.seq, m.promised_to);
}

// The index of alternative M in message_body (its type byte), without constructing one.
template <class M, std::size_t I = 0>
constexpr std::uint8_t type_of() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, message_body>, M>) {
    return static_cast<std::uint8_t>(I);
  } else {
    return type_of<M, I + 1>();
  }
}
constexpr std::uint8_t append_type = type_of<append>();
constexpr std::uint8_t append_reply_type = type_of<append_reply>();

std::string encode_binary(const envelope& e) {
  std::size_t size = 64 + e.cluster_uuid.size();
  if (const auto* a = std::get_if<append>(&e.body)) {
    for (const log_entry& x : a->entries) size += log_entry_header_size + x.payload.size();
  }
  std::string out;
  out.reserve(size);
  out.push_back(binary_marker);
  vote::detail::put_le<std::uint8_t>(out, static_cast<std::uint8_t>(e.body.index()));
  put_u64s(out, {e.from, e.from_incarnation, e.to});
  vote::detail::put_le<std::uint16_t>(out, static_cast<std::uint16_t>(e.cluster_uuid.size()));
  out.append(e.cluster_uuid);
  std::visit(
      [&](const auto& m) {
        if constexpr (requires { put_binary(out, m); }) put_binary(out, m);
      },
      e.body);
  return out;
}

template <class M>
bool get_binary_body(byte_reader& r, message_body& body) {
  M m;
  if (!get_binary(r, m)) return false;
  body = std::move(m);
  return true;
}

std::optional<envelope> decode_binary(std::string_view bytes) {
  byte_reader r(bytes.substr(1));
  envelope e;
  std::uint8_t type = 0;
  std::uint16_t uuid_size = 0;
  std::string_view uuid;
  if (!r.all(type, e.from, e.from_incarnation, e.to, uuid_size) ||
      uuid_size > max_cluster_uuid_size || !r.take(uuid_size, uuid)) {
    return std::nullopt;
  }
  e.cluster_uuid.assign(uuid);
  const bool ok = type == append_type         ? get_binary_body<append>(r, e.body)
                  : type == append_reply_type ? get_binary_body<append_reply>(r, e.body)
                                              : false;
  if (!ok || !r.done()) return std::nullopt;
  return e;
}

bool sent_binary(const message_body& body) noexcept {
  return std::holds_alternative<append>(body) || std::holds_alternative<append_reply>(body);
}

}  // namespace

std::string_view message_type(const message_body& body) noexcept {
  return type_names[body.index()];
}

std::string encode_envelope(const envelope& e) {
  if (sent_binary(e.body)) return encode_binary(e);
  json body;
  std::visit([&](const auto& m) { put(body, m); }, e.body);
  const json j = {{"from", e.from},
                  {"from_incarnation", e.from_incarnation},
                  {"to", e.to},
                  {"cluster_uuid", e.cluster_uuid},
                  {"type", message_type(e.body)},
                  {"body", std::move(body)}};
  return strict_json::dump(j);
}

std::optional<envelope> decode_envelope(std::string_view bytes) noexcept {
  try {
    if (!bytes.empty() && bytes.front() == binary_marker) return decode_binary(bytes);
    const strict_json::parse_result parsed = strict_json::parse(bytes);
    if (!parsed.value) return std::nullopt;
    const json& j = *parsed.value;
    envelope e;
    std::string type;
    const json* body = strict_json::find(j, "body");
    if (body == nullptr || !read_u64(j, "from", e.from) ||
        !read_u64(j, "from_incarnation", e.from_incarnation) || !read_u64(j, "to", e.to) ||
        !read_string(j, "cluster_uuid", e.cluster_uuid) ||
        e.cluster_uuid.size() > max_cluster_uuid_size || !read_string(j, "type", type) ||
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
