// UDP discovery datagrams (DESIGN.md §4; docs/protocol.md).
//
//   offset 0  4 bytes  magic "VOTD"
//   offset 4  u8       version (discovery_version)
//   offset 5  u8       type (datagram_type)
//   offset 6           JSON object body
// A datagram is at most max_datagram bytes. Anything else (short, wrong magic/version/type,
// malformed body) decodes to std::monostate and is dropped and counted by the receiver.
// With a cluster key, a hello travels sealed (vote/net/cluster_key.hpp): the encoded datagram
// followed by a 40-byte trailer; the codec here sees only the datagram inside (docs/discovery.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vote/core/consensus_records.hpp"

namespace vote::wire {

inline constexpr char discovery_magic[4] = {'V', 'O', 'T', 'D'};
inline constexpr std::uint8_t discovery_version = 1;
inline constexpr std::size_t max_datagram = 1400;
// Longest string field (cluster, cluster_uuid, endpoints, role) a datagram may carry, in bytes.
inline constexpr std::size_t max_datagram_string = 256;
// Most voter ids a leader's hello may list. The datagram bound binds first when the ids are long:
// with 18-digit ids (the generated kind) and short names about 55 fit in max_datagram.
inline constexpr std::size_t max_hello_voters = 64;
// The roles a hello may announce.
inline constexpr std::string_view hello_roles[] = {"leader", "candidate", "follower", "joining"};

enum class datagram_type : std::uint8_t {
  who_is_leader = 1,  // client -> broadcast
  leader_is = 2,      // server -> client, unicast
  hello = 3,          // server -> broadcast
};

struct who_is_leader {
  std::uint64_t nonce = 0;  // echoed in the answer so a client ignores stale replies
  std::string cluster;      // cluster name to ask; empty: any
  friend bool operator==(const who_is_leader&, const who_is_leader&) = default;
};

// On the wire the leader is flat: "leader_id", "leader_endpoint" ("ip:port" of the leader's TCP
// listener, never empty) and "epoch" (the epoch in which the answering server saw it lead).
struct leader_is {
  std::uint64_t nonce = 0;
  std::string cluster;       // the answering server's cluster name
  std::string cluster_uuid;  // the answering server's cluster UUID (may be empty)
  consensus::leader_info leader;
  friend bool operator==(const leader_is&, const leader_is&) = default;
};

// A server's periodic announcement (DESIGN.md §4). It only maps ids to addresses and says who
// looks alive: no epoch, promise or leadership belief is ever taken from a hello.
// Invariants (checked by encoder and decoder alike): node_id != 0; endpoint is "ip:port"; role is
// one of hello_roles; leader.endpoint is "" or "ip:port"; voters is empty unless role is "leader",
// and holds at most max_hello_voters distinct non-zero ids.
struct hello {
  std::string cluster;            // cluster name
  std::string cluster_uuid;       // empty: not yet in a cluster
  std::uint64_t node_id = 0;      // never 0
  std::uint64_t incarnation = 0;  // made when the sender's data directory was created
  std::string endpoint;           // the sender's TCP endpoint, "ip:port"
  std::string role;               // one of hello_roles
  // The leader it follows (id 0: none), on the wire "leader_id", "leader_endpoint" ("" or
  // "ip:port") and "leader_epoch" (the epoch in which it saw that leader lead).
  consensus::leader_info leader;
  std::vector<std::uint64_t> voters;  // a leader lists the voting members' ids; others: empty
  friend bool operator==(const hello&, const hello&) = default;
};

using datagram = std::variant<std::monostate, who_is_leader, leader_is, hello>;

// Encoders never truncate. They throw std::length_error when a string is over
// max_datagram_string bytes or the datagram would exceed max_datagram (only possible with strings
// full of control characters, which JSON escapes to 6 bytes each, or with a hello listing many
// long voter ids): every receiver would drop it.
std::string encode_datagram(const who_is_leader& m);
std::string encode_datagram(const leader_is& m);
// Also throws std::invalid_argument when `m` breaks an invariant of `hello` (every receiver would
// drop it), so decode_datagram(encode_datagram(m)) == m whenever encoding succeeds (and the strings
// are valid UTF-8).
std::string encode_datagram(const hello& m);
// std::monostate for anything invalid: short or over max_datagram, wrong magic/version/type,
// malformed JSON (a raw NUL byte anywhere in the body included), missing/unknown/mistyped fields,
// strings over max_datagram_string, an endpoint that is not "ip:port", or a hello that breaks an
// invariant of `hello`.
datagram decode_datagram(std::string_view bytes) noexcept;

// True for "a.b.c.d:port": a dotted-quad IPv4 address without leading zeros and a port in
// 1..65535 without leading zeros. The form of every endpoint on the wire.
bool is_endpoint(std::string_view s) noexcept;

}  // namespace vote::wire
