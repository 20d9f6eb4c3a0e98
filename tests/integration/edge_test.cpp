// The network edge of a real vote-server (docs/security.md "Limits at the network edge"):
// unauthenticated peer bytes close their connection at once and pin neither a connection slot
// nor memory; a flood of such connections does not stop a client from voting; with a cluster
// key a forged peer frame changes nothing.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <fstream>

#include "vote/core/consensus_messages.hpp"
#include "vote/lab/harness.hpp"
#include "vote/net/cluster_key.hpp"
#include "vote/net/peer_message.hpp"
#include "vote/wire/frame.hpp"

namespace vote::test {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

std::string peer_frame(const std::string& payload) {
  std::string out;
  wire::encode_frame(payload, out, wire::frame_type::peer);
  return out;
}

// A peer frame header announcing `length` payload bytes.
std::string peer_header(std::uint32_t length) {
  std::string h = "VOTE";
  h += static_cast<char>(wire::frame_version);
  h += static_cast<char>(wire::frame_type::peer);
  h.append(2, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) h += static_cast<char>((length >> shift) & 0xFF);
  return h;
}

// The server's resident memory, from /proc/<pid>/status (VmRSS), in KiB.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

class EdgeTest : public ::testing::Test {
 protected:
  // A connected socket whose reads give up after 2 s.
  tcp::socket connect(const server& srv) {
    tcp::socket s(io_);
    s.connect({asio::ip::make_address_v4("127.0.0.1"), srv.port()});
    timeval tv{2, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
  }
  // Sends what the server takes of `bytes`, ignoring a connection it has closed meanwhile.
  static void send_all(tcp::socket& s, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto n =
          ::send(s.native_handle(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }
  // True once the server closed `s` (end of stream or reset) within the read timeout; bytes it
  // sent first (an error response) are skipped.
  static bool closed_by_server(tcp::socket& s) {
    char buf[4096];
    for (int reads = 0; reads < 64; ++reads) {
      const auto n = ::recv(s.native_handle(), buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
    return false;
  }
  static bool status_ok(const server& srv) {
    auto r = request(srv.port(), wire::client_request{});
    return r && r->ok();
  }
  // Flags for a cluster key file written into `holder`'s directory (removed with it).
  static std::vector<std::string> keyed_args(const server& holder, const std::string& secret) {
    const auto file = holder.data_dir() / "cluster-key";
    std::ofstream(file) << secret;
    return {"--cluster-key-file", file.string()};
  }

  asio::io_context io_;
};

// Regression (issue 8): one garbage peer frame per connection made it a peer link for good; a
// handful of them held every connection slot and clients got `unavailable`.
TEST_F(EdgeTest, AGarbagePeerFrameClosesItsConnectionAndCostsNoSlot) {
  server srv(server::options{.extra_args = {"--max-connections", "4"}});
  srv.start();
  std::vector<tcp::socket> held;  // kept open on this side
  for (int i = 0; i < 12; ++i) {
    held.push_back(connect(srv));
    send_all(held.back(), peer_frame("x"));
    EXPECT_TRUE(closed_by_server(held.back())) << "connection " << i << " was kept";
  }
  EXPECT_TRUE(status_ok(srv));
}

// Regression (issue 8): six 64 MiB garbage frames held ~430 MiB of RSS while their connections
// idled (a connection's read buffer kept the size it grew to).
TEST_F(EdgeTest, ConnectionsAnnouncing64MiBPeerFramesPinNoMemory) {
  server srv;
  srv.start();
  const long before = rss_kib(srv.proc().pid());
  ASSERT_GT(before, 0);
  const std::string data(8u << 20, 'g');  // what a server that kept reading would hold
  std::vector<tcp::socket> conns;
  for (int i = 0; i < 6; ++i) {
    conns.push_back(connect(srv));  // announced as the first frame: refused at its header
    send_all(conns.back(), peer_header(64u << 20) + data);
    conns.push_back(connect(srv));  // complete frames behind a garbage first frame
    send_all(conns.back(), peer_frame("x") + peer_frame(data + data) + peer_header(64u << 20));
  }
  const long loaded = rss_kib(srv.proc().pid());
  for (auto& s : conns) EXPECT_TRUE(closed_by_server(s));
  EXPECT_TRUE(status_ok(srv));
  const long after = rss_kib(srv.proc().pid());
  EXPECT_LT(loaded - before, 4 * 1024) << "RSS grew from " << before << " to " << loaded << " KiB";
  EXPECT_LT(after - before, 4 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
}

TEST_F(EdgeTest, ManyUnauthenticatedConnectionsDoNotStopAClientFromVoting) {
  server srv(server::options{.extra_args = {"--max-connections", "128"}});
  srv.start();
  auto flags = srv.direct_flags();
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  };
  ASSERT_EQ(run("register", with({"--id", "e1", "--candidates", "Alice", "Bob",
                                  "--authorized-users", "u1", "u2"}))
                .code,
            0);
  std::vector<tcp::socket> flood;
  for (int i = 0; i < 300; ++i) {
    flood.push_back(connect(srv));
    if (i % 3 == 1) send_all(flood.back(), peer_header(60u << 10));  // never completed
    if (i % 3 == 2) send_all(flood.back(), peer_frame("garbage"));   // closed at once
  }
  auto r = run("vote", with({"--id", "u1", "--candidate", "Alice", "--election-id", "e1"}));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(status_ok(srv));
}

TEST_F(EdgeTest, AKeyedClusterIgnoresAForgedPeerFrame) {
  server probe;  // never started: holds the key file
  server srv(server::options{.extra_args = keyed_args(probe, std::string(32, 'k'))});
  srv.start();
  auto view = [&]() -> std::optional<nlohmann::json> {
    auto j = request_json(srv.port(), {{"type", "cluster_status"}});
    if (!j || !j->value("ok", false)) return std::nullopt;
    return j->at("cluster");
  };
  auto before = view();
  ASSERT_TRUE(eventually([&] {
    before = view();
    return before && (*before)["leader"].is_object();
  }));
  const auto self = (*before)["self"].get<std::uint64_t>();
  const auto uuid = (*before)["cluster_uuid"].get<std::string>();
  const net::cluster_key wrong(std::string(32, 'w'));
  const consensus::envelope prepare{.from = self + 1,
                                    .from_incarnation = 1,
                                    .to = self,
                                    .cluster_uuid = uuid,
                                    .body = consensus::prepare{.epoch = 1'000'000}};
  const std::vector<std::string> forged = {
      wrong.seal(consensus::encode_envelope(prepare), net::unix_now_ms()),
      consensus::encode_envelope(prepare),  // unsealed
      wrong.seal(net::encode_leave({.from = self, .incarnation = 1, .cluster_uuid = uuid}),
                 net::unix_now_ms()),
      wrong.seal(net::encode_opening({.from = self + 1}), net::unix_now_ms())};
  for (const auto& payload : forged) {
    auto s = connect(srv);
    send_all(s, peer_frame(payload));
    EXPECT_TRUE(closed_by_server(s));
  }
  const auto after = view();
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)["epoch"], (*before)["epoch"]);
  EXPECT_EQ((*after)["leader"], (*before)["leader"]);
  EXPECT_EQ((*after)["members"].size(), (*before)["members"].size());
  EXPECT_TRUE(status_ok(srv));
}

}  // namespace
}  // namespace vote::test
