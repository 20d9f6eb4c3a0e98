// The client listener: the TCP adapter that owns the server's port (STYLE.md 4, 13). The port
// carries client connections and, inbound, the other servers' peer links (peer_links.hpp).
//
// A connection's first complete frame decides its kind, for good:
//   - client (frame type 1): every complete frame is handed to the request_handler, and the
//     connection reads nothing more until the handler answers through the reply callback (one
//     request in flight per connection: natural backpressure). A frame-level error gets one error
//     response and the connection is closed; everything else is the handler's business.
//   - peer (frame type 2, only with a peer_message_handler): every complete frame is opened here
//     (authenticated with the cluster key, then decoded: peer_message.hpp) and only what opens is
//     handed to on_peer_message; reading goes on at once and nothing is ever written back. A
//     frame that does not open, and any frame-level error, closes the connection at once,
//     without a response, and is counted.
//   A frame of the other type on a connection of one kind is a frame-level error.
// First frame: until a connection has sent one peer frame that opened, its peer frames may be at
// most first_peer_frame_payload (64 KiB); a larger header is refused as soon as its 12 bytes
// arrive, before anything is allocated for it (edge.hpp). Only a proven peer link may send
// frames up to max_peer_frame_payload.
// Bounds (edge.hpp): separate connection caps for clients (undecided connections count as
// clients) and for proven peer links; when a pool is full, the connection of that pool that has
// been quiet longest and has no request in flight is closed to make room (else the new one gets
// `unavailable`). Read buffers are charged to per-pool and global byte caps before they grow; a
// frame that does not fit closes its connection. Deadlines: idle (client and undecided
// connections: idle_timeout; peer links: peer_idle_timeout), a started frame must complete within
// frame_timeout, a response must be written within write_timeout.
//
// TLS (listener_options::tls set; tls.hpp): every connection starts with a TLS 1.3 handshake as
// the server, within handshake_timeout, before any byte of it is read as a frame; a handshake
// that fails or times out closes the connection and is counted (tls_handshakes_failed). The
// handshake requests a client certificate and verifies it when one is given; a connection whose
// handshake produced no CA-signed certificate may carry client frames only: its first peer frame
// is a frame-level error (peer_frames_uncertified), before the frame is opened. A connection
// counts against the client pool (and may be evicted as an undecided one) from the accept on,
// handshake included; the TLS buffers are a fixed amount per connection (docs/security.md).
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

#include "vote/net/edge.hpp"
#include "vote/net/peer_message.hpp"
#include "vote/net/tls.hpp"
#include "vote/wire/request_origin.hpp"

namespace vote::net {

struct listener_options {
  edge_limits limits;  // frame sizes, connection caps, buffered bytes (edge.hpp)
  // A client or undecided connection with no request started within this is closed.
  std::chrono::milliseconds idle_timeout{60'000};
  // A peer link with no frame started within this is closed (its sender sends keepalives:
  // peer_links.hpp). vote-server uses several election timeouts.
  std::chrono::milliseconds peer_idle_timeout{10'000};
  std::chrono::milliseconds frame_timeout{10'000};  // a started frame must complete within this
  std::chrono::milliseconds write_timeout{10'000};  // a response must be written within this
  // TLS on every connection when set (shared with the peer links); plain TCP when null.
  std::shared_ptr<tls_context> tls;
  std::chrono::milliseconds handshake_timeout{10'000};  // a TLS handshake must finish within this
};

using wire::reply_fn;
using wire::request_origin;

class request_handler {
 public:
  virtual ~request_handler() = default;
  virtual void on_request(std::string payload, const request_origin& origin, reply_fn reply) = 0;
};

// Receives the messages of inbound peer links, authenticated and decoded, on the io_context's
// thread, in the order sent. Never link openings (the listener handles those itself).
class peer_message_handler {
 public:
  virtual ~peer_message_handler() = default;
  virtual void on_peer_message(peer_message message, const request_origin& origin) = 0;
};

struct listener_stats {
  std::uint64_t accepted = 0;
  std::uint64_t refused_over_cap = 0;     // got `unavailable` (or, a proven peer, closed): no room
  std::uint64_t evicted = 0;              // quiet connections closed to make room for a new one
  std::uint64_t frame_errors = 0;         // frame-level errors (bad header, too large, wrong type)
  std::uint64_t peer_frames_refused = 0;  // peer frames that did not open (forged, stale, ...)
  std::uint64_t over_budget = 0;  // frames refused because the buffered-bytes caps were reached
  std::uint64_t timeouts = 0;
  std::uint64_t accept_errors = 0;            // failed accepts (each followed by a short pause)
  std::uint64_t tls_handshakes_failed = 0;    // failed, or plaintext on a TLS port (closed); a
                                              // handshake that timed out counts in `timeouts`
  std::uint64_t peer_frames_uncertified = 0;  // peer frames on a TLS connection with no CA cert
  std::uint64_t peer_links = 0;               // connections that proved themselves peer links
  std::size_t open = 0;                       // open connections of both kinds
  std::size_t open_peers = 0;                 // of which proven peer links
  std::size_t buffered_bytes = 0;             // charged to the read buffers of every connection now
};

// What the edge refused between two readings of the stats, as one log line ("edge since the
// last report: 37 peer frames that did not open, ..."), or nullopt when it refused nothing. The
// server logs it once a minute (src/node/server.cpp), so a flood of hostile connections shows in
// the log without a line per connection.
std::optional<std::string> edge_report(const listener_stats& now, const listener_stats& before);

class session;

class client_listener {
 public:
  // Binds and listens; throws boost::system::system_error (e.g. address_in_use) on failure.
  // Without `peers`, a peer frame is a frame-level error (`unsupported`). `codec` opens peer
  // frames (with the cluster key, if it has one). Both handlers, and the codec's key, must
  // outlive the listener.
  client_listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                  request_handler& handler, listener_options options,
                  peer_message_handler* peers = nullptr, peer_codec codec = peer_codec());
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
