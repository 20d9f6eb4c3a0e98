// Fetching a record from one server over the clients' framed transport
// (include/vote/verify/fetch.hpp).
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "vote/client/exchange.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/net/stream.hpp"
#include "vote/verify/fetch.hpp"

namespace vote::verify {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Asks for chunks on one connection until the record is complete. Errors are thrown
// (boost::system::system_error, client::exchange_error) or set in `out`.
asio::awaitable<void> fetch_coro(net::endpoint target, std::string election_id,
                                 const fetch_options& options, fetch_result& out) {
  const auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  const auto port = std::to_string(target.port);
  const auto endpoints = co_await resolver.async_resolve(target.host, port, asio::use_awaitable);
  client::connection c{net::stream(ex, options.tls.get())};
  co_await asio::async_connect(c.stream.socket(), endpoints, asio::use_awaitable);
  co_await client::async_secure(c);
  record_assembler assembler(options.max_record_bytes);
  for (int reply = 1; !assembler.complete(); ++reply) {
    const std::string request = record_request(election_id, assembler.next_offset());
    bool sent = false;
    co_await client::async_write_request(c, request, sent);
    const std::string payload = co_await client::async_read_payload(c, options.max_reply_bytes);
    auto decoded = decode_record_reply(payload);
    if (auto* e = std::get_if<parse_error>(&decoded)) {
      out.error = "reply " + std::to_string(reply) + ": " + e->message;
      co_return;
    }
    if (auto* r = std::get_if<record_refusal>(&decoded)) {
      out.refused = true;
      out.error = "the server refused: " + r->code + ": " + r->message;
      co_return;
    }
    if (auto problem = assembler.add(std::get<record_chunk>(std::move(decoded)))) {
      out.error = "reply " + std::to_string(reply) + ": " + *problem;
      co_return;
    }
  }
  out.bytes = assembler.take();
}

}  // namespace

fetch_result fetch_record(std::string_view server, std::string_view election_id,
                          const fetch_options& options) {
  fetch_result out;
  const auto target = net::parse_endpoint(server);
  if (!target) {
    out.error = "not HOST:PORT";
    return out;
  }
  bool done = false;
  {
    asio::io_context io;  // destroyed before `out` is read: an abandoned coroutine ends with it
    asio::co_spawn(io, fetch_coro(*target, std::string(election_id), options, out),
                   [&out, &done](std::exception_ptr e) {
                     done = true;
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const boost::system::system_error& se) {
                       out.error = se.code().message();
                     } catch (const std::exception& other) {
                       out.error = other.what();
                     }
                   });
    io.run_for(options.timeout);
  }
  if (!done) {
    out.bytes.reset();
    out.error = "no complete record within " + std::to_string(options.timeout.count()) + " ms";
  }
  return out;
}

}  // namespace vote::verify
