#include "vote/net/peer_message.hpp"

#include <nlohmann/json.hpp>

#include "vote/core/strict_json.hpp"

namespace vote::net {
namespace {

using json = nlohmann::json;

// Control messages are flat objects: nothing nests inside them.
constexpr std::size_t control_max_depth = 2;

// A control message ({"control": ...}) with exactly its fields; nullopt for anything else.
std::optional<peer_input> decode_control(std::string_view bytes) {
  const strict_json::parse_result parsed =
      strict_json::parse(bytes, {.max_depth = control_max_depth});
  if (!parsed.value) return std::nullopt;
  const json& j = *parsed.value;
  std::string control;
  std::uint64_t from = 0;
  if (!strict_json::read_string(j, "control", control) || !strict_json::read_u64(j, "from", from) ||
      from == 0) {
    return std::nullopt;
  }
  if (control == "open" && j.size() == 2) return link_opening{from};
  if (control != "leave" || j.size() != 4) return std::nullopt;
  leave_request leave;
  leave.from = from;
  if (!strict_json::read_u64(j, "incarnation", leave.incarnation) ||
      !strict_json::read_string(j, "cluster_uuid", leave.cluster_uuid)) {
    return std::nullopt;
  }
  return leave;
}

}  // namespace

std::string_view to_string(peer_refusal r) noexcept {
  switch (r) {
    case peer_refusal::malformed:
      return "malformed";
    case peer_refusal::forged:
      return "forged";
    case peer_refusal::stale:
      return "stale";
    case peer_refusal::undecodable:
      return "undecodable";
  }
  return "unknown";
}

std::string peer_codec::seal(std::string json_text, std::int64_t now_unix_ms) const {
  return key_ != nullptr ? key_->seal(json_text, now_unix_ms) : json_text;
}

std::variant<peer_input, peer_refusal> peer_codec::open(std::string_view payload,
                                                        std::int64_t now_unix_ms) const noexcept {
  try {
    std::string_view bytes = payload;
    if (key_ != nullptr) {
      switch (key_->open(payload, now_unix_ms, bytes)) {
        case cluster_key::verdict::ok:
          break;
        case cluster_key::verdict::malformed:
          return peer_refusal::malformed;
        case cluster_key::verdict::forged:
          return peer_refusal::forged;
        case cluster_key::verdict::stale:
          return peer_refusal::stale;
      }
    }
    if (auto e = consensus::decode_envelope(bytes)) return peer_input{std::move(*e)};
    if (auto control = decode_control(bytes)) return std::move(*control);
  } catch (const std::exception&) {  // allocation failure, or the HMAC library failed
  }
  return peer_refusal::undecodable;
}

std::string encode_leave(const leave_request& r) {
  return json{{"control", "leave"},
              {"from", r.from},
              {"incarnation", r.incarnation},
              {"cluster_uuid", r.cluster_uuid}}
      .dump();
}

std::string encode_opening(const link_opening& o) {
  return json{{"control", "open"}, {"from", o.from}}.dump();
}

}  // namespace vote::net
