// Binding a server's sockets at start (server.cpp: the client port and discovery; node_metrics.cpp:
// --metrics-addr): a failure becomes one startup_error(exit_unavailable, "cannot bind WHAT: ...")
// saying whether the address is taken. A port is tried, and let go, before the data directory is
// created, so that a server that cannot serve leaves nothing behind.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/system_error.hpp>

#include <string>

#include "vote/node/recovery.hpp"

namespace vote::node {

// The startup_error of a bind of `what` ("TCP 127.0.0.1:7001", "--metrics-addr 127.0.0.1:9464")
// that failed with `e`.
startup_error bind_failure(const std::string& what, const boost::system::system_error& e);

// Returns bind(); a bind failure it throws becomes bind_failure(what, ...).
template <class F>
auto bind_or_fail(const std::string& what, F&& bind) {
  try {
    return bind();
  } catch (const boost::system::system_error& e) {
    throw bind_failure(what, e);
  }
}

// Binds a TCP acceptor to `at` and closes it again; throws bind_failure(what, ...) when it cannot.
void check_port_free(const std::string& what, const boost::asio::ip::tcp::endpoint& at);

}  // namespace vote::node
