// One request/response exchange over a connected TCP socket (docs/protocol.md framing).
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

#include "vote/wire/frame.hpp"
#include "vote/wire/messages.hpp"

namespace vote::client {

// A response that is not a well-formed frame carrying a well-formed response.
class exchange_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A TCP connection plus the bytes received but not yet consumed (a frame may arrive in pieces,
// and a pipelined server may send more than one).
struct connection {
  explicit connection(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
  boost::asio::ip::tcp::socket socket;
  std::string pending;
};

// `request_json` and `sent` must outlive the coroutine.
// Writes `request_json` as one frame. `sent` becomes true before the first byte is handed to the
// socket: from then on the server may have received the request.
boost::asio::awaitable<void> async_write_request(connection& c, std::string_view request_json,
                                                 bool& sent);

// Reads exactly one frame and returns its payload. The payload may be at most `max_payload`.
boost::asio::awaitable<std::string> async_read_payload(
    connection& c, std::size_t max_payload = wire::default_max_frame_payload);

// async_write_request + async_read_payload + decode_response.
boost::asio::awaitable<wire::client_response> async_exchange(
    connection& c, std::string_view request_json, bool& sent,
    std::size_t max_payload = wire::default_max_frame_payload);

}  // namespace vote::client
