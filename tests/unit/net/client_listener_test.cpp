// The client listener against real loopback sockets: it frames and bounds, and a slow or hostile
// peer is cut off by its deadlines without disturbing anyone else. The same port takes inbound
// peer links, whose frames go to the peer_frame_handler.
#include "vote/net/client_listener.hpp"

#include <gtest/gtest.h>
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
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "vote/wire/frame.hpp"
#include "vote/wire/messages.hpp"

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

// Records peer frames; the test thread waits for them.
class peer_frame_log : public peer_frame_handler {
 public:
  void on_peer_frame(std::string payload, const request_origin&) override {
    std::lock_guard lock(mutex_);
    frames_.push_back(std::move(payload));
    arrived_.notify_all();
  }
  // The first `n` frames, once they arrived within `timeout`; fewer on the deadline.
  std::vector<std::string> wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return frames_.size() >= n; });
    return frames_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::string> frames_;
};

std::string frame(const std::string& payload, wire::frame_type type = wire::frame_type::json) {
  std::string out;
  wire::encode_frame(payload, out, type);
  return out;
}

std::string peer_frame(const std::string& payload) {
  return frame(payload, wire::frame_type::peer);
}

// A frame header announcing `length` payload bytes of `type`, without the payload.
std::string header(wire::frame_type type, std::uint32_t length) {
  std::string h = "VOTE";
  h += static_cast<char>(wire::frame_version);
  h += static_cast<char>(type);
  h.append(2, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) h += static_cast<char>((length >> shift) & 0xFF);
  return h;
}

class ClientListenerTest : public ::testing::Test {
 protected:
  void start(listener_options options, bool with_peers = false) {
    listener_ = std::make_unique<client_listener>(
        io_, tcp::endpoint{asio::ip::make_address_v4("127.0.0.1"), 0}, handler_, options,
        with_peers ? &peers_ : nullptr);
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

  // What the next read of `s` shows within its read timeout.
  enum class seen { nothing, bytes, closed };
  static seen next_read(tcp::socket& s) {
    char byte = 0;
    const auto n = ::recv(s.native_handle(), &byte, 1, 0);
    if (n > 0) return seen::bytes;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return seen::closed;
    return seen::nothing;
  }

  // Reads one response frame from `s` and decodes it.
  static wire::client_response read_response(tcp::socket& s) {
    std::string head(wire::frame_header_size, '\0');
    asio::read(s, asio::buffer(head));
    std::size_t length = 0;
    for (std::size_t i = 8; i < wire::frame_header_size; ++i) {
      length = (length << 8) | static_cast<std::uint8_t>(head[i]);
    }
    std::string payload(length, '\0');
    asio::read(s, asio::buffer(payload));
    auto r = wire::decode_response(payload);
    if (auto* response = std::get_if<wire::client_response>(&r)) return *response;
    ADD_FAILURE() << "not a response: " << payload;
    return {};
  }

  // Runs `f` on the io thread and returns its result (listener state belongs to that thread).
  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  std::uint64_t accept_errors() {
    return on_io([this] { return listener_->stats().accept_errors; });
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  asio::io_context client_io_;
  echo_handler handler_;
  peer_frame_log peers_;
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
  // A listener that spins reaches three failed accepts at once; one that pauses needs two
  // pauses (100 ms each) between the first and the third.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  auto reached = [&](std::uint64_t n) {
    while (accept_errors() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);  // poll interval
    }
    return std::chrono::steady_clock::now();
  };
  const auto first = reached(1);
  const auto third = reached(3);
  const auto errors = accept_errors();
  for (int fd : hogs) ::close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_GE(errors, 3u) << "accept never failed";
  EXPECT_GE(third - first, 150ms) << "the listener spun on a failing accept";
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

TEST_F(ClientListenerTest, PeerFramesReachThePeerHandlerInOrderAndGetNoReply) {
  start({}, true);
  auto s = connect(300ms);
  asio::write(s, asio::buffer(peer_frame("one") + peer_frame("two") + peer_frame("three")));
  const std::vector<std::string> expected{"one", "two", "three"};
  EXPECT_EQ(peers_.wait_for(3, 2s), expected);
  EXPECT_EQ(next_read(s), seen::nothing);
}

TEST_F(ClientListenerTest, APeerConnectionHasNoIdleDeadline) {
  listener_options o;
  o.idle_timeout = 100ms;
  start(o, true);
  auto s = connect(400ms);
  asio::write(s, asio::buffer(peer_frame("first")));
  ASSERT_EQ(peers_.wait_for(1, 2s).size(), 1u);
  EXPECT_EQ(next_read(s), seen::nothing);  // 400 ms quiet: four idle deadlines
  asio::write(s, asio::buffer(peer_frame("second")));
  EXPECT_EQ(peers_.wait_for(2, 2s).size(), 2u);
}

TEST_F(ClientListenerTest, APeerHeaderWithoutAPeerHandlerIsRefusedBeforeItsPayload) {
  start({});
  auto s = connect(2s);
  asio::write(s, asio::buffer(header(wire::frame_type::peer, 64)));
  EXPECT_EQ(read_response(s).code, errc::unsupported);
  EXPECT_TRUE(closed_by_server(s));
}

// A port that takes 64 MiB peer frames still refuses a client header over the client limit as
// soon as it arrives: a client cannot make the server buffer more than max_frame_payload.
TEST_F(ClientListenerTest, AClientHeaderOverTheClientLimitIsRefusedAtOnceOnAPeerPort) {
  listener_options o;
  o.max_frame_payload = 1024;
  start(o, true);
  auto s = connect(2s);
  asio::write(s, asio::buffer(header(wire::frame_type::json, 1025)));
  EXPECT_EQ(read_response(s).code, errc::too_large);
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(ClientListenerTest, AnOversizePeerHeaderClosesAPeerConnectionWithoutAReply) {
  listener_options o;
  o.max_peer_frame_payload = 4096;
  start(o, true);
  auto s = connect(2s);
  asio::write(s, asio::buffer(peer_frame("fine") + header(wire::frame_type::peer, 4097)));
  EXPECT_EQ(peers_.wait_for(1, 2s).size(), 1u);
  EXPECT_EQ(next_read(s), seen::closed);
  EXPECT_EQ(on_io([this] { return listener_->stats().frame_errors; }), 1u);
}

TEST_F(ClientListenerTest, GarbageOnAPeerConnectionClosesItWithoutAReply) {
  start({}, true);
  auto s = connect(2s);
  asio::write(s, asio::buffer(peer_frame("fine") + std::string("GET / HTTP/1.1\r\n\r\n")));
  EXPECT_EQ(peers_.wait_for(1, 2s).size(), 1u);
  EXPECT_EQ(next_read(s), seen::closed);
}

TEST_F(ClientListenerTest, AClientFrameOnAPeerConnectionClosesIt) {
  start({}, true);
  auto s = connect(2s);
  asio::write(s, asio::buffer(peer_frame("peer") + frame(R"({"type":"status"})")));
  EXPECT_EQ(peers_.wait_for(1, 2s), std::vector<std::string>{"peer"});
  EXPECT_EQ(next_read(s), seen::closed);
}

TEST_F(ClientListenerTest, APeerFrameOnAClientConnectionIsAFrameError) {
  start({}, true);
  auto s = connect(2s);
  const std::string request = frame(R"({"type":"status"})");
  asio::write(s, asio::buffer(request));
  std::string in(request.size(), '\0');
  asio::read(s, asio::buffer(in));
  EXPECT_EQ(in, request);
  asio::write(s, asio::buffer(peer_frame("peer")));
  EXPECT_EQ(read_response(s).code, errc::bad_request);
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_TRUE(peers_.wait_for(1, 0ms).empty());
}

TEST_F(ClientListenerTest, PeerConnectionsCountTowardTheConnectionCap) {
  listener_options o;
  o.max_connections = 1;
  start(o, true);
  auto link = connect(2s);
  asio::write(link, asio::buffer(peer_frame("hello")));
  ASSERT_EQ(peers_.wait_for(1, 2s).size(), 1u);
  auto client = connect(2s);
  EXPECT_EQ(read_response(client).code, errc::unavailable);
}

}  // namespace
}  // namespace vote::net
