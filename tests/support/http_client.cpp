// One HTTP/1.1 exchange with a server on 127.0.0.1 (http_client.hpp).
#include "support/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vote::test {

std::optional<http_answer> http_call(std::uint16_t port, boost::beast::http::verb method,
                                     const std::string& target, const std::string& body,
                                     std::chrono::milliseconds timeout,
                                     const std::string& content_type) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, content_type);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> res;
  res.body_limit(16u << 20);
  bool done = false;
  stream.expires_after(timeout);
  stream.async_connect(
      {boost::asio::ip::make_address_v4("127.0.0.1"), port}, [&](beast::error_code ec) {
        if (ec) return;
        http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
          if (wec) return;
          http::async_read(stream, buffer, res,
                           [&](beast::error_code rec, std::size_t) { done = !rec; });
        });
      });
  io.run_for(timeout + std::chrono::seconds(1));
  if (!done) return std::nullopt;
  http_answer a;
  a.status = res.get().result_int();
  for (const auto& f : res.get()) a.headers[std::string(f.name_string())] = std::string(f.value());
  a.body = res.get().body();
  return a;
}

}  // namespace vote::test
