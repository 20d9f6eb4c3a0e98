// The metrics adapter (HTTP/1.1 over TCP; docs/operations.md "Metrics"): answers `GET /metrics`
// (and HEAD) with the text a provider returns, in the Prometheus text exposition format 0.0.4.
// Any other path is 404, any other method 405 (with `Allow: GET, HEAD`); every response closes
// the connection (`Connection: close`). It is an http_listener (http_listener.hpp) with one
// request per connection, no TLS and no body, so its answers carry that listener's security
// headers, and its refusals (400, 405, 413, 431) are that listener's JSON ones. It decides
// nothing: the provider (the node's) gathers the state when a scrape arrives.
//
// Bounds (STYLE.md 13): at most max_connections open at once (more are closed at accept), a
// request header of at most max_header_bytes (more: 431) and no body (413), and one deadline for
// reading the request and writing the response (timeout), past which the connection is closed.
// After its answer a connection is held until the client closes it, at most min(1 s, timeout).
//
// Threading: every member, and the provider, run on the one thread that runs the io_context
// passed in; the provider must outlive the listener's last handler (stop() and io_context
// destruction end them).
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

struct metrics_listener_options {
  std::size_t max_connections = 16;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::milliseconds timeout{5000};  // to read the request and write the response
};

struct metrics_listener_stats {
  std::uint64_t scrapes = 0;           // 200 responses (GET or HEAD /metrics)
  std::uint64_t refused = 0;           // 404, 405 and the listener's 400, 413 and 431 responses
  std::uint64_t refused_over_cap = 0;  // closed at accept: max_connections open
  std::uint64_t failed = 0;  // read or write errors, timeouts (closed), a provider that threw (500)
};

class metrics_listener {
 public:
  using provider = std::function<std::string()>;

  // Binds and listens; throws boost::system::system_error (e.g. address_in_use) on failure.
  metrics_listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                   provider text, metrics_listener_options options = {});
  ~metrics_listener();  // stop()
  metrics_listener(const metrics_listener&) = delete;
  metrics_listener& operator=(const metrics_listener&) = delete;

  void start();
  // Stops accepting and closes every connection; idempotent.
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // The counts as of this call: the handler's plus the HTTP listener's.
  metrics_listener_stats stats() const noexcept;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

// The content type of the Prometheus text format this listener serves.
inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace vote::net
