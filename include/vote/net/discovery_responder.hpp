// The discovery adapter (UDP, DESIGN.md §4; docs/discovery.md): answers `who_is_leader`
// broadcasts, broadcasts this server's `hello` every jittered interval, and hands the hellos it
// hears to the node.
//
// Sockets: it receives on the broadcast address of the server's interface (so on the loopback
// fallback it hears only 127.255.255.255) with SO_REUSEADDR/SO_REUSEPORT, so that several servers
// on one host share the discovery port; the kernel gives every such socket its own copy of a
// broadcast datagram. It sends from one socket bound to the server's host with SO_BROADCAST:
// answers by unicast to the asking client, hellos to broadcast:port (which every server on the
// segment hears, this one and the others on its host included).
//
// Trust: who_is_leader and leader_is are never authenticated (clients hold no cluster key). With a
// cluster key every hello is sealed when sent, and a received hello must open ok: an unsealed,
// forged or stale one is dropped, counted and logged at warn with the sender's address (the first,
// then every 100th). Hellos of another cluster name, and anything that does not decode, are
// dropped and counted. No epoch or leadership belief may be taken from a hello (docs/discovery.md).
//
// Threading: every member, and the lookup, source and sink, run on the one thread that runs the
// io_context passed in. The key, if any, must outlive the responder.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "vote/net/cluster_key.hpp"
#include "vote/wire/discovery.hpp"

namespace vote::net {

struct discovery_options {
  std::string cluster;  // this server's cluster name; hellos of other names are dropped
  // Gap between periodic hellos; each gap is hello_interval * uniform[0.8, 1.2]. Must be > 0.
  std::chrono::milliseconds hello_interval{500};
  // With a key: hellos are sealed when sent, and a received hello must open ok. Not owned.
  const cluster_key* key = nullptr;
};

struct discovery_stats {
  std::uint64_t received = 0;         // datagrams of any kind
  std::uint64_t dropped = 0;          // did not decode or not for this cluster
  std::uint64_t answered = 0;         // leader_is answers sent
  std::uint64_t hellos_sent = 0;      // hellos the socket accepted for sending
  std::uint64_t hellos_received = 0;  // hellos handed to the sink (our own included)
  std::uint64_t forged = 0;           // with a key: a hello unsealed, altered or of another key
  std::uint64_t stale = 0;            // with a key: an authentic hello outside the freshness window
};

class discovery_responder {
 public:
  // Returns the answer to give (nonce is filled in by the responder), or nullopt when this server
  // knows no leader and must stay silent.
  using leader_lookup = std::function<std::optional<wire::leader_is>()>;
  // Returns the hello to send now, or nullopt to send nothing this time.
  using hello_source = std::function<std::optional<wire::hello>()>;
  // Receives every authentic hello of this cluster, this server's own included (the sink filters).
  // `from` is the sending socket (the sender's host address and an ephemeral port), not the TCP
  // endpoint the hello announces.
  using hello_sink =
      std::function<void(const wire::hello&, const boost::asio::ip::udp::endpoint& from)>;

  // Binds; throws boost::system::system_error on failure, std::invalid_argument for a
  // hello_interval <= 0. Without a source no hello is sent; without a sink hellos are counted only.
  discovery_responder(boost::asio::io_context& io, const boost::asio::ip::address_v4& host,
                      const boost::asio::ip::address_v4& broadcast, std::uint16_t port,
                      discovery_options options, leader_lookup lookup, hello_source source = {},
                      hello_sink sink = {});
  ~discovery_responder();
  discovery_responder(const discovery_responder&) = delete;
  discovery_responder& operator=(const discovery_responder&) = delete;

  // Starts receiving; with a source, sends a hello at once and then one every jittered interval.
  void start();
  // Closes the sockets and stops the hellos; idempotent.
  void stop();
  // Sends one hello at once (e.g. after a role change), besides the periodic ones. No-op when
  // stopped or without a source.
  void hello_now();
  const discovery_stats& stats() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace vote::net
