// The discovery adapter (UDP, DESIGN.md §4): answers `who_is_leader` broadcasts.
//
// It receives on the broadcast address of the server's interface (so on the loopback fallback it
// hears only 127.255.255.255) with SO_REUSEADDR/SO_REUSEPORT, so that several servers on one host
// share the discovery port, and answers by unicast from a socket bound to the server's host.
// Anything that does not decode is dropped and counted. Cluster hellos come with the cluster work.
//
// Threading: all members run on the one thread that runs the io_context passed in.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "vote/wire/discovery.hpp"

namespace vote::net {

struct discovery_stats {
  std::uint64_t received = 0;
  std::uint64_t dropped = 0;  // did not decode, or not for this cluster
  std::uint64_t answered = 0;
};

class discovery_responder {
 public:
  // Returns the answer to give (nonce is filled in by the responder), or nullopt when this server
  // knows no leader and must stay silent.
  using leader_lookup = std::function<std::optional<wire::leader_is>()>;

  // Binds; throws boost::system::system_error on failure.
  discovery_responder(boost::asio::io_context& io, const boost::asio::ip::address_v4& host,
                      const boost::asio::ip::address_v4& broadcast, std::uint16_t port,
                      std::string cluster, leader_lookup lookup);
  ~discovery_responder();
  discovery_responder(const discovery_responder&) = delete;
  discovery_responder& operator=(const discovery_responder&) = delete;

  void start();
  void stop();
  const discovery_stats& stats() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace vote::net
