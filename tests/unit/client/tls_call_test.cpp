// call() with --tls-ca: a server must prove itself with a certificate of the CA that names the
// address connected to. An impostor that answers who_is_leader first (plain UDP: anyone can) is
// refused before it reads a byte of the request, and the client goes on to the others.
#include <gtest/gtest.h>

#include "fake_server.hpp"
#include "support/test_pki.hpp"
#include "vote/client/call.hpp"
#include "vote/client/output.hpp"

namespace vote::client {
namespace {

using testing::answer;
using testing::fake_responder;
using testing::fake_server;
using testing::reply;
using vote::test::test_pki;

class TlsCall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new test_pki(); }
  static void TearDownTestSuite() { delete pki_; }

  // A TLS fake server with a certificate of the CA for `ip`, answering ok.
  static std::unique_ptr<fake_server> trusted_server(const std::string& ip = "127.0.0.1") {
    static int n = 0;
    const auto s = pki_->issue("trusted" + std::to_string(n++), ip);
    return std::make_unique<fake_server>(
        [](const wire::client_request&, std::size_t) { return reply::ok("counted"); },
        net::make_server_context({s.cert, s.key, pki_->ca()}));
  }
  // A TLS fake server with a self-signed certificate for 127.0.0.1 (a LAN host passing itself
  // off as the leader).
  static std::unique_ptr<fake_server> impostor() {
    const auto s = pki_->self_signed("impostor");
    return std::make_unique<fake_server>(
        [](const wire::client_request&, std::size_t) { return reply::ok("stolen"); },
        net::make_server_context({s.cert, s.key, s.cert}));
  }

  static call_options tls_options(std::chrono::milliseconds timeout) {
    call_options o;
    o.timeout = timeout;
    o.tls = net::make_client_context(pki_->ca());
    return o;
  }
  static wire::client_request a_vote() {
    wire::client_request r;
    r.type = wire::request_type::vote;
    r.request_id = "rid";
    r.body = vote_cmd{"e1", "u1", "Alice"};
    return r;
  }

  static test_pki* pki_;
};
test_pki* TlsCall::pki_ = nullptr;

TEST_F(TlsCall, TrustedServerIsServed) {
  auto server = trusted_server();
  auto o = tls_options(std::chrono::seconds(5));
  o.server = server->endpoint();
  const auto r = call(a_vote(), o);
  EXPECT_EQ(r.result, outcome::ok) << r.message;
  EXPECT_EQ(server->request_ids(), (std::vector<std::string>{"rid"}));
}

TEST_F(TlsCall, SelfSignedServerIsRefusedBeforeItReadsTheRequest) {
  auto fake = impostor();
  auto o = tls_options(std::chrono::seconds(5));
  o.server = fake->endpoint();
  const auto r = call(a_vote(), o);
  EXPECT_EQ(r.result, outcome::not_sent);
  EXPECT_EQ(r.why, failure::no_leader);
  EXPECT_NE(r.message.find("certificate is not trusted"), std::string::npos) << r.message;
  EXPECT_EQ(r.attempts, 1);  // refused for good, not retried until the deadline
  EXPECT_TRUE(fake->request_ids().empty());
  EXPECT_EQ(exit_code(r), 3);
}

TEST_F(TlsCall, CertificateForAnotherAddressIsRefused) {
  auto server = trusted_server("127.0.0.2");  // served on 127.0.0.1
  auto o = tls_options(std::chrono::seconds(5));
  o.server = server->endpoint();
  const auto r = call(a_vote(), o);
  EXPECT_EQ(r.result, outcome::not_sent);
  EXPECT_NE(r.message.find("IP address mismatch"), std::string::npos) << r.message;
  EXPECT_TRUE(server->request_ids().empty());
}

TEST_F(TlsCall, ImpostorThatAnsweredWhoIsLeaderFirstIsSkippedForTheTrustedLeader) {
  auto fake = impostor();
  auto leader = trusted_server();
  const auto port = testing::free_udp_port();
  // The impostor claims a higher epoch, so discovery names it first.
  fake_responder responder(port, [&](const wire::who_is_leader&) {
    return std::vector{answer(fake->endpoint_text(), 99), answer(leader->endpoint_text(), 2)};
  });
  auto o = tls_options(std::chrono::seconds(10));
  o.discovery.broadcast = "127.255.255.255";
  o.discovery.port = port;
  const auto r = call(a_vote(), o);
  EXPECT_EQ(r.result, outcome::ok) << r.message;
  EXPECT_TRUE(fake->request_ids().empty());
  EXPECT_EQ(leader->request_ids(), (std::vector<std::string>{"rid"}));
}

TEST_F(TlsCall, ImpostorAloneEndsWithAClearErrorAndNothingSent) {
  auto fake = impostor();
  const auto port = testing::free_udp_port();
  fake_responder responder(port, [&](const wire::who_is_leader&) {
    return std::vector{answer(fake->endpoint_text(), 9)};
  });
  auto o = tls_options(std::chrono::milliseconds(1500));
  o.discovery.broadcast = "127.255.255.255";
  o.discovery.port = port;
  const auto r = call(a_vote(), o);
  EXPECT_EQ(r.result, outcome::not_sent);
  EXPECT_NE(r.message.find("refused " + fake->endpoint_text()), std::string::npos) << r.message;
  EXPECT_TRUE(fake->request_ids().empty());
  EXPECT_EQ(exit_code(r), 3);
}

TEST_F(TlsCall, TlsClientOfAPlaintextServerGetsAClearError) {
  fake_server plain([](const wire::client_request&, std::size_t) { return reply::ok("plain"); });
  auto o = tls_options(std::chrono::seconds(1));
  o.server = plain.endpoint();
  const auto r = call(a_vote(), o);
  EXPECT_EQ(r.result, outcome::not_sent);
  EXPECT_NE(r.message.find("does the server run with TLS?"), std::string::npos) << r.message;
  EXPECT_TRUE(plain.request_ids().empty());
}

}  // namespace
}  // namespace vote::client
