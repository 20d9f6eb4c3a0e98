// Hostile bytes and resource conflicts against a real vote-server: it answers or drops, never
// crashes or blocks, and a well-behaved client keeps being served meanwhile.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <csignal>
#include <fstream>

#include "vote/lab/harness.hpp"
#include "vote/wire/frame.hpp"

namespace vote::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Sends raw bytes, then reads whatever comes back until the server closes or 2 s pass.
std::string raw_exchange(std::uint16_t port, const std::string& bytes, bool half_close = true) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address_v4("127.0.0.1"), port});
  struct timeval tv {
    2, 0
  };
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  asio::write(s, asio::buffer(bytes));
  if (half_close) s.shutdown(asio::ip::tcp::socket::shutdown_send);
  std::string in;
  std::array<char, 4096> buf;
  boost::system::error_code ec;
  for (;;) {
    auto n = s.read_some(asio::buffer(buf), ec);
    if (ec) break;
    in.append(buf.data(), n);
  }
  return in;
}

std::string frame(const std::string& payload) {
  std::string out;
  wire::encode_frame(payload, out);
  return out;
}

bool status_ok(const server& srv) {
  auto r = request(srv.port(), wire::client_request{});
  return r && r->ok();
}

errc first_error(const std::string& reply) {
  auto d = wire::decode_frame(reply);
  if (d.st != wire::frame_decode::status::frame) return errc::ok;
  auto resp = wire::decode_response(d.payload);
  auto* r = std::get_if<wire::client_response>(&resp);
  return r ? r->code : errc::ok;
}

TEST(RobustnessTest, BadFramesGetAnErrorWhileANormalClientKeepsWorking) {
  server srv;
  srv.start();
  std::string huge_header = "VOTE";
  huge_header += std::string("\x01\x01\x00\x00\x7f\xff\xff\xff", 8);
  const std::vector<std::pair<std::string, errc>> cases = {
      {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", errc::bad_request},
      {huge_header, errc::too_large},
      {frame("{not json"), errc::bad_request},
      {frame("[1,2,3]"), errc::bad_request},
      {frame(R"({"type":"vote","request_id":"r","election_id":7,"voter":"u","candidate":"c"})"),
       errc::bad_request},
      {frame(R"({"type":"vote","request_id":"r","election_id":"e","voter":"u"})"),
       errc::bad_request},
      {frame(R"({"type":"launch_missiles"})"), errc::bad_request},
      {frame(std::string(200, '[') + std::string(200, ']')), errc::bad_request},
  };
  for (const auto& [bytes, code] : cases) {
    auto reply = raw_exchange(srv.port(), bytes);
    EXPECT_NE(first_error(reply), errc::ok) << "no error answer for: " << bytes.substr(0, 40);
    if (code == errc::too_large) {
      EXPECT_EQ(first_error(reply), errc::too_large);
    }
    EXPECT_TRUE(status_ok(srv)) << "server stopped serving after: " << bytes.substr(0, 40);
  }
  // A truncated frame followed by a hang-up, and random garbage, change nothing either.
  raw_exchange(srv.port(), frame(R"({"type":"status"})").substr(0, 9));
  std::string garbage;
  for (int i = 0; i < 5000; ++i) garbage.push_back(static_cast<char>((i * 7919) % 251));
  raw_exchange(srv.port(), garbage);
  EXPECT_TRUE(status_ok(srv));
  EXPECT_TRUE(srv.proc().running());
}

TEST(RobustnessTest, ASilentConnectionDoesNotBlockOthers) {
  server srv;
  srv.start();
  asio::io_context io;
  asio::ip::tcp::socket idle(io);
  idle.connect({asio::ip::make_address_v4("127.0.0.1"), srv.port()});
  asio::write(idle, asio::buffer(std::string("VOTE\x01", 5)));  // a frame that never completes
  EXPECT_TRUE(status_ok(srv));
}

TEST(RobustnessTest, PortAlreadyInUseIsAClearErrorWithExitThree) {
  server first;
  first.start();
  auto args = first.args();
  // Same port, different data directory.
  for (std::size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--data-dir") args[i + 1] += "-other";
  auto r = run("vote-server", args, 20s);
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("already in use"), std::string::npos) << r.err;
}

TEST(RobustnessTest, ASecondServerOnTheSameDataDirectoryIsRefused) {
  server first;
  first.start();
  auto args = first.args();
  for (std::size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--port") args[i + 1] = std::to_string(free_port());
  auto r = run("vote-server", args, 20s);
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("in use by another vote-server"), std::string::npos) << r.err;
}

TEST(RobustnessTest, BadFlagsAreUsageErrors) {
  EXPECT_EQ(run("vote-server", {}).code, 2);
  EXPECT_EQ(run("vote-server", {"--port", "0"}).code, 2);
  EXPECT_EQ(run("vote-server", {"--port", "7000", "--host", "not-an-ip"}).code, 2);
  EXPECT_EQ(run("vote-server", {"--port", "7000", "--id", "-3"}).code, 2);
  EXPECT_EQ(run("vote-server", {"--port", "7000", "--host", "127.0.0.1", "--broadcast",
                                "127.255.255.255", "--tls-ca", "/nonexistent/ca.crt"})
                .code,
            2);
  auto help = run("vote-server", {"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--discovery-port"), std::string::npos);
  EXPECT_NE(help.out.find("--insecure-admin"), std::string::npos);
}

// DESIGN.md §10 "Admin": refused in validate(), before any socket or file is opened (192.0.2.1 is
// a documentation address that no interface here has).
TEST(RobustnessTest, ANonLoopbackHostWithoutTokenOrKeyIsAUsageErrorThatSaysHowToMakeThem) {
  const auto dir = make_temp_dir("vote-exposure-");
  auto r = run("vote-server", {"--port", "7000", "--host", "192.0.2.1", "--broadcast",
                               "127.255.255.255", "--data-dir", (dir / "data").string()});
  EXPECT_EQ(r.code, 2);
  for (const char* says : {"--admin-token-file", "vote-admin init", "--insecure-admin",
                           "--cluster-key-file", "--insecure-cluster"}) {
    EXPECT_NE(r.err.find(says), std::string::npos) << says << " missing from: " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "data"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vote::test

namespace vote::test {
namespace {

TEST(ConfigFileTest, FlagsComeFromAConfigFileAndTheCommandLineWins) {
  server srv;  // only for its ports and temporary directory
  auto dir = srv.data_dir();
  {
    std::ofstream toml(dir / "vote.toml");
    toml << "port = 1\n"  // overridden on the command line below
         << "host = \"127.0.0.1\"\n"
         << "broadcast = \"127.255.255.255\"\n"
         << "discovery-port = " << srv.discovery_port() << "\n"
         << "data-dir = \"" << (dir / "from-config").string() << "\"\n"
         << "log-level = \"warn\"\n";
  }
  process p(bin("vote-server"),
            {"--config", (dir / "vote.toml").string(), "--port", std::to_string(srv.port())});
  ASSERT_TRUE(eventually([&] { return request(srv.port(), wire::client_request{}).has_value(); }))
      << p.stderr_text();
  EXPECT_TRUE(std::filesystem::exists(dir / "from-config" / "node"));
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace vote::test
