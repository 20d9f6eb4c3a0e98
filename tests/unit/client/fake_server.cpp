// Test doubles for the client tests (fake_server.hpp).
#include "fake_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <deque>
#include <mutex>

#include "vote/client/exchange.hpp"
#include "vote/wire/frame.hpp"

namespace vote::client::testing {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

asio::awaitable<void> serve(tcp::socket socket, net::tls_context* tls, std::size_t index,
                            const fake_server::handler& h,
                            std::function<void(const std::string&)> record) {
  connection c{net::stream(std::move(socket), tls)};
  try {
    if (auto* t = c.stream.tls())
      co_await t->async_handshake(net::tls_stream::server, asio::use_awaitable);
    for (;;) {
      const auto payload = co_await async_read_payload(c);
      auto decoded = wire::decode_request(payload);
      reply r = reply::error(errc::bad_request, "bad request");
      if (auto* request = std::get_if<wire::client_request>(&decoded)) {
        record(request->request_id);
        r = h(*request, index);
        r.response.request_id = request->request_id;
      }
      if (r.what == reply::kind::drop) co_return;
      if (r.what == reply::kind::silent) continue;
      std::string frame;
      wire::encode_frame(wire::encode_response(r.response), frame);
      co_await asio::async_write(c.stream, asio::buffer(frame), asio::use_awaitable);
    }
  } catch (const std::exception&) {
    // The client went away: end of this connection.
  }
}

}  // namespace

reply reply::ok(std::string message) {
  reply r;
  r.response.message = std::move(message);
  return r;
}

reply reply::error(errc code, std::string message) {
  reply r;
  r.response.code = code;
  r.response.message = std::move(message);
  return r;
}

reply reply::redirect(std::string leader_endpoint) {
  auto r = error(errc::not_leader, "Not the leader.");
  r.response.leader_endpoint = std::move(leader_endpoint);
  return r;
}

fake_server::fake_server(handler h, std::shared_ptr<net::tls_context> tls)
    : handler_(std::move(h)),
      tls_(std::move(tls)),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0)) {
  endpoint_ = {"127.0.0.1", acceptor_.local_endpoint().port()};
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

fake_server::~fake_server() {
  io_.stop();
  thread_.join();
}

std::vector<std::string> fake_server::request_ids() const {
  std::lock_guard lock(mutex_);
  return request_ids_;
}

void fake_server::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec) return;
    static const auto noop = [](std::exception_ptr) {};
    asio::co_spawn(io_,
                   serve(std::move(socket), tls_.get(), connections_++, handler_,
                         [this](const std::string& id) {
                           std::lock_guard lock(mutex_);
                           request_ids_.push_back(id);
                         }),
                   noop);
    accept();
  });
}

fake_responder::fake_responder(std::uint16_t port, handler h)
    : handler_(std::move(h)), socket_(io_), buffer_(wire::max_datagram + 1) {
  socket_.open(udp::v4());
  socket_.set_option(asio::socket_base::reuse_address(true));
  socket_.bind(udp::endpoint(asio::ip::make_address_v4("127.255.255.255"), port));
  receive();
  thread_ = std::thread([this] { io_.run(); });
}

fake_responder::~fake_responder() {
  io_.stop();
  thread_.join();
}

std::size_t fake_responder::asks() const {
  std::lock_guard lock(mutex_);
  return asks_;
}

void fake_responder::receive() {
  socket_.async_receive_from(
      asio::buffer(buffer_), sender_, [this](const boost::system::error_code& ec, std::size_t n) {
        if (ec) return;
        const auto d = wire::decode_datagram(std::string_view(buffer_.data(), n));
        if (const auto* ask = std::get_if<wire::who_is_leader>(&d)) {
          {
            std::lock_guard lock(mutex_);
            ++asks_;
          }
          for (auto a : handler_(*ask)) {
            a.nonce = ask->nonce;
            boost::system::error_code ignored;
            socket_.send_to(asio::buffer(wire::encode_datagram(a)), sender_, 0, ignored);
          }
        }
        receive();
      });
}

std::uint16_t free_udp_port() {
  asio::io_context io;
  udp::socket s(io, udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  return s.local_endpoint().port();
}

// The port stays bound, by a socket that never listens, until the process exits: a port bound and
// closed again is free for another test's listener, or for one of this process's connects as its
// source port, which on loopback connects the socket to itself.
net::endpoint closed_tcp_endpoint() {
  static asio::io_context io;
  static std::mutex held_mutex;
  static std::deque<tcp::socket> held;
  const std::lock_guard lock(held_mutex);
  auto& s = held.emplace_back(io);
  s.open(tcp::v4());
  s.bind(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  return {"127.0.0.1", s.local_endpoint().port()};
}

wire::leader_is answer(const std::string& leader, std::uint64_t epoch, const std::string& uuid,
                       const std::string& cluster) {
  wire::leader_is a;
  a.cluster = cluster;
  a.cluster_uuid = uuid;
  a.leader = {.id = epoch * 10, .epoch = epoch, .endpoint = leader};
  return a;
}

}  // namespace vote::client::testing
