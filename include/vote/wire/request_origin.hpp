// Who sent a client request and how it is answered: what the transport (net::client_listener)
// tells the node about each request. Pure: the node machine, the Asio listener and the simulator
// share these.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace vote::wire {

// Who sent a request, as far as the transport can tell.
struct request_origin {
  std::string remote_address;
  bool same_host = false;  // loopback peer, or the peer's address is one of this host's
  // With same_host: finds the uid owning the connecting socket (net/local_peer.hpp; nullopt if
  // unknown). It reads the kernel's socket table, so it is called only where a rule needs the
  // answer (an admin request to a server without a token), never per connection.
  std::function<std::optional<std::uint32_t>()> local_uid;
};

// Called with a response payload (JSON, unframed) exactly once per request. Safe to call after
// the connection died (the response is dropped). Called on the node's thread.
using reply_fn = std::function<void(std::string response_json)>;

// A member stopping with --leave asks the leader to remove it (docs/protocol.md §7): a peer
// control message, carried in a peer frame beside the consensus envelopes.
struct leave_request {
  std::uint64_t from = 0;
  std::uint64_t incarnation = 0;
  std::string cluster_uuid;
  friend bool operator==(const leave_request&, const leave_request&) = default;
};

}  // namespace vote::wire
