// TLS contexts (net/tls.hpp) and the TLS edge of the client listener and the peer links: what
// loads, what is refused at start, who may send peer frames, what a failed handshake costs.
#include "vote/net/tls.hpp"

#include <gtest/gtest.h>

#include "listener_fixture.hpp"
#include "support/test_pki.hpp"
#include "vote/net/peer_links.hpp"

namespace vote::net::test {
namespace {

using vote::test::test_pki;

// Polls `pred` until it holds or `timeout` passes (no sleeping for a protocol step).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// One CA, two servers' certificates, a certificate of another CA and a self-signed one.
class TlsContextTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new test_pki();
    other_ = new test_pki();
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete other_;
  }
  static test_pki* pki_;
  static test_pki* other_;
};
test_pki* TlsContextTest::pki_ = nullptr;
test_pki* TlsContextTest::other_ = nullptr;

// The message of the tls_error that `f` throws, or "" when it throws none.
template <class F>
std::string refusal(F f) {
  try {
    f();
  } catch (const tls_error& e) {
    return e.what();
  }
  return "";
}

TEST_F(TlsContextTest, ServerContextLoadsACertificateOfTheCa) {
  const auto s = pki_->issue("s1");
  EXPECT_NE(make_server_context({s.cert, s.key, pki_->ca()}), nullptr);
  EXPECT_TRUE(certificate_names_ip(s.cert, "127.0.0.1"));
  EXPECT_FALSE(certificate_names_ip(s.cert, "127.0.0.2"));
  EXPECT_FALSE(certificate_names_ip((pki_->dir() / "missing.pem").string(), "127.0.0.1"));
}

TEST_F(TlsContextTest, UnreadableFilesAreNamedWithTheirFlag) {
  const auto s = pki_->issue("s2");
  const std::string missing = (pki_->dir() / "missing.pem").string();
  EXPECT_NE(refusal([&] {
              make_server_context({missing, s.key, pki_->ca()});
            }).find("--tls-cert " + missing + ": cannot read it"),
            std::string::npos);
  EXPECT_NE(refusal([&] {
              make_server_context({s.cert, missing, pki_->ca()});
            }).find("--tls-key " + missing + ": cannot read it"),
            std::string::npos);
  EXPECT_NE(refusal([&] {
              make_server_context({s.cert, s.key, missing});
            }).find("--tls-ca " + missing + ": cannot read it"),
            std::string::npos);
  EXPECT_NE(refusal([&] { make_client_context(missing); }).find("--tls-ca"), std::string::npos);
}

TEST_F(TlsContextTest, FilesThatAreNotPemAreRefused) {
  const auto s = pki_->issue("s3");
  const auto junk = pki_->write("junk.pem", "not a certificate\n");
  EXPECT_NE(refusal([&] {
              make_server_context({junk, s.key, pki_->ca()});
            }).find("not a PEM certificate"),
            std::string::npos);
  EXPECT_NE(refusal([&] {
              make_server_context({s.cert, junk, pki_->ca()});
            }).find("--tls-key"),
            std::string::npos);
  EXPECT_NE(refusal([&] { make_client_context(junk); }).find("not a PEM CA certificate"),
            std::string::npos);
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  const auto a = pki_->issue("a");
  const auto b = pki_->issue("b");
  EXPECT_NE(refusal([&] {
              make_server_context({a.cert, b.key, pki_->ca()});
            }).find("does not match the certificate"),
            std::string::npos);
}

TEST_F(TlsContextTest, CertificateOfAnotherCaIsRefused) {
  const auto foreign = other_->issue("foreign");
  const auto message = refusal([&] {
    make_server_context({foreign.cert, foreign.key, pki_->ca()});
  });
  EXPECT_NE(message.find("not usable with the CA in --tls-ca"), std::string::npos) << message;
}

// A listener with TLS, on loopback, and blocking TLS clients.
class TlsListenerTest : public ClientListenerTest {
 protected:
  void SetUp() override {
    server_ = pki_.issue("server");
    context_ = make_server_context({server_.cert, server_.key, pki_.ca()});
  }

  void start_tls(listener_options o = {}) {
    o.tls = context_;
    start(o, /*with_peers=*/true);
  }

  listener_stats stats() {
    return on_io([this] { return listener_->stats(); });
  }

  // A TLS client of the listener, presenting `client` when given; throws if the handshake fails.
  std::unique_ptr<tls_stream> tls_connect(std::shared_ptr<tls_context> ctx) {
    auto s = std::make_unique<tls_stream>(connect(2s), *ctx);
    verify_server_ip(*s, "127.0.0.1");
    s->handshake(tls_stream::client);
    return s;
  }
  std::shared_ptr<tls_context> client_context() { return make_client_context(pki_.ca()); }

  test_pki pki_;
  test_pki::issued server_;
  std::shared_ptr<tls_context> context_;
};

TEST_F(TlsListenerTest, TlsClientWithoutCertificateIsServed) {
  start_tls();
  auto s = tls_connect(client_context());
  asio::write(*s, asio::buffer(frame(R"({"hello":1})")));
  EXPECT_EQ(read_payload(*s), R"({"hello":1})");
  EXPECT_EQ(stats().tls_handshakes_failed, 0u);
}

TEST_F(TlsListenerTest, PlaintextClientGetsOneErrorFrameThenClose) {
  start_tls();
  auto s = connect(2s);
  asio::write(s, asio::buffer(frame(R"({"type":"status"})")));
  const auto r = read_response(s);
  EXPECT_EQ(r.code, errc::unsupported);
  EXPECT_NE(r.message.find("--tls-ca"), std::string::npos);
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_EQ(stats().tls_handshakes_failed, 1u);
}

TEST_F(TlsListenerTest, FailedHandshakeClosesAndIsCounted) {
  start_tls();
  auto s = connect(2s);
  // A TLS record header (handshake, TLS 1.0) followed by garbage.
  asio::write(s, asio::buffer(std::string("\x16\x03\x01\x00\x05garbagegarbage", 19)));
  auto next = next_read(s);
  while (next == seen::bytes) next = next_read(s);  // an alert, perhaps
  EXPECT_EQ(next, seen::closed);
  EXPECT_TRUE(eventually([&] { return stats().tls_handshakes_failed == 1; }, 5s));
  EXPECT_TRUE(eventually([&] { return stats().open == 0; }, 5s));
}

TEST_F(TlsListenerTest, SilentConnectionIsClosedAtTheHandshakeDeadline) {
  listener_options o;
  o.handshake_timeout = 100ms;
  start_tls(o);
  auto s = connect(5s);
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_EQ(stats().timeouts, 1u);
  EXPECT_EQ(stats().open, 0u);
}

TEST_F(TlsListenerTest, PeerFrameWithoutCertificateIsRefused) {
  start_tls();
  auto s = tls_connect(client_context());
  asio::write(*s, asio::buffer(peer_frame("x")));
  boost::system::error_code ec;
  std::string rest(4096, '\0');
  std::size_t got = 0;
  while (!ec) got += s->read_some(asio::buffer(rest.data() + got, rest.size() - got), ec);
  EXPECT_GT(got, 0u);  // the frame-level error response, then the close
  EXPECT_EQ(stats().peer_frames_uncertified, 1u);
  EXPECT_TRUE(peers_.wait_for(1, 100ms).empty());
}

TEST_F(TlsListenerTest, PeerFrameWithCertificateOfTheCaIsTaken) {
  start_tls();
  const auto peer = pki_.issue("peer");
  auto s = tls_connect(make_server_context({peer.cert, peer.key, pki_.ca()}));
  asio::write(*s, asio::buffer(peer_frame("from-peer")));
  EXPECT_EQ(peers_.wait_for(1, 5s), std::vector<std::string>{"from-peer"});
}

TEST_F(TlsListenerTest, ClientCertificateOfAnotherCaFailsTheHandshake) {
  start_tls();
  test_pki other;
  const auto foreign = other.issue("foreign");
  auto ctx = make_server_context({foreign.cert, foreign.key, other.ca()});
  ctx->load_verify_file(pki_.ca());  // it trusts our server, we must not trust it
  // TLS 1.3: the client's handshake may finish before the server refuses its certificate; the
  // refusal then arrives as an alert instead of the answer.
  bool refused = false;
  try {
    auto s = tls_connect(ctx);
    asio::write(*s, asio::buffer(peer_frame("forged")));
    char byte = 0;
    s->read_some(asio::buffer(&byte, 1));
  } catch (const boost::system::system_error&) {
    refused = true;
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(eventually([&] { return stats().tls_handshakes_failed == 1; }, 5s));
  EXPECT_TRUE(peers_.wait_for(1, 100ms).empty());
}

// Peer links over TLS to a TLS listener: mutual TLS both ways.
TEST_F(TlsListenerTest, PeerLinksDeliverOverMutualTls) {
  start_tls();
  peer_link_options o;
  o.tls = context_;  // the server's own context: its certificate is the client certificate
  peer_links links(io_, o, nullptr);
  asio::post(io_, [&] {
    links.send(7, "127.0.0.1:" + std::to_string(port_),
               encode_leave({.from = 1, .incarnation = 2, .cluster_uuid = "tls"}));
  });
  EXPECT_EQ(peers_.wait_for(1, 5s), std::vector<std::string>{"tls"});
  on_io([&] {
    links.stop();
    return 0;
  });
}

TEST_F(TlsListenerTest, PeerLinkRefusesListenerWithCertificateOfAnotherCa) {
  start_tls();
  test_pki other;
  const auto foreign = other.issue("foreign");
  peer_link_options o;
  o.tls = make_server_context({foreign.cert, foreign.key, other.ca()});
  o.backoff_initial = 1000ms;
  std::atomic<int> downs{0};
  peer_links links(io_, o, [&](std::uint64_t) { ++downs; });
  asio::post(io_, [&] {
    links.send(7, "127.0.0.1:" + std::to_string(port_),
               encode_leave({.from = 1, .incarnation = 2, .cluster_uuid = "x"}));
  });
  EXPECT_TRUE(eventually([&] { return downs.load() > 0; }, 5s));
  EXPECT_GE(on_io([&] { return links.stats().certificates_refused; }), 1u);
  EXPECT_TRUE(peers_.wait_for(1, 100ms).empty());
  on_io([&] {
    links.stop();
    return 0;
  });
}

}  // namespace
}  // namespace vote::net::test
