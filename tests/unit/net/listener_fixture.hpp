// The fixture of the client listener tests: a listener on loopback run by its own thread, an
// echo handler, a recorder of peer messages, blocking client sockets with read timeouts.
#pragma once

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

namespace vote::net::test {

using namespace vote::net;

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Reads one frame's payload from a blocking stream (a socket or a TLS stream).
template <class Stream>
std::string read_payload(Stream& s) {
  std::string head(wire::frame_header_size, '\0');
  asio::read(s, asio::buffer(head));
  std::size_t length = 0;
  for (std::size_t i = 8; i < wire::frame_header_size; ++i) {
    length = (length << 8) | static_cast<std::uint8_t>(head[i]);
  }
  std::string payload(length, '\0');
  asio::read(s, asio::buffer(payload));
  return payload;
}

// Answers every request with its own payload.
class echo_handler : public request_handler {
 public:
  void on_request(std::string payload, const request_origin&, reply_fn reply) override {
    reply(std::move(payload));
  }
};

// Records the peer messages handed over (leave requests, by their cluster_uuid; envelopes as
// "envelope"); the test thread waits for them.
class peer_frame_log : public peer_message_handler {
 public:
  void on_peer_message(peer_message message, const request_origin&) override {
    std::lock_guard lock(mutex_);
    const auto* leave = std::get_if<leave_request>(&message);
    frames_.push_back(leave ? leave->cluster_uuid : "envelope");
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

inline std::string frame(const std::string& payload,
                         wire::frame_type type = wire::frame_type::json) {
  std::string out;
  wire::encode_frame(payload, out, type);
  return out;
}

// A peer frame carrying a valid (unsealed) peer message: a leave request named `name`.
inline std::string peer_frame(const std::string& name) {
  return frame(encode_leave({.from = 1, .incarnation = 2, .cluster_uuid = name}),
               wire::frame_type::peer);
}

// A frame header announcing `length` payload bytes of `type`, without the payload.
inline std::string header(wire::frame_type type, std::uint32_t length) {
  std::string h = "VOTE";
  h += static_cast<char>(wire::frame_version);
  h += static_cast<char>(type);
  h.append(2, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) h += static_cast<char>((length >> shift) & 0xFF);
  return h;
}

class ClientListenerTest : public ::testing::Test {
 protected:
  void start(listener_options options, bool with_peers = false, const cluster_key* key = nullptr) {
    listener_ = std::make_unique<client_listener>(
        io_, tcp::endpoint{asio::ip::make_address_v4("127.0.0.1"), 0}, handler_, options,
        with_peers ? &peers_ : nullptr, peer_codec(key));
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
    const std::string payload = read_payload(s);
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

}  // namespace vote::net::test
