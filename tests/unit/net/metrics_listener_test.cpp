// The metrics adapter on a real loopback socket: GET (and HEAD) /metrics answers the provider's
// text, and the edge is bounded: an oversized header is refused, a silent connection is closed at
// the deadline, connections over the cap are closed at accept.
#include "vote/net/metrics_listener.hpp"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace vote::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class MetricsListenerTest : public ::testing::Test {
 protected:
  void listen(metrics_listener_options o = {}) {
    listen_with(
        [this] {
          ++provided_;
          return std::string("# HELP vote_x x\n# TYPE vote_x gauge\nvote_x 1\n");
        },
        o);
  }
  void listen_with(metrics_listener::provider p, metrics_listener_options o = {}) {
    listener_ = std::make_unique<metrics_listener>(
        io_, tcp::endpoint{asio::ip::make_address_v4("127.0.0.1"), 0}, std::move(p), o);
    listener_->start();
  }

  std::unique_ptr<tcp::socket> connect() {
    auto s = std::make_unique<tcp::socket>(io_);
    s->connect(listener_->local_endpoint());
    return s;
  }

  // Writes `request` (may be empty) and reads until the server closes; "" if it did not within
  // 3 s.
  std::string exchange(tcp::socket& s, const std::string& request) {
    bool closed = false;
    std::string in;
    auto reading = [&] {
      asio::async_read(s, asio::dynamic_buffer(in),
                       [&](boost::system::error_code, std::size_t) { closed = true; });
    };
    if (request.empty()) {
      reading();
    } else {
      asio::async_write(s, asio::buffer(request),
                        [&](boost::system::error_code, std::size_t) { reading(); });
    }
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (!closed && std::chrono::steady_clock::now() < deadline) io_.run_one_for(20ms);
    return closed ? in : std::string("(still open)");
  }

  void run_for(std::chrono::milliseconds d) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < deadline) io_.run_one_for(10ms);
  }

  asio::io_context io_;
  std::unique_ptr<metrics_listener> listener_;
  int provided_ = 0;
};

TEST_F(MetricsListenerTest, GetMetricsAnswersTheProvidersTextAndCloses) {
  listen();
  auto s = connect();
  const auto out = exchange(*s, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\n\r\n# HELP vote_x x\n# TYPE vote_x gauge\nvote_x 1\n"),
            std::string::npos);
  EXPECT_EQ(provided_, 1);
  EXPECT_EQ(listener_->stats().scrapes, 1u);
}

TEST_F(MetricsListenerTest, OtherPathsAre404AndOtherMethods405) {
  listen();
  auto a = connect();
  EXPECT_EQ(exchange(*a, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  auto b = connect();
  const auto out = exchange(*b, "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 405", 0), 0u) << out;
  EXPECT_NE(out.find("Allow: GET, HEAD\r\n"), std::string::npos);
  auto c = connect();
  const auto post = exchange(*c, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_EQ(provided_, 0);
  EXPECT_EQ(listener_->stats().refused, 3u);
  EXPECT_EQ(listener_->stats().scrapes, 0u);
}

TEST_F(MetricsListenerTest, HeadMetricsAnswersTheLengthWithoutTheText) {
  listen();
  auto s = connect();
  const auto out = exchange(*s, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("Content-Length: 45\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");  // no body
  EXPECT_EQ(listener_->stats().scrapes, 1u);
}

TEST_F(MetricsListenerTest, AProviderThatThrowsFailsOneScrapeNotTheServer) {
  listen_with([]() -> std::string { throw std::invalid_argument("bad metric name"); });
  auto s = connect();
  const auto out = exchange(*s, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 500", 0), 0u) << out;
  EXPECT_NE(out.find("\r\n\r\ninternal error\n"), std::string::npos) << out;
  EXPECT_EQ(listener_->stats().failed, 1u);
  EXPECT_EQ(listener_->stats().scrapes, 0u);
}

TEST_F(MetricsListenerTest, AnOversizedHeaderIsRefused) {
  listen({.max_connections = 16, .max_header_bytes = 1024, .timeout = 3000ms});
  auto s = connect();
  const auto out = exchange(
      *s, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0u) << out.substr(0, 100);
  EXPECT_EQ(provided_, 0);
  EXPECT_EQ(listener_->stats().refused, 1u);
}

TEST_F(MetricsListenerTest, ASilentConnectionIsClosedAtTheDeadline) {
  listen({.max_connections = 16, .max_header_bytes = 8192, .timeout = 100ms});
  auto s = connect();
  EXPECT_EQ(exchange(*s, ""), "");  // closed without an answer
  EXPECT_EQ(listener_->stats().failed, 1u);
}

TEST_F(MetricsListenerTest, ConnectionsOverTheCapAreClosedAtAccept) {
  listen({.max_connections = 2, .max_header_bytes = 8192, .timeout = 3000ms});
  auto a = connect();
  auto b = connect();
  run_for(100ms);  // both accepted
  auto c = connect();
  EXPECT_EQ(exchange(*c, ""), "");
  EXPECT_EQ(listener_->stats().refused_over_cap, 1u);
  // The two within the cap are still served.
  EXPECT_EQ(exchange(*a, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}

}  // namespace
}  // namespace vote::net
