// The namespace lab: what it creates, that it leaves the root namespace alone, that partitions
// and isolation cut exactly what they say, and that everything is removed afterwards.
// Needs root and iproute2; skipped otherwise.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "vote/lab/netns.hpp"

namespace vote::lab {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t probe_port = 47111;

std::string ip_out(const std::vector<std::string>& args) {
  test::process p(ip_binary(), args);
  EXPECT_EQ(p.wait(10s), 0) << p.stderr_text();
  return p.stdout_text();
}

std::set<std::string> namespaces() {
  std::set<std::string> out;
  std::istringstream in(ip_out({"netns", "list"}));
  for (std::string line; std::getline(in, line);) out.insert(line.substr(0, line.find(' ')));
  return out;
}

// Names of the links of the root namespace.
std::set<std::string> root_links() {
  std::set<std::string> out;
  std::istringstream in(ip_out({"-o", "link", "show"}));
  for (std::string line; std::getline(in, line);) {
    const auto from = line.find(": ") + 2;
    out.insert(line.substr(from, line.find_first_of(":@", from) - from));
  }
  return out;
}

// A UDP socket bound to probe_port inside `ns` (a socket stays in the namespace it was made in).
int receiver_in(const std::string& ns) {
  return run_in_netns(ns, [] {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(probe_port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("bind");
    timeval tv{0, 300'000};  // bounds the "nothing arrives" checks
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  });
}

void send_from(const std::string& ns, const std::string& to, const std::string& text) {
  run_in_netns(ns, [&] {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(probe_port);
    ::inet_pton(AF_INET, to.c_str(), &a.sin_addr);
    ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::close(fd);
  });
}

// True when `text` arrives on `fd` within the receive timeout (other datagrams are skipped).
bool received(int fd, const std::string& text) {
  char buf[256];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) return false;
    if (std::string(buf, static_cast<std::size_t>(n)) == text) return true;
  }
}

class NetnsLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = netns_unavailable_reason()) GTEST_SKIP() << *why;
    lab_ = std::make_unique<netns_lab>(netns_lab::options{3, false});
    for (std::size_t i = 1; i <= 3; ++i) rx_.push_back(receiver_in(lab_->node_ns(i)));
    rx_client_ = receiver_in(lab_->client_ns());
  }
  void TearDown() override {
    for (int fd : rx_) ::close(fd);
    if (rx_client_ >= 0) ::close(rx_client_);
  }
  // Sends a fresh datagram from node `from` to the broadcast address; which nodes got it?
  std::set<std::size_t> broadcast_from(std::size_t from) {
    const auto text = "hello-" + std::to_string(++seq_);
    send_from(lab_->node_ns(from), lab_->broadcast(), text);
    std::set<std::size_t> got;
    for (std::size_t i = 1; i <= 3; ++i) {
      if (i != from && received(rx_[i - 1], text)) got.insert(i);
    }
    return got;
  }

  std::unique_ptr<netns_lab> lab_;
  std::vector<int> rx_;
  int rx_client_ = -1;
  int seq_ = 0;
};

TEST_F(NetnsLabTest, BroadcastReachesEveryNodeAndTheClientOnTheBridge) {
  EXPECT_EQ(broadcast_from(1), (std::set<std::size_t>{2, 3}));
  send_from(lab_->node_ns(2), lab_->broadcast(), "to-client");
  EXPECT_TRUE(received(rx_client_, "to-client"));
}

TEST_F(NetnsLabTest, PartitionKeepsBroadcastWithinEachSide) {
  lab_->partition({3});
  EXPECT_EQ(lab_->side_of(3), side::far);
  EXPECT_EQ(broadcast_from(1), (std::set<std::size_t>{2}));
  EXPECT_EQ(broadcast_from(3), (std::set<std::size_t>{}));
  send_from(lab_->node_ns(3), lab_->broadcast(), "far-to-client");
  EXPECT_FALSE(received(rx_client_, "far-to-client"));

  lab_->partition({3}, side::far);  // the client joins the far side
  send_from(lab_->node_ns(3), lab_->broadcast(), "far-to-client-2");
  EXPECT_TRUE(received(rx_client_, "far-to-client-2"));

  lab_->heal();
  EXPECT_EQ(broadcast_from(3), (std::set<std::size_t>{1, 2}));
}

TEST_F(NetnsLabTest, IsolateCutsOneNodeUntilReconnected) {
  lab_->isolate(2);
  send_from(lab_->node_ns(1), lab_->node_address(2), "unicast");
  EXPECT_FALSE(received(rx_[1], "unicast"));
  EXPECT_EQ(broadcast_from(1), (std::set<std::size_t>{3}));
  lab_->heal();
  EXPECT_EQ(broadcast_from(1), (std::set<std::size_t>{2, 3}));
}

TEST_F(NetnsLabTest, ProgramsRunInsideTheirNamespace) {
  auto r = lab_->run(lab_->node_ns(2), ip_binary(), {"-o", "-4", "addr", "show", "dev", "eth0"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(lab_->node_address(2) + "/24 brd " + lab_->broadcast()), std::string::npos)
      << r.out;
}

TEST(NetnsLabLifecycleTest, LeavesTheRootNamespaceAloneAndRemovesEverything) {
  if (auto why = netns_unavailable_reason()) GTEST_SKIP() << *why;
  const auto links_before = root_links();
  const auto addrs_before = ip_out({"-o", "addr", "show"});
  std::set<std::string> expected;
  const auto ours = [&] {  // other tests may make namespaces concurrently: look at ours only
    std::set<std::string> out;
    for (const auto& n : namespaces()) {
      if (expected.contains(n)) out.insert(n);
    }
    return out;
  };
  {
    netns_lab lab({2, false});
    expected = {lab.hub_ns(), lab.node_ns(1), lab.node_ns(2), lab.client_ns()};
    EXPECT_EQ(ours(), expected);
    EXPECT_EQ(ip_out({"-o", "addr", "show"}), addrs_before);
    EXPECT_EQ(root_links(), links_before);
  }
  EXPECT_TRUE(ours().empty());
  EXPECT_EQ(ip_out({"-o", "addr", "show"}), addrs_before);
  EXPECT_EQ(root_links(), links_before);
}

TEST(NetnsLabLifecycleTest, RemovesStaleNamespacesOfDeadRunsOnly) {
  if (auto why = netns_unavailable_reason()) GTEST_SKIP() << *why;
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const auto stale = "vt" + std::to_string(dead) + "-0-hub";
  const auto live = "vt" + std::to_string(::getpid()) + "-99-hub";
  ip_out({"netns", "add", stale});
  ip_out({"netns", "add", live});
  const auto removed = remove_stale_namespaces();
  EXPECT_NE(std::find(removed.begin(), removed.end(), stale), removed.end());
  EXPECT_FALSE(namespaces().contains(stale));
  EXPECT_TRUE(namespaces().contains(live));
  ip_out({"netns", "del", live});
}

TEST(NetnsLabLifecycleTest, EnteringAnUnknownNamespaceThrows) {
  EXPECT_THROW(run_in_netns("vt-no-such-namespace", [] { return 0; }), std::runtime_error);
}

}  // namespace
}  // namespace vote::lab
