// One request/response exchange over a connected TCP stream, plain or TLS (docs/protocol.md
// framing and transport).
//
// Coroutines on the caller's executor; they impose no deadline themselves: the caller bounds
// them (call.cpp runs them on a private io_context until a deadline; the bench races them against
// a timer). Errors are thrown: boost::system::system_error for I/O, exchange_error for a frame or
// response the client cannot use.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "vote/net/stream.hpp"
#include "vote/wire/frame.hpp"
#include "vote/wire/messages.hpp"

namespace vote::client {

// A response that is not a well-formed frame carrying a well-formed response.
class exchange_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The server was refused before any request reached it: its TLS certificate is not trusted
// (`untrusted`: the client must not talk to that address again in this call), the TLS handshake
// failed, or a plaintext connection got a TLS answer.
class tls_refused : public std::runtime_error {
 public:
  tls_refused(const std::string& what, bool untrusted)
      : std::runtime_error(what), untrusted_(untrusted) {}
  bool untrusted() const noexcept { return untrusted_; }

 private:
  bool untrusted_;
};

// A TCP connection plus the bytes received but not yet consumed (a frame may arrive in pieces,
// and a pipelined server may send more than one).
struct connection {
  explicit connection(net::stream s) : stream(std::move(s)) {}
  explicit connection(boost::asio::ip::tcp::socket s) : stream(std::move(s)) {}
  net::stream stream;
  std::string pending;
};

// Once connected: a TLS stream handshakes as a client, verifying that the server's certificate
// chains to the CA and names the IP address connected to (throws tls_refused otherwise); a
// plain one does nothing.
boost::asio::awaitable<void> async_secure(connection& c);

// `request_json` and `sent` must outlive the coroutine.
// Writes `request_json` as one frame. `sent` becomes true before the first byte is handed to the
// socket: from then on the server may have received the request.
boost::asio::awaitable<void> async_write_request(connection& c, std::string_view request_json,
                                                 bool& sent);

// Reads exactly one frame and returns its payload. The payload may be at most `max_payload`. A
// TLS record where a frame should start, on a plain connection, throws tls_refused.
boost::asio::awaitable<std::string> async_read_payload(
    connection& c, std::size_t max_payload = wire::default_max_frame_payload);

// async_write_request + async_read_payload + decode_response.
boost::asio::awaitable<wire::client_response> async_exchange(
    connection& c, std::string_view request_json, bool& sent,
    std::size_t max_payload = wire::default_max_frame_payload);

}  // namespace vote::client
