#include "vote/net/local_peer.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace vote::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

tcp::endpoint ep(const char* ip, std::uint16_t port) {
  return {asio::ip::make_address_v4(ip), port};
}

// Two lines of a real /proc/net/tcp: a listener on 127.0.0.1:8080 and a client 127.0.0.1:40000
// connected to it, owned by uid 1000.
constexpr std::string_view table =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "1 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 "
    "2 1 0000000000000000 20 4 30 10 -1\n";

TEST(LocalPeerTest, FindsTheOwnerOfTheConnectingSocket) {
  EXPECT_EQ(parse_socket_owner(table, ep("127.0.0.1", 40000), ep("127.0.0.1", 8080)), 1000u);
}

TEST(LocalPeerTest, TheServersOwnEndOfTheConnectionDoesNotCount) {
  // The accepted socket's entry has the endpoints the other way round; only the client's counts.
  EXPECT_EQ(parse_socket_owner(table, ep("127.0.0.1", 8080), ep("127.0.0.1", 40000)), std::nullopt);
}

TEST(LocalPeerTest, AnotherAddressOrPortIsNotAMatch) {
  EXPECT_EQ(parse_socket_owner(table, ep("127.0.0.9", 40000), ep("127.0.0.1", 8080)), std::nullopt);
  EXPECT_EQ(parse_socket_owner(table, ep("127.0.0.1", 40001), ep("127.0.0.1", 8080)), std::nullopt);
}

TEST(LocalPeerTest, GarbageLinesAreSkippedAndABadUidIsUnknown) {
  const std::string junk =
      "\n\n   x: zz:zz\n 1: 0100007F:9C40 0100007F:1F90 01 0:0 0:0 0 12ab 0\n"
      "   1: 0100007F:9C40 0100007F:1F90";
  EXPECT_EQ(parse_socket_owner(junk, ep("127.0.0.1", 40000), ep("127.0.0.1", 8080)), std::nullopt);
}

// A live connection on loopback: the owner is this process's user.
TEST(LocalPeerTest, LiveLoopbackConnectionIsOwnedByThisUser) {
  asio::io_context io;
  tcp::acceptor acceptor(io, ep("127.0.0.1", 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();
  EXPECT_EQ(socket_owner_uid(server.remote_endpoint(), server.local_endpoint()), ::geteuid());
}

// As root: a child that drops to another uid connects; its socket is reported with that uid.
TEST(LocalPeerTest, LiveConnectionOfAnotherUserReportsThatUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  constexpr uid_t nobody = 65534;
  asio::io_context io;
  tcp::acceptor acceptor(io, ep("127.0.0.1", 0));
  const auto port = acceptor.local_endpoint().port();
  int hold[2];
  ASSERT_EQ(::pipe(hold), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // connect as `nobody`, then wait until the parent closes the pipe
    if (::setgid(nobody) != 0 || ::setuid(nobody) != 0) ::_exit(2);
    asio::io_context child_io;
    tcp::socket s(child_io);
    boost::system::error_code ec;
    s.connect(ep("127.0.0.1", port), ec);
    char c;
    ::close(hold[1]);
    [[maybe_unused]] auto n = ::read(hold[0], &c, 1);
    ::_exit(ec ? 3 : 0);
  }
  ::close(hold[0]);
  tcp::socket server = acceptor.accept();
  EXPECT_EQ(socket_owner_uid(server.remote_endpoint(), server.local_endpoint()), nobody);
  ::close(hold[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace vote::net
