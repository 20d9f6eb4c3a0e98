// The CA and server certificates of vote-admin init (include/vote/client/pki.hpp), checked with
// OpenSSL's own verifier.
#include "vote/client/pki.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "pki_support.hpp"

namespace vote::client::pki {
namespace {

using namespace test_pki;

constexpr long long day = 86400;

class PkiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ca_ = new credential(make_ca("vote-server CA (cluster test)")); }
  static void TearDownTestSuite() {
    delete ca_;
    ca_ = nullptr;
  }
  static credential& ca() { return *ca_; }
  static credential* ca_;
};
credential* PkiTest::ca_ = nullptr;

TEST_F(PkiTest, TheCaIsASelfSignedCaWithItsOwnKey) {
  auto cert = read_cert(ca().cert_pem);
  auto key = read_key(ca().key_pem);
  ASSERT_TRUE(cert && key);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(X509_check_issued(cert.get(), cert.get()), X509_V_OK);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN, KU_KEY_CERT_SIGN);
}

TEST_F(PkiTest, TheCaIsValidNowForAboutTenYears) {
  auto cert = read_cert(ca().cert_pem);
  EXPECT_LE(seconds_until(X509_get0_notBefore(cert.get())), 0);
  const auto left = seconds_until(X509_get0_notAfter(cert.get()));
  EXPECT_GT(left, 3649 * day);
  EXPECT_LE(left, 3650 * day + 60);
}

TEST_F(PkiTest, AServerCertificateChainsToTheCaForServerAndClientUse) {
  const auto server = issue_server_cert(ca(), "192.168.1.21", "vote-server 1 192.168.1.21");
  auto ca_cert = read_cert(ca().cert_pem);
  auto cert = read_cert(server.cert_pem);
  ASSERT_TRUE(ca_cert && cert);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(ca_cert.get())), 1);
  EXPECT_EQ(verify_chain(ca_cert.get(), cert.get(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_EQ(verify_chain(ca_cert.get(), cert.get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()) & (XKU_SSL_SERVER | XKU_SSL_CLIENT),
            static_cast<std::uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(X509_check_ca(cert.get()), 0);  // it cannot sign others
}

TEST_F(PkiTest, AServerCertificateNamesItsIpAndNothingElse) {
  const auto server = issue_server_cert(ca(), "192.168.1.21", "vote-server 1 192.168.1.21");
  auto cert = read_cert(server.cert_pem);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.168.1.21", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.168.1.22", 0), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 0);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 0);
  const auto loopback = issue_server_cert(ca(), "127.0.0.1", "vote-server 1 127.0.0.1");
  EXPECT_EQ(X509_check_ip_asc(read_cert(loopback.cert_pem).get(), "127.0.0.1", 0), 1);
}

TEST_F(PkiTest, AServerKeyMatchesItsCertificateAndNotAnother) {
  const auto a = issue_server_cert(ca(), "10.0.0.1", "a");
  const auto b = issue_server_cert(ca(), "10.0.0.2", "b");
  auto a_cert = read_cert(a.cert_pem);
  EXPECT_EQ(X509_check_private_key(a_cert.get(), read_key(a.key_pem).get()), 1);
  EXPECT_EQ(X509_check_private_key(a_cert.get(), read_key(b.key_pem).get()), 0);
}

TEST_F(PkiTest, AServerCertificateIsValidNowAndNeverOutlivesTheCa) {
  const auto server = issue_server_cert(ca(), "10.0.0.1", "a", std::chrono::days(36000));
  auto cert = read_cert(server.cert_pem);
  auto ca_cert = read_cert(ca().cert_pem);
  EXPECT_LE(seconds_until(X509_get0_notBefore(cert.get())), 0);
  EXPECT_LE(ASN1_TIME_compare(X509_get0_notAfter(cert.get()), X509_get0_notAfter(ca_cert.get())),
            0);
}

TEST_F(PkiTest, AnotherCasCertificateDoesNotChain) {
  const auto other_ca = make_ca("another CA");
  const auto foreign = issue_server_cert(other_ca, "10.0.0.1", "a");
  auto ca_cert = read_cert(ca().cert_pem);
  EXPECT_NE(verify_chain(ca_cert.get(), read_cert(foreign.cert_pem).get(), X509_PURPOSE_SSL_SERVER),
            X509_V_OK);
}

TEST_F(PkiTest, SerialsAreRandomAndPositive) {
  std::set<std::string> serials;
  for (int i = 0; i < 4; ++i) {
    auto cert = read_cert(issue_server_cert(ca(), "10.0.0.1", "a").cert_pem);
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
    EXPECT_NE(ASN1_INTEGER_get(serial), 0);
    BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
    EXPECT_FALSE(BN_is_negative(bn));
    EXPECT_GE(BN_num_bits(bn), 120);
    char* hex = BN_bn2hex(bn);
    serials.insert(hex);
    OPENSSL_free(hex);
    BN_free(bn);
  }
  EXPECT_EQ(serials.size(), 4u);
}

TEST_F(PkiTest, BadArgumentsAreRefused) {
  EXPECT_THROW(issue_server_cert(ca(), "10.0.0", "a"), std::invalid_argument);
  EXPECT_THROW(issue_server_cert(ca(), "host.example", "a"), std::invalid_argument);
  EXPECT_THROW(issue_server_cert(ca(), "10.0.0.1/24", "a"), std::invalid_argument);
  EXPECT_THROW(make_ca(""), std::invalid_argument);
  EXPECT_THROW(issue_server_cert({"garbage", "garbage"}, "10.0.0.1", "a"), std::runtime_error);
  const auto other = make_ca("other");
  EXPECT_THROW(issue_server_cert({other.key_pem, ca().cert_pem}, "10.0.0.1", "a"),
               std::runtime_error);  // a key that is not the CA's
}

TEST(RandomHexTest, HasTheLengthAskedAndDiffersEachTime) {
  const auto a = random_hex(32);
  const auto b = random_hex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  EXPECT_THROW(random_hex(0), std::invalid_argument);
}

}  // namespace
}  // namespace vote::client::pki
