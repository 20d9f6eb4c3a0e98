// Framed request/response exchange (include/vote/client/exchange.hpp).
#include "vote/client/exchange.hpp"

#include <array>

#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace vote::client {

namespace asio = boost::asio;

asio::awaitable<void> async_write_request(connection& c, std::string_view request_json,
                                          bool& sent) {
  std::string frame;
  frame.reserve(wire::frame_header_size + request_json.size());
  wire::encode_frame(request_json, frame);
  sent = true;
  co_await asio::async_write(c.socket, asio::buffer(frame), asio::use_awaitable);
}

asio::awaitable<std::string> async_read_payload(connection& c, std::size_t max_payload) {
  std::array<char, 16 * 1024> chunk{};
  for (;;) {
    const auto d = wire::decode_frame(c.pending, max_payload);
    if (d.st == wire::frame_decode::status::error) {
      throw exchange_error("bad response frame: " + d.error);
    }
    if (d.st == wire::frame_decode::status::frame) {
      if (d.type != wire::frame_type::json) throw exchange_error("unexpected frame type");
      std::string payload(d.payload);
      c.pending.erase(0, d.consumed);
      co_return payload;
    }
    const auto n = co_await c.socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
    c.pending.append(chunk.data(), n);
  }
}

asio::awaitable<wire::client_response> async_exchange(connection& c, std::string_view request_json,
                                                      bool& sent, std::size_t max_payload) {
  co_await async_write_request(c, request_json, sent);
  const auto payload = co_await async_read_payload(c, max_payload);
  auto decoded = wire::decode_response(payload);
  if (auto* error = std::get_if<wire::decode_error>(&decoded)) {
    throw exchange_error("bad response: " + error->message);
  }
  co_return std::get<wire::client_response>(std::move(decoded));
}

}  // namespace vote::client
