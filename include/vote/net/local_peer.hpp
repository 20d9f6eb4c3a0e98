// Who is on the other end of a connection from this machine (DESIGN.md §7; docs/security.md
// "Admin without a token").
//
// For a TCP connection whose two ends are on this host, the kernel knows the user that owns the
// connecting socket: /proc/net/tcp lists every IPv4 socket of the network namespace with its
// local and remote address and the owner's uid. Looking up the entry whose local end is the
// client's endpoint and whose remote end is ours gives the uid of the process that connected.
// The admin rule uses it so that, without a token, "admin" means the user running the server
// (or root) on its own machine, not any local user or process.
//
// parse_socket_owner() is pure (a table's text in, a uid out) so it can be tested and fuzzed;
// socket_owner_uid() reads the live table. IPv4 only (the server binds IPv4). Threading: free
// functions, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace vote::net {

// The uid column of the ESTABLISHED entry of `table` (the text of /proc/net/tcp) whose local
// address is `client` and whose remote address is `server`; nullopt when there is none or a line
// does not parse.
std::optional<std::uint32_t> parse_socket_owner(std::string_view table,
                                                const boost::asio::ip::tcp::endpoint& client,
                                                const boost::asio::ip::tcp::endpoint& server);

// The same from this process's /proc/net/tcp; nullopt when the file cannot be read, the
// endpoints are not IPv4, or the connecting socket is not in this network namespace.
std::optional<std::uint32_t> socket_owner_uid(const boost::asio::ip::tcp::endpoint& client,
                                              const boost::asio::ip::tcp::endpoint& server);

}  // namespace vote::net
