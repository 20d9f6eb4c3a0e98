// One byte stream over TCP, plain or TLS (tls.hpp), so that the client listener, the peer links
// and the clients have one session code path whichever the deployment uses.
//
// It models Asio's AsyncReadStream and AsyncWriteStream (async_read_some, async_write_some,
// get_executor), so asio::async_write and co_await work on it as on a socket; each operation
// goes to the TLS stream or to the socket, decided once at construction. Any completion token
// works (callbacks, use_awaitable, as_tuple, redirect_error).
//
// Lifetime rule (TLS): an operation in flight refers to the stream's insides, so the stream must
// outlive its operations' completions: the owners keep it in the object their handlers capture
// (a session, a peer link's shared connection), never destroy it with an operation pending.
// close() closes the socket at once (pending operations complete with operation_aborted); it
// sends no TLS close_notify: every protocol here is framed, a truncation cannot pass as an end.
// Threading: like a socket: one executor, at most one read and one write in flight.
#pragma once

#include <utility>
#include <variant>

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "vote/net/tls.hpp"

namespace vote::net {

class stream {
 public:
  using tcp = boost::asio::ip::tcp;
  using executor_type = tcp::socket::executor_type;

  explicit stream(tcp::socket socket) : s_(std::move(socket)) {}
  // TLS over `socket` when `tls` is set, else plain.
  stream(tcp::socket socket, tls_context* tls)
      : s_(tls ? variant(std::in_place_type<tls_stream>, std::move(socket), *tls)
               : variant(std::move(socket))) {}
  // Not connected yet (connect socket() first).
  stream(const executor_type& ex, tls_context* tls) : stream(tcp::socket(ex), tls) {}

  executor_type get_executor() { return socket().get_executor(); }
  tcp::socket& socket() {
    if (auto* t = std::get_if<tls_stream>(&s_)) return t->next_layer();
    return std::get<tcp::socket>(s_);
  }
  bool is_tls() const noexcept { return std::holds_alternative<tls_stream>(s_); }
  tls_stream* tls() noexcept { return std::get_if<tls_stream>(&s_); }

  void close() noexcept {
    boost::system::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          if (auto* t = tls()) return t->async_read_some(b, std::move(handler));
          std::get<tcp::socket>(s_).async_read_some(b, std::move(handler));
        },
        token, buffers);
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const Buffers& b) {
          if (auto* t = tls()) return t->async_write_some(b, std::move(handler));
          std::get<tcp::socket>(s_).async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

 private:
  using variant = std::variant<tcp::socket, tls_stream>;
  variant s_;
};

}  // namespace vote::net
