// The client listener against real loopback sockets: it frames and bounds, and a slow or hostile
// peer is cut off by its deadlines without disturbing anyone else.
#include "vote/net/client_listener.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cerrno>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "vote/wire/frame.hpp"

namespace vote::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Answers every request with its own payload.
class echo_handler : public request_handler {
 public:
  void on_request(std::string payload, const request_origin&, reply_fn reply) override {
    reply(std::move(payload));
  }
};

std::string frame(const std::string& payload) {
  std::string out;
  wire::encode_frame(payload, out);
  return out;
}

class ClientListenerTest : public ::testing::Test {
 protected:
  void start(listener_options options) {
    listener_ = std::make_unique<client_listener>(
        io_, tcp::endpoint{asio::ip::make_address_v4("127.0.0.1"), 0}, handler_, options);
    listener_->start();
    port_ = listener_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (!thread_.joinable()) return;
    std::promise<void> stopped;
    asio::post(io_, [&] {
      listener_->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    work_.reset();
    io_.stop();
    thread_.join();
    listener_.reset();
  }

  // A blocking client socket whose reads give up after `read_timeout`.
  tcp::socket connect(std::chrono::milliseconds read_timeout) {
    tcp::socket s(client_io_);
    s.connect({asio::ip::make_address_v4("127.0.0.1"), port_});
    timeval tv{static_cast<time_t>(read_timeout.count() / 1000),
               static_cast<suseconds_t>((read_timeout.count() % 1000) * 1000)};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
  }

  // True once the server has closed `s` (end of stream or reset), false on a read timeout.
  static bool closed_by_server(tcp::socket& s) {
    char byte = 0;
    const auto n = ::recv(s.native_handle(), &byte, 1, 0);
    if (n == 0) return true;
    return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  asio::io_context client_io_;
  echo_handler handler_;
  std::unique_ptr<client_listener> listener_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

TEST_F(ClientListenerTest, AFrameIsEchoedBackFramed) {
  start({});
  auto s = connect(2s);
  asio::write(s, asio::buffer(frame(R"({"type":"status"})")));
  std::string in(wire::frame_header_size + 17, '\0');
  asio::read(s, asio::buffer(in));
  auto d = wire::decode_frame(in);
  ASSERT_EQ(d.st, wire::frame_decode::status::frame);
  EXPECT_EQ(d.payload, R"({"type":"status"})");
}

// Regression: every read re-armed the frame deadline, so a sender trickling one byte at a time
// (slowloris) kept a connection, and with enough of them the whole connection cap, forever.
TEST_F(ClientListenerTest, ASenderTricklingOneFrameIsClosedAtTheFrameDeadline) {
  listener_options o;
  o.frame_timeout = 300ms;
  o.idle_timeout = 10s;
  start(o);
  auto s = connect(100ms);
  // The header announces 64 payload bytes; then one byte every ~100 ms.
  std::string header = "VOTE";
  header += std::string("\x01\x01\x00\x00\x00\x00\x00\x40", 8);
  asio::write(s, asio::buffer(header));
  const auto began = std::chrono::steady_clock::now();
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - began < 3s) {
    ::send(s.native_handle(), "x", 1, MSG_NOSIGNAL);
    closed = closed_by_server(s);  // waits up to 100 ms
  }
  EXPECT_TRUE(closed) << "a trickling sender was never closed";
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
}

TEST_F(ClientListenerTest, AnIdleConnectionIsClosedAfterTheIdleDeadline) {
  listener_options o;
  o.idle_timeout = 200ms;
  start(o);
  auto s = connect(2s);
  const auto began = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1500ms);
}

TEST_F(ClientListenerTest, AConnectionThatKeepsSendingWholeFramesStaysOpen) {
  listener_options o;
  o.frame_timeout = 300ms;
  o.idle_timeout = 300ms;
  start(o);
  auto s = connect(2s);
  const std::string request = frame(R"({"type":"status"})");
  for (int i = 0; i < 8; ++i) {  // ~800 ms in all: longer than either deadline
    asio::write(s, asio::buffer(request));
    std::string in(request.size(), '\0');
    asio::read(s, asio::buffer(in));
    EXPECT_EQ(in, request);
    std::this_thread::sleep_for(100ms);
  }
}

// CPU time the thread `t` has used so far.
std::chrono::nanoseconds cpu_time(std::thread& t) {
  clockid_t id{};
  timespec ts{};
  if (pthread_getcpuclockid(t.native_handle(), &id) != 0 || clock_gettime(id, &ts) != 0) return {};
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Regression: a failed accept (EMFILE, out of descriptors) was retried at once, forever, so the
// server spun at 100% CPU logging a warning per try instead of waiting for a descriptor.
TEST_F(ClientListenerTest, OutOfDescriptorsPausesAcceptingInsteadOfSpinningThenRecovers) {
  start({});
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 256);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  tcp::socket s(client_io_);
  s.open(tcp::v4());
  std::vector<int> hogs;  // every free descriptor, so that the server's accept() fails
  for (int fd; (fd = ::dup(0)) >= 0;) hogs.push_back(fd);
  s.connect({asio::ip::make_address_v4("127.0.0.1"), port_});
  std::this_thread::sleep_for(50ms);
  const auto cpu_before = cpu_time(thread_);
  std::this_thread::sleep_for(500ms);
  const auto spent = cpu_time(thread_) - cpu_before;
  for (int fd : hogs) ::close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_LT(spent, 100ms) << "the listener spun on a failing accept";
  EXPECT_GT(listener_->stats().accept_errors, 0u);
  // Descriptors are back: the waiting connection is accepted and served.
  const std::string request = frame(R"({"type":"status"})");
  asio::write(s, asio::buffer(request));
  timeval tv{2, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string in(request.size(), '\0');
  boost::system::error_code ec;
  asio::read(s, asio::buffer(in), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(in, request);
}

}  // namespace
}  // namespace vote::net
