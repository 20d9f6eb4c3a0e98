// Peer links: the TCP adapter that carries this node's messages to the other servers
// (DESIGN.md §3, §5.1; docs/protocol.md "Peer links"; STYLE.md 4, 13).
//
// One persistent connection per peer, one-way: this side only writes peer frames (frame type 2);
// the remote answers on its own link to us, and its client_listener hands our frames to its
// peer_message_handler. A read stays pending on every connected socket all the same, so that a
// peer process that died (EOF, reset) is noticed at once; bytes received are a protocol error.
//
// Per peer, a link is idle, connecting, connected or in backoff:
//   - idle: the next send() connects (within connect_timeout);
//   - connecting / connected: messages are queued, at most max_queue_bytes per peer; when
//     connected, everything queued goes out in one gathered write;
//   - a link that breaks (EOF, read or write error, a frame not written within write_timeout)
//     reconnects once at once, keeping its queue. If that reconnect is refused or times out,
//     on_down(peer) is called, once for that break: the fast path of DESIGN.md §5.1, where the
//     node starts a round without waiting for its election timer. A first connect that fails
//     also calls on_down. While the peer stays unreachable on_down is not called again.
//   - a failed connect puts the link in backoff (backoff_initial, doubling up to backoff_max):
//     its queue is dropped, and so is every message sent until the backoff expires (the
//     consensus protocol retransmits; a stale heartbeat is worthless). Then it is idle again.
// Opening and keepalive (with an opening function): every new connection first writes one
// opening frame (a small sealed link_opening, peer_message.hpp) ahead of whatever is queued, so
// that the receiver accepts it as a peer link before any large frame (client_listener.hpp,
// "first frame"); and a connected link that wrote nothing for keepalive_interval writes another,
// so that it never reaches the receiver's idle deadline. Openings are not counted as frames.
// Against a link that flaps (connects, then breaks at once), the immediate reconnect is granted
// at most once per backoff_max, and the backoff returns to backoff_initial only after a link
// stayed up for backoff_max.
// TLS (peer_link_options::tls set; tls.hpp): every connection handshakes as a TLS 1.3 client with
// this server's certificate (the receiver requires it for peer frames) after the TCP connect,
// within another connect_timeout, and verifies that the remote's certificate chains to the CA and
// names the endpoint's IP address. A handshake that fails is a failed connect (backoff, on_down);
// a refused certificate is also logged as a warning (rate-limited).
// Nothing here blocks the caller or the io thread: a dead or slow peer costs bounded memory.
//
// Threading: every member, and on_down, runs on the one thread that runs the io_context passed
// in. send() never throws; on_down is never called from inside send(), forget() or stop(), and
// never after stop().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "vote/net/tls.hpp"

namespace vote::net {

struct peer_link_options {
  std::chrono::milliseconds connect_timeout{200};  // a connect not done within this failed
  std::chrono::milliseconds backoff_initial{25};   // after a failed connect, doubling ...
  std::chrono::milliseconds backoff_max{1000};     // ... up to this
  std::chrono::milliseconds write_timeout{2000};   // a frame not written within this: link closed
  std::size_t max_queue_bytes = 32u << 20;  // per peer, framed; beyond it new messages are dropped
  std::chrono::milliseconds keepalive_interval{1000};  // a quiet link writes an opening again
  std::shared_ptr<tls_context> tls;  // TLS on every link when set (the server's context)
};

struct peer_link_stats {
  std::uint64_t frames_sent = 0;     // completely written to a socket
  std::uint64_t frames_dropped = 0;  // refused by send() or discarded with a queue
  std::uint64_t connects = 0;        // connects that succeeded
  std::uint64_t connect_failures = 0;
  std::uint64_t links_lost = 0;            // established links that broke
  std::uint64_t certificates_refused = 0;  // TLS connects refused for the remote's certificate
};

class peer_link;

class peer_links {
 public:
  using link_down_fn = std::function<void(std::uint64_t peer)>;
  // The payload of an opening frame, sealed now (a fresh timestamp for every connection).
  using opening_fn = std::function<std::string()>;

  // Without `opening`, links send no opening and no keepalive (the remote must accept a peer
  // link without them).
  peer_links(boost::asio::io_context& io, peer_link_options options, link_down_fn on_down,
             opening_fn opening = nullptr);
  ~peer_links();  // stop()
  peer_links(const peer_links&) = delete;
  peer_links& operator=(const peer_links&) = delete;

  // Queues `payload` for `peer` at `endpoint` ("ip:port", an IP literal), framed as
  // wire::frame_type::peer, and connects if needed. A changed endpoint for a peer closes the old
  // link (its queue is dropped). An unparsable endpoint, an empty payload or one that does not fit
  // the queue bound is dropped and counted.
  void send(std::uint64_t peer, const std::string& endpoint, std::string payload) noexcept;
  // Closes the link to `peer` and drops its queue; no on_down for it afterwards.
  void forget(std::uint64_t peer);
  // Closes every link; send() drops everything from now on. No callback after this.
  void stop();

  // Framed bytes queued for `peer` and not yet completely written (0 for an unknown peer).
  std::size_t queued_bytes(std::uint64_t peer) const;
  const peer_link_stats& stats() const noexcept;

 private:
  friend class peer_link;
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace vote::net
