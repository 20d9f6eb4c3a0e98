// The client listener: the TCP adapter that owns client connections (STYLE.md 4, 13).
//
// It frames and bounds, nothing more: every complete frame is handed to the request_handler on
// the io_context's thread, and the connection reads nothing more until the handler answers
// through the reply callback (one request in flight per connection: natural backpressure).
// Bounds: a connection cap, an idle deadline, a deadline for a started frame to complete and for
// a response to be written, the maximum frame size. A frame-level error gets one error response
// and the connection is closed; everything else is the handler's business.
//
// Threading: all members run on the one thread that runs the io_context passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace vote::net {

struct listener_options {
  std::size_t max_frame_payload = 1u << 20;  // bytes; larger frames are refused (too_large)
  std::size_t max_connections = 1024;        // over the cap: one `unavailable` error, then close
  std::chrono::milliseconds idle_timeout{60'000};   // no request started within this: close
  std::chrono::milliseconds frame_timeout{10'000};  // a started frame must complete within this
  std::chrono::milliseconds write_timeout{10'000};  // a response must be written within this
};

// Who sent a request, as far as the transport can tell.
struct request_origin {
  std::string remote_address;
  bool same_host = false;  // loopback peer, or the peer's address is one of this host's
};

// Called with a response payload (JSON, unframed) exactly once per request. Safe to call after
// the connection died (the response is dropped). Must be called on the io_context's thread.
using reply_fn = std::function<void(std::string response_json)>;

class request_handler {
 public:
  virtual ~request_handler() = default;
  virtual void on_request(std::string payload, const request_origin& origin, reply_fn reply) = 0;
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
  client_listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                  request_handler& handler, listener_options options);
  ~client_listener();
  client_listener(const client_listener&) = delete;
  client_listener& operator=(const client_listener&) = delete;

  void start();
  // Stops accepting; closes idle connections now and the others once the reply to their request
  // in flight is written (or its write deadline passed); then posts `done`.
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
