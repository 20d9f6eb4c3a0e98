// The web adapter (HTTP/1.1, or HTTPS with the server's TLS context; Boost.Beast): the transport
// of the voters' pages and their JSON API (docs/web.md). It owns the sockets and decides nothing:
// each complete request goes to an http_handler (the node's web gateway), whose one answer is
// written back. It adds the same security headers to every response (a strict
// Content-Security-Policy, no sniffing, no framing, no referrer) and never sets a cookie.
//
// Bounds (STYLE.md 13), all checked before a request costs more than its bytes:
//   - at most max_connections open at once, at most max_connections_per_address from one
//     source address (more are closed at accept, so one address never holds more than its share);
//   - a request header of at most max_header_bytes and a body of at most max_body_bytes (more:
//     431 / 413 with a JSON refusal, and the connection is closed);
//   - one deadline (timeout) for the TLS handshake and each request: reading it, the handler's
//     answer and writing the response; an idle keep-alive connection is closed after
//     idle_timeout; at most max_requests_per_connection requests on one connection.
// Only GET, HEAD and POST (GET and HEAD without allow_post) are served (405 with `Allow`
// otherwise).
//
// Threading: every member, and the handler, run on the one thread that runs the io_context
// passed in; the handler must outlive the listener's last handler (stop() and io_context
// destruction end them). A handler may answer later (after forwarding a request): `respond` may
// be called after the connection closed (the answer is then dropped), exactly once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "vote/net/tls.hpp"

namespace vote::net {

struct http_request {
  std::string method;  // "GET", "HEAD" or "POST"
  std::string target;  // as sent: path and query ("/api/v1/request", "/vote?x=1")
  std::string path;    // target without the query
  std::string content_type;
  std::string body;
  std::string remote_address;  // the source address, e.g. "127.0.0.1"
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra headers (e.g. Cache-Control, ETag, Retry-After, Allow). The security headers are the
  // listener's and are always added.
  std::vector<std::pair<std::string, std::string>> headers;
};

using http_respond = std::function<void(http_response)>;

class http_handler {
 public:
  virtual ~http_handler() = default;
  virtual void on_http(http_request request, http_respond respond) = 0;
};

struct http_listener_options {
  std::shared_ptr<tls_context> tls;  // nullptr: plain HTTP
  std::size_t max_connections = 1024;
  // A class behind one NAT address: browsers open up to 6 connections to a server each.
  std::size_t max_connections_per_address = 128;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_requests_per_connection = 100;
  std::chrono::milliseconds timeout{15000};  // handshake; each request's read, answer and write
  std::chrono::milliseconds idle_timeout{30000};
  bool allow_post = true;  // false: POST is refused 405 like other methods (a read-only endpoint)
  std::string log_name = "web";  // names this listener in its log lines
};

struct http_listener_stats {
  std::uint64_t requests = 0;          // requests handed to the handler
  std::uint64_t refused = 0;           // answered by the listener itself: 400, 405, 413, 431
  std::uint64_t refused_over_cap = 0;  // closed at accept: max_connections, or per address
  std::uint64_t failed = 0;  // handshake, read or write errors, timeouts (connection closed)
  std::size_t open_connections = 0;
};

// The Content-Security-Policy of every response: only this origin's own scripts, styles, images
// and API; no inline script or style, no plugins, no framing, forms only to this origin.
inline constexpr const char* http_content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

class http_listener {
 public:
  // Binds and listens; throws boost::system::system_error (e.g. address_in_use) on failure.
  http_listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                http_handler& handler, http_listener_options options = {});
  ~http_listener();  // stop()
  http_listener(const http_listener&) = delete;
  http_listener& operator=(const http_listener&) = delete;

  void start();
  // Stops accepting and closes every connection; idempotent.
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  const http_listener_stats& stats() const noexcept;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace vote::net
