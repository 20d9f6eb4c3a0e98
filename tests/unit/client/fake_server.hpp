// Test doubles for the client tests: a scripted TCP vote-server and a UDP discovery responder.
//
// Both run their own io_context on a background thread and listen on loopback only: the server
// on 127.0.0.1:<ephemeral>, the responder on 127.255.255.255:<port chosen by the test> (Linux
// delivers loopback broadcasts to a socket bound to that address). Handlers run on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "vote/net/interfaces.hpp"
#include "vote/net/tls.hpp"
#include "vote/wire/discovery.hpp"
#include "vote/wire/messages.hpp"

namespace vote::client::testing {

// What the fake server does with one request.
struct reply {
  enum class kind { respond, drop, silent };
  kind what = kind::respond;
  wire::client_response response;

  static reply ok(std::string message);
  static reply error(errc code, std::string message);
  static reply redirect(std::string leader_endpoint);
  static reply drop_connection() { return {kind::drop, {}}; }
  static reply no_answer() { return {kind::silent, {}}; }
};

class fake_server {
 public:
  // Called for each decoded request with the index of its connection (0, 1, ...).
  using handler = std::function<reply(const wire::client_request&, std::size_t connection)>;

  // With `tls` (a server context: net::make_server_context) every connection is TLS.
  explicit fake_server(handler h, std::shared_ptr<net::tls_context> tls = nullptr);
  ~fake_server();
  fake_server(const fake_server&) = delete;
  fake_server& operator=(const fake_server&) = delete;

  net::endpoint endpoint() const { return endpoint_; }
  std::string endpoint_text() const { return net::format_endpoint(endpoint_); }
  std::vector<std::string> request_ids() const;  // of every request received, in order

 private:
  void accept();

  handler handler_;
  std::shared_ptr<net::tls_context> tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  net::endpoint endpoint_;
  std::size_t connections_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> request_ids_;
  std::thread thread_;
};

class fake_responder {
 public:
  // Returns the answers to one who_is_leader (their nonce is overwritten with the asker's).
  using handler = std::function<std::vector<wire::leader_is>(const wire::who_is_leader&)>;

  fake_responder(std::uint16_t port, handler h);
  ~fake_responder();
  fake_responder(const fake_responder&) = delete;
  fake_responder& operator=(const fake_responder&) = delete;

  std::size_t asks() const;

 private:
  void receive();

  handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint sender_;
  std::vector<char> buffer_;
  mutable std::mutex mutex_;
  std::size_t asks_ = 0;
  std::thread thread_;
};

// A UDP port free on 127.0.0.1 right now (for a discovery port nobody answers on, or for the
// fake responder).
std::uint16_t free_udp_port();
// A TCP endpoint on 127.0.0.1 where nothing listens (connections are refused).
net::endpoint closed_tcp_endpoint();

// A leader_is answer naming `leader` as the leader at `epoch`.
wire::leader_is answer(const std::string& leader, std::uint64_t epoch,
                       const std::string& uuid = "uuid-1", const std::string& cluster = "");

}  // namespace vote::client::testing
