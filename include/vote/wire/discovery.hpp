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
  std::string cluster;          // the answering server's cluster name
  std::string cluster_uuid;     // the answering server's cluster UUID (may be empty)
  std::uint64_t leader_id = 0;
  std::string leader_endpoint;  // "ip:port" of the TCP listener of the leader
  std::uint64_t epoch = 0;      // the epoch in which the answering server saw it lead
  friend bool operator==(const leader_is&, const leader_is&) = default;
};

using datagram = std::variant<std::monostate, who_is_leader, leader_is>;

std::string encode_datagram(const who_is_leader& m);
std::string encode_datagram(const leader_is& m);
datagram decode_datagram(std::string_view bytes) noexcept;

}  // namespace vote::wire
