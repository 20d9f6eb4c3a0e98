// The client listener: the TCP adapter that owns the server's port (STYLE.md 4, 13). The port
// carries client connections and, inbound, the other servers' peer links (peer_links.hpp).
//
// A connection's first frame decides its kind, for good:
//   - client (frame type 1): every complete frame is handed to the request_handler, and the
//     connection reads nothing more until the handler answers through the reply callback (one
//     request in flight per connection: natural backpressure). A frame-level error gets one error
//     response and the connection is closed; everything else is the handler's business.
//   - peer (frame type 2, only with a peer_frame_handler): every complete frame is handed to
//     on_peer_frame and reading goes on at once; nothing is ever written back. A frame-level
//     error closes the connection without a response.
//   A frame of the other type on a connection of one kind is a frame-level error.
// Bounds: a connection cap (peer connections count), an idle deadline (client connections only),
// a deadline for a started frame to complete and for a response to be written, the maximum
// payload per frame type. The limit applies as soon as a header has arrived: a client connection
// never makes the server buffer more than max_frame_payload.
//
// Threading: all members run on the one thread that runs the io_context passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace vote::net {

struct listener_options {
  std::size_t max_frame_payload = 1u << 20;        // bytes; larger frames are refused (too_large)
  std::size_t max_peer_frame_payload = 64u << 20;  // the same for peer frames (type 2)
  std::size_t max_connections = 1024;  // over the cap: one `unavailable` error, then close
  // A client connection with no request started within this is closed (peer links stay).
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds frame_timeout{10'000};  // a started frame must complete within this
  std::chrono::milliseconds write_timeout{10'000};  // a response must be written within this
};

// Who sent a request, as far as the transport can tell.
struct request_origin {
  std::string remote_address;
  bool same_host = false;  // loopback peer, or the peer's address is one of this host's
  // With same_host: the uid owning the connecting socket (local_peer.hpp); nullopt if unknown.
  std::optional<std::uint32_t> local_uid;
};

// Called with a response payload (JSON, unframed) exactly once per request. Safe to call after
// the connection died (the response is dropped). Must be called on the io_context's thread.
using reply_fn = std::function<void(std::string response_json)>;

class request_handler {
 public:
  virtual ~request_handler() = default;
  virtual void on_request(std::string payload, const request_origin& origin, reply_fn reply) = 0;
};

// Receives the frames of inbound peer links, on the io_context's thread, in the order sent.
class peer_frame_handler {
 public:
  virtual ~peer_frame_handler() = default;
  virtual void on_peer_frame(std::string payload, const request_origin& origin) = 0;
};

struct listener_stats {
  std::uint64_t accepted = 0;
  std::uint64_t refused_over_cap = 0;
  std::uint64_t frame_errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t accept_errors = 0;  // failed accepts (each followed by a short pause)
  std::size_t open = 0;
};

class session;

class client_listener {
 public:
  // Binds and listens; throws boost::system::system_error (e.g. address_in_use) on failure.
  // Without `peers`, a peer frame is a frame-level error (`unsupported`). Both handlers must
  // outlive the listener.
  client_listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                  request_handler& handler, listener_options options,
                  peer_frame_handler* peers = nullptr);
  ~client_listener();
  client_listener(const client_listener&) = delete;
  client_listener& operator=(const client_listener&) = delete;

  void start();
  // Stops accepting; closes idle and peer connections now and the others once the reply to their
  // request in flight is written (or its write deadline passed); then posts `done`.
  void shutdown(std::function<void()> done);
  // Stops accepting and closes every connection at once; pending replies are dropped.
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  const listener_stats& stats() const noexcept;

 private:
  friend class session;
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace vote::net
