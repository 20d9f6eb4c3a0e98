// Peer messages at the edge (docs/protocol.md §7 "The payload"; STYLE.md 4): what a peer frame's
// payload may be, and the one place where it is authenticated and decoded. The node receives
// only what open() accepted; everything else is refused here and never reaches it.
//
//   payload = json                      (no cluster key)
//   payload = cluster_key::seal(json)   (cluster key: json || timestamp || HMAC-SHA256)
//   json    = a consensus envelope (consensus::encode_envelope)
//           | {"control":"leave","from":N,"incarnation":N,"cluster_uuid":S}   (driver control)
//           | {"control":"open","from":N}   (a link opening or keepalive: transport only)
//
// A link opening is the small first frame every outbound peer link sends on each new connection
// (peer_links.hpp), and again as a keepalive while the link has nothing else to say: it proves
// the connection is a peer (client_listener.hpp, "first frame") and keeps it under its idle
// deadline. It never reaches the node.
//
// Pure: open() and the encoders do no I/O; the caller passes the time in. Immutable after
// construction (the key is borrowed and must outlive the codec), so any thread may use it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "vote/core/consensus_messages.hpp"
#include "vote/net/cluster_key.hpp"
#include "vote/wire/request_origin.hpp"

namespace vote::net {

using wire::leave_request;

// The opening (and keepalive) frame of a peer link.
struct link_opening {
  std::uint64_t from = 0;
  friend bool operator==(const link_opening&, const link_opening&) = default;
};

// What the node is handed: authenticated and decoded.
using peer_message = std::variant<consensus::envelope, leave_request>;

// Why a payload was refused (the connection that carried it is closed).
enum class peer_refusal : std::uint8_t {
  malformed,    // with a key: shorter than the seal's trailer
  forged,       // with a key: the MAC does not match
  stale,        // with a key: authentic but outside the freshness window
  undecodable,  // authentic (or no key), but none of the messages above
};
std::string_view to_string(peer_refusal r) noexcept;

using peer_input = std::variant<link_opening, consensus::envelope, leave_request>;

class peer_codec {
 public:
  explicit peer_codec(const cluster_key* key = nullptr) : key_(key) {}

  bool keyed() const noexcept { return key_ != nullptr; }
  // The payload to send for `json`: sealed with the key at `now_unix_ms`, or `json` itself.
  std::string seal(std::string json, std::int64_t now_unix_ms) const;
  // Authenticates (with a key), then decodes. Never throws.
  std::variant<peer_input, peer_refusal> open(std::string_view payload,
                                              std::int64_t now_unix_ms) const noexcept;

 private:
  const cluster_key* key_;
};

std::string encode_leave(const leave_request& r);
std::string encode_opening(const link_opening& o);

}  // namespace vote::net
