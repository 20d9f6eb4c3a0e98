// Framed request/response exchange (include/vote/client/exchange.hpp).
#include "vote/client/exchange.hpp"

#include <array>

#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
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
  co_await asio::async_write(c.stream, asio::buffer(frame), asio::use_awaitable);
}

asio::awaitable<void> async_secure(connection& c) {
  auto* tls = c.stream.tls();
  if (!tls) co_return;
  boost::system::error_code ec;
  const auto server = c.stream.socket().remote_endpoint(ec);
  if (ec) throw boost::system::system_error(ec);
  net::verify_server_ip(*tls, server.address().to_string());
  co_await tls->async_handshake(net::tls_stream::client,
                                asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    throw tls_refused(net::describe_handshake_failure(*tls, ec), net::certificate_refused(*tls));
  }
}

namespace {

// A TLS record header (content type alert or handshake, version 3.x): what a TLS server sends a
// client that spoke plain frames to it.
bool looks_like_tls(std::string_view bytes) {
  return bytes.size() >= 2 && (bytes[0] == 0x15 || bytes[0] == 0x16) && bytes[1] == 0x03;
}

tls_refused plain_to_tls() {
  return tls_refused(
      "the server speaks TLS: give --tls-ca FILE (or set VOTE_TLS_CA) with the cluster's CA",
      false);
}

}  // namespace

asio::awaitable<std::string> async_read_payload(connection& c, std::size_t max_payload) {
  std::array<char, 16 * 1024> chunk{};
  for (;;) {
    const auto d = wire::decode_frame(c.pending, max_payload);
    if (d.st == wire::frame_decode::status::error) {
      if (!c.stream.is_tls() && looks_like_tls(c.pending)) {
        throw plain_to_tls();
      }
      throw exchange_error("bad response frame: " + d.error);
    }
    if (d.st == wire::frame_decode::status::frame) {
      if (d.type != wire::frame_type::json) throw exchange_error("unexpected frame type");
      std::string payload(d.payload);
      c.pending.erase(0, d.consumed);
      co_return payload;
    }
    boost::system::error_code ec;
    const auto n = co_await c.stream.async_read_some(asio::buffer(chunk),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec && !c.stream.is_tls() && looks_like_tls(c.pending)) throw plain_to_tls();
    if (ec) throw boost::system::system_error(ec);
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
