// Binding a server's sockets at start (include/vote/node/bind_check.hpp).
#include "vote/node/bind_check.hpp"

#include <boost/asio/io_context.hpp>

#include "vote/node/server.hpp"

namespace vote::node {

startup_error bind_failure(const std::string& what, const boost::system::system_error& e) {
  const bool in_use = e.code() == boost::asio::error::address_in_use;
  return startup_error(exit_unavailable,
                       "cannot bind " + what + ": " +
                           (in_use ? std::string("it is already in use (is another vote-server, "
                                                 "or another program, using this port?)")
                                   : e.code().message()));
}

void check_port_free(const std::string& what, const boost::asio::ip::tcp::endpoint& at) {
  boost::asio::io_context io;
  bind_or_fail(what, [&] {
    const boost::asio::ip::tcp::acceptor probe(io, at);
    return probe.is_open();
  });
}

}  // namespace vote::node
