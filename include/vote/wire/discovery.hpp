// UDP discovery datagrams (DESIGN.md §4; docs/protocol.md).
//
//   offset 0  4 bytes  magic "VOTD"
//   offset 4  u8       version (discovery_version)
//   offset 5  u8       type (datagram_type)
//   offset 6           JSON object body
// A datagram is at most max_datagram bytes. Anything else (short, wrong magic/version/type,
// malformed body) decodes to std::monostate and is dropped and counted by the receiver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace vote::wire {

inline constexpr char discovery_magic[4] = {'V', 'O', 'T', 'D'};
inline constexpr std::uint8_t discovery_version = 1;
inline constexpr std::size_t max_datagram = 1400;
// Longest string field (cluster, cluster_uuid, leader_endpoint) a datagram may carry, in bytes.
inline constexpr std::size_t max_datagram_string = 256;

enum class datagram_type : std::uint8_t {
  who_is_leader = 1,  // client -> broadcast
  leader_is = 2,      // server -> client, unicast
  hello = 3,          // reserved: server -> broadcast (cluster work)
};

struct who_is_leader {
  std::uint64_t nonce = 0;  // echoed in the answer so a client ignores stale replies
  std::string cluster;      // cluster name to ask; empty: any
  friend bool operator==(const who_is_leader&, const who_is_leader&) = default;
};

struct leader_is {
  std::uint64_t nonce = 0;
  std::string cluster;       // the answering server's cluster name
  std::string cluster_uuid;  // the answering server's cluster UUID (may be empty)
  std::uint64_t leader_id = 0;
  std::string leader_endpoint;  // "ip:port" of the TCP listener of the leader
  std::uint64_t epoch = 0;      // the epoch in which the answering server saw it lead
  friend bool operator==(const leader_is&, const leader_is&) = default;
};

using datagram = std::variant<std::monostate, who_is_leader, leader_is>;

// Encoders never truncate. They throw std::length_error when a string is over
// max_datagram_string bytes or the datagram would exceed max_datagram (only possible with strings
// full of control characters, which JSON escapes to 6 bytes each): every receiver would drop it.
std::string encode_datagram(const who_is_leader& m);
std::string encode_datagram(const leader_is& m);
// std::monostate for anything invalid: short or over max_datagram, wrong magic/version/type, a
// `hello` (reserved), malformed JSON, missing/unknown/mistyped fields, strings over
// max_datagram_string, or a leader_endpoint that is not "ip:port".
datagram decode_datagram(std::string_view bytes) noexcept;

// True for "a.b.c.d:port": a dotted-quad IPv4 address without leading zeros and a port in
// 1..65535 without leading zeros. The form of every endpoint on the wire.
bool is_endpoint(std::string_view s) noexcept;

}  // namespace vote::wire
