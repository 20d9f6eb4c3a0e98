// The web adapter on real loopback sockets, the io_context run by the test thread: requests reach
// the handler and its answers come back with the security headers, over HTTP and HTTPS, now or
// later; the edge is bounded (body, header, methods, connection caps, deadlines) and refusals are
// the listener's own JSON; stop() with an answer pending leaves a late answer harmless.
#include "vote/net/http_listener.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_pki.hpp"

namespace vote::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;

// Answers "<method> <path> <body>" now, later (posted), never (keeps `respond`), or throws.
class fake_handler : public http_handler {
 public:
  enum class mode { now, later, never, throws };

  explicit fake_handler(asio::io_context& io) : io_(io) {}

  void on_http(http_request request, http_respond respond) override {
    seen.push_back(request);
    switch (how) {
      case mode::now:
        return respond(answer(request));
      case mode::later:
        return asio::post(io_, [respond, request] { respond(answer(request)); });
      case mode::never:
        pending.push_back(std::move(respond));
        return;
      case mode::throws:
        throw std::runtime_error("handler bug");
    }
  }

  static http_response answer(const http_request& r) {
    return http_response{.body = r.method + " " + r.path + " " + r.body,
                         .headers = {{"Cache-Control", "no-store"}, {"Set-Cookie", "a=b"}}};
  }

  mode how = mode::now;
  std::vector<http_request> seen;
  std::vector<http_respond> pending;

 private:
  asio::io_context& io_;
};

class HttpListenerTest : public ::testing::Test {
 protected:
  void listen(http_listener_options o = {}) {
    listener_ = std::make_unique<http_listener>(
        io_, tcp::endpoint{asio::ip::make_address_v4("127.0.0.1"), 0}, handler_, std::move(o));
    listener_->start();
  }

  // A client connection, from `from` (another loopback address stands for another machine).
  std::unique_ptr<tcp::socket> connect(const char* from = "127.0.0.1") {
    auto s = std::make_unique<tcp::socket>(io_);
    s->open(tcp::v4());
    s->bind({asio::ip::make_address_v4(from), 0});
    s->connect(listener_->local_endpoint());
    return s;
  }

  // Runs the io_context until `done` (false if it did not within 5 s).
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_for(10ms);
    return done();
  }

  // Writes `request` (may be empty), half-closes, reads until the server closes; "(still open)"
  // if it did not.
  std::string exchange(tcp::socket& s, const std::string& request) {
    bool closed = false;
    std::string in;
    auto reading = [&] {
      error_code ignored;
      s.shutdown(tcp::socket::shutdown_send, ignored);
      asio::async_read(s, asio::dynamic_buffer(in),
                       [&](error_code, std::size_t) { closed = true; });
    };
    asio::async_write(s, asio::buffer(request), [&](error_code, std::size_t) { reading(); });
    return run_until([&] { return closed; }) ? in : std::string("(still open)");
  }

  // One request and its response over a kept-alive stream (plain or TLS).
  template <class Stream>
  http::response<http::string_body> roundtrip(Stream& s, http::verb verb, const std::string& target,
                                              const std::string& body = "") {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = body;
    req.prepare_payload();
    http::response<http::string_body> res;
    bool done = false;
    http::async_write(s, req, [&](error_code ec, std::size_t) {
      if (ec) {
        done = true;
        return;
      }
      http::async_read(s, buffer_, res, [&](error_code, std::size_t) { done = true; });
    });
    EXPECT_TRUE(run_until([&] { return done; }));
    return res;
  }

  asio::io_context io_;
  fake_handler handler_{io_};
  std::unique_ptr<http_listener> listener_;
  boost::beast::flat_buffer buffer_;
};

bool has_header(const std::string& response, const std::string& line) {
  return response.find("\r\n" + line + "\r\n") != std::string::npos;
}

std::string body_of(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string("(no header end)") : response.substr(end + 4);
}

const std::string get_close = "GET /x?y=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

TEST_F(HttpListenerTest, GetIsAnsweredByTheHandlerWithTheSecurityHeaders) {
  listen();
  auto s = connect();
  const auto out = exchange(*s, get_close);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_EQ(body_of(out), "GET /x ");
  EXPECT_TRUE(
      has_header(out, std::string("Content-Security-Policy: ") + http_content_security_policy))
      << out;
  for (const char* line :
       {"X-Content-Type-Options: nosniff", "X-Frame-Options: DENY", "Referrer-Policy: no-referrer",
        "Cross-Origin-Opener-Policy: same-origin", "Cross-Origin-Resource-Policy: same-origin",
        "Permissions-Policy: camera=(), microphone=(), geolocation=()",
        "Content-Type: text/plain; charset=utf-8", "Cache-Control: no-store"}) {
    EXPECT_TRUE(has_header(out, line)) << line << "\n" << out;
  }
  EXPECT_EQ(out.find("Set-Cookie"), std::string::npos) << out;
  EXPECT_EQ(out.find("Server:"), std::string::npos) << out;
  EXPECT_EQ(out.find("Strict-Transport-Security"), std::string::npos) << out;
  ASSERT_EQ(handler_.seen.size(), 1u);
  EXPECT_EQ(handler_.seen[0].method, "GET");
  EXPECT_EQ(handler_.seen[0].target, "/x?y=1");
  EXPECT_EQ(handler_.seen[0].path, "/x");
  EXPECT_EQ(handler_.seen[0].remote_address, "127.0.0.1");
  EXPECT_EQ(listener_->stats().requests, 1u);
}

TEST_F(HttpListenerTest, PostBodyArrivesIntact) {
  listen();
  auto s = connect();
  const std::string body = std::string("{\"a\":\"\xc3\xa9\"}\r\n\0tail", 16);
  const auto out = exchange(*s,
                            "POST /api/v1/request HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                            "Content-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  ASSERT_EQ(handler_.seen.size(), 1u);
  EXPECT_EQ(handler_.seen[0].method, "POST");
  EXPECT_EQ(handler_.seen[0].content_type, "application/json");
  EXPECT_EQ(handler_.seen[0].body, body);
}

TEST_F(HttpListenerTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  listen();
  auto s = connect();
  asio::write(*s, asio::buffer(std::string("POST /p HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                                           "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n")));
  std::string interim;
  bool got = false;
  asio::async_read_until(*s, asio::dynamic_buffer(interim), "\r\n\r\n",
                         [&](error_code, std::size_t) { got = true; });
  ASSERT_TRUE(run_until([&] { return got; }));
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  const auto out = exchange(*s, "body");
  EXPECT_EQ(body_of(out), "POST /p body") << out;
}

TEST_F(HttpListenerTest, BodyOverTheLimitIs413AndNeverReachesTheHandler) {
  listen({.max_body_bytes = 1000});
  auto s = connect();
  const auto out = exchange(*s, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" +
                                    std::string(100000, 'x'));
  EXPECT_EQ(out.rfind("HTTP/1.1 413 ", 0), 0u) << out.substr(0, 200);
  EXPECT_TRUE(has_header(out, "Content-Type: application/json")) << out;
  EXPECT_TRUE(has_header(out, "X-Frame-Options: DENY")) << out;
  EXPECT_NE(body_of(out).find("\"code\":\"too_large\""), std::string::npos) << out;
  EXPECT_EQ(nlohmann::json::parse(body_of(out)),
            nlohmann::json::parse(R"({"ok":false,"request_id":"","error":{"code":"too_large",
                "message":"Error: the request body is larger than 1000 bytes."}})"));
  EXPECT_TRUE(handler_.seen.empty());
  EXPECT_EQ(listener_->stats().refused, 1u);
}

TEST_F(HttpListenerTest, HeaderOverTheLimitIs431) {
  listen({.max_header_bytes = 1024});
  auto s = connect();
  const auto out =
      exchange(*s, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(4000, 'y') + "\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 431 ", 0), 0u) << out.substr(0, 200);
  EXPECT_NE(body_of(out).find("\"code\":\"too_large\""), std::string::npos) << out;
  EXPECT_TRUE(handler_.seen.empty());
}

TEST_F(HttpListenerTest, MalformedRequestIs400) {
  listen();
  auto s = connect();
  const auto out = exchange(*s, "GET / HTTP/1.1\r\nHost a\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400 ", 0), 0u) << out;
  EXPECT_NE(body_of(out).find("\"code\":\"bad_request\""), std::string::npos) << out;
  EXPECT_TRUE(handler_.seen.empty());
}

TEST_F(HttpListenerTest, PutIs405WithAllowAndKeepsTheConnection) {
  listen();
  auto s = connect();
  const auto refused = roundtrip(*s, http::verb::put, "/x", "data");
  EXPECT_EQ(refused.result_int(), 405u);
  EXPECT_EQ(refused[http::field::allow], "GET, HEAD, POST");
  EXPECT_NE(refused.body().find("only GET, HEAD and POST are allowed"), std::string::npos);
  EXPECT_TRUE(handler_.seen.empty());
  const auto served = roundtrip(*s, http::verb::get, "/after");
  EXPECT_EQ(served.body(), "GET /after ");
}

TEST_F(HttpListenerTest, TwoRequestsShareOneKeepAliveConnection) {
  listen();
  auto s = connect();
  EXPECT_EQ(roundtrip(*s, http::verb::get, "/one").body(), "GET /one ");
  EXPECT_EQ(roundtrip(*s, http::verb::post, "/two", "b").body(), "POST /two b");
  EXPECT_EQ(listener_->stats().requests, 2u);
  EXPECT_EQ(listener_->stats().open_connections, 1u);
}

TEST_F(HttpListenerTest, MaxRequestsPerConnectionClosesAfterTheLast) {
  listen({.max_requests_per_connection = 2});
  auto s = connect();
  EXPECT_TRUE(roundtrip(*s, http::verb::get, "/one").keep_alive());
  const auto last = roundtrip(*s, http::verb::get, "/two");
  EXPECT_EQ(last.body(), "GET /two ");
  EXPECT_FALSE(last.keep_alive());
  EXPECT_EQ(exchange(*s, ""), "");
}

TEST_F(HttpListenerTest, AnAnswerThatComesLaterIsWritten) {
  listen();
  handler_.how = fake_handler::mode::later;
  auto s = connect();
  EXPECT_EQ(roundtrip(*s, http::verb::get, "/later").body(), "GET /later ");
  EXPECT_EQ(roundtrip(*s, http::verb::get, "/again").body(), "GET /again ");
}

TEST_F(HttpListenerTest, AHandlerThatThrowsIsAnswered500) {
  listen();
  handler_.how = fake_handler::mode::throws;
  auto s = connect();
  const auto out = exchange(*s, get_close);
  EXPECT_EQ(out.rfind("HTTP/1.1 500 ", 0), 0u) << out;
  EXPECT_NE(body_of(out).find("\"code\":\"internal\""), std::string::npos) << out;
}

TEST_F(HttpListenerTest, AHandlerThatNeverAnswersIsClosedAtTheDeadline) {
  listen({.timeout = 200ms});
  handler_.how = fake_handler::mode::never;
  auto s = connect();
  EXPECT_EQ(exchange(*s, get_close), "");  // closed, no answer
  EXPECT_EQ(listener_->stats().failed, 1u);
  EXPECT_EQ(listener_->stats().open_connections, 0u);
  ASSERT_EQ(handler_.pending.size(), 1u);
  handler_.pending[0](fake_handler::answer(handler_.seen[0]));  // dropped
  handler_.pending[0](fake_handler::answer(handler_.seen[0]));  // a second call too
  io_.poll();
}

TEST_F(HttpListenerTest, AnIdleKeepAliveConnectionIsClosedWithoutFailure) {
  listen({.idle_timeout = 100ms});
  auto s = connect();
  EXPECT_EQ(roundtrip(*s, http::verb::get, "/").result_int(), 200u);
  EXPECT_TRUE(run_until([&] { return listener_->stats().open_connections == 0; }));
  EXPECT_EQ(listener_->stats().failed, 0u);
}

TEST_F(HttpListenerTest, ConnectionsOverThePerAddressCapAreClosedAtAcceptAndLeaveRoomForOthers) {
  listen({.max_connections = 3, .max_connections_per_address = 2});
  // One address opens its two and more, sending nothing: the extra ones are closed at once and
  // hold no slot, so another address is still served.
  auto a1 = connect();
  auto a2 = connect();
  ASSERT_TRUE(run_until([&] { return listener_->stats().open_connections == 2; }));
  auto a3 = connect();
  auto a4 = connect();
  EXPECT_EQ(exchange(*a3, ""), "");
  EXPECT_EQ(exchange(*a4, ""), "");
  EXPECT_EQ(listener_->stats().refused_over_cap, 2u);
  EXPECT_EQ(listener_->stats().open_connections, 2u);
  auto other = connect("127.0.0.2");
  EXPECT_EQ(exchange(*other, get_close).rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_EQ(exchange(*a1, get_close).rfind("HTTP/1.1 200 ", 0), 0u);
}

TEST_F(HttpListenerTest, ConnectionsOverTheCapAreClosedAtAccept) {
  listen({.max_connections = 1});
  auto first = connect();
  ASSERT_TRUE(run_until([&] { return listener_->stats().open_connections == 1; }));
  auto second = connect();
  EXPECT_EQ(exchange(*second, ""), "");
  EXPECT_EQ(listener_->stats().refused_over_cap, 1u);
  EXPECT_EQ(listener_->stats().open_connections, 1u);
}

TEST_F(HttpListenerTest, HeadHasTheLengthOfTheBodyButNoBody) {
  listen();
  auto s = connect();
  const auto out = exchange(*s, "HEAD /page HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_TRUE(has_header(out, "Content-Length: 11")) << out;  // "HEAD /page "
  EXPECT_EQ(body_of(out), "");
  ASSERT_EQ(handler_.seen.size(), 1u);
  EXPECT_EQ(handler_.seen[0].method, "HEAD");
}

TEST_F(HttpListenerTest, StopWithAnAnswerPendingDropsTheLateAnswer) {
  listen();
  handler_.how = fake_handler::mode::never;
  auto s = connect();
  asio::write(*s, asio::buffer(get_close));
  ASSERT_TRUE(run_until([&] { return handler_.seen.size() == 1; }));
  listener_->stop();
  listener_->stop();
  EXPECT_EQ(listener_->stats().open_connections, 0u);
  handler_.pending[0](fake_handler::answer(handler_.seen[0]));
  listener_.reset();
  handler_.pending[0](fake_handler::answer(handler_.seen[0]));
  EXPECT_EQ(exchange(*s, ""), "");
}

class HttpListenerTlsTest : public HttpListenerTest {
 protected:
  void listen_tls() {
    const auto server = pki_.issue("server");
    listen({.tls = make_server_context({server.cert, server.key, pki_.ca()})});
  }
  vote::test::test_pki pki_;
};

TEST_F(HttpListenerTlsTest, ServesHttpsWithStrictTransportSecurity) {
  listen_tls();
  const auto client_context = make_client_context(pki_.ca());
  asio::ssl::stream<tcp::socket> s(io_, *client_context);
  s.next_layer().connect(listener_->local_endpoint());
  bool shaken = false;
  error_code handshake_ec;
  s.async_handshake(asio::ssl::stream_base::client, [&](error_code ec) {
    handshake_ec = ec;
    shaken = true;
  });
  ASSERT_TRUE(run_until([&] { return shaken; }));
  ASSERT_FALSE(handshake_ec) << handshake_ec.message();
  const auto res = roundtrip(s, http::verb::get, "/secure");
  EXPECT_EQ(res.body(), "GET /secure ");
  EXPECT_EQ(res["Strict-Transport-Security"], "max-age=31536000");
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
}

TEST_F(HttpListenerTlsTest, PlainHttpToTheTlsPortIsClosedAndCounted) {
  listen_tls();
  auto s = connect();
  EXPECT_NE(exchange(*s, get_close), "(still open)");
  EXPECT_TRUE(run_until([&] { return listener_->stats().failed == 1; }));
  EXPECT_TRUE(handler_.seen.empty());
  EXPECT_EQ(listener_->stats().open_connections, 0u);
}

}  // namespace
}  // namespace vote::net
