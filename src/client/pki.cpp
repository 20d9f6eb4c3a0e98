// A CA and server certificates with the OpenSSL 3 C API (include/vote/client/pki.hpp).
#include "vote/client/pki.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace vote::client::pki {
namespace {

template <auto Free>
struct deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO_free_all>>;
using bn_ptr = std::unique_ptr<BIGNUM, deleter<BN_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION_free>>;

// Throws with OpenSSL's most recent reason (the error queue is cleared).
[[noreturn]] void fail(const std::string& what) {
  std::string reason;
  if (const unsigned long code = ERR_get_error(); code != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    reason = std::string(": ") + buf.data();
  }
  ERR_clear_error();
  throw std::runtime_error(what + reason);
}

void check(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

pkey_ptr new_p256_key() {
  pkey_ptr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "cannot generate an EC P-256 key");
  return key;
}

// A random positive serial of 127 bits (RFC 5280: at most 20 octets, positive).
void set_random_serial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  check(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1, "RAND_bytes failed");
  bytes[0] &= 0x7f;
  bytes[0] |= 0x40;  // never a short serial
  bn_ptr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  check(bn != nullptr, "BN_bin2bn failed");
  check(BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr,
        "cannot set the serial number");
}

// Version 3, a random serial, the subject CN, the public key and the validity window.
x509_ptr new_cert(EVP_PKEY* key, const std::string& common_name, std::chrono::days validity) {
  if (common_name.empty() || common_name.size() > 64)
    throw std::invalid_argument("a certificate's common name must be 1 to 64 characters");
  if (validity.count() < 1 || validity.count() > 36500)
    throw std::invalid_argument("a certificate's validity must be 1 to 36500 days");
  x509_ptr cert(X509_new());
  check(cert != nullptr, "X509_new failed");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "cannot set the X.509 version");
  set_random_serial(cert.get());
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "cannot set notBefore");
  check(X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(validity.count()), 0,
                         nullptr) != nullptr,
        "cannot set notAfter");
  check(X509_set_pubkey(cert.get(), key) == 1, "cannot set the public key");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "cannot set the subject name");
  return cert;
}

// Adds one extension written in OpenSSL's configuration syntax ("critical,CA:TRUE").
void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  check(ext != nullptr, std::string("cannot make the extension ") + OBJ_nid2sn(nid));
  check(X509_add_ext(cert, ext.get(), -1) == 1,
        std::string("cannot add the extension ") + OBJ_nid2sn(nid));
}

void sign(X509* cert, EVP_PKEY* key) {
  check(X509_sign(cert, key, EVP_sha256()) > 0, "cannot sign the certificate");
}

std::string key_to_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr, "BIO_new failed");
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "cannot write the private key");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string cert_to_pem(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr, "BIO_new failed");
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "cannot write the certificate");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

bio_ptr read_bio(const std::string& pem) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  check(bio != nullptr, "BIO_new_mem_buf failed");
  return bio;
}

pkey_ptr key_from_pem(const std::string& pem) {
  pkey_ptr key(PEM_read_bio_PrivateKey(read_bio(pem).get(), nullptr, nullptr, nullptr));
  check(key != nullptr, "cannot read the CA's private key");
  return key;
}

x509_ptr cert_from_pem(const std::string& pem) {
  x509_ptr cert(PEM_read_bio_X509(read_bio(pem).get(), nullptr, nullptr, nullptr));
  check(cert != nullptr, "cannot read the CA's certificate");
  return cert;
}

}  // namespace

credential make_ca(const std::string& common_name, std::chrono::days validity) {
  auto key = new_p256_key();
  auto cert = new_cert(key.get(), common_name, validity);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) == 1,
        "cannot set the issuer name");
  add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  sign(cert.get(), key.get());
  return {key_to_pem(key.get()), cert_to_pem(cert.get())};
}

credential issue_server_cert(const credential& ca, const std::string& ip,
                             const std::string& common_name, std::chrono::days validity) {
  in_addr parsed{};
  if (::inet_pton(AF_INET, ip.c_str(), &parsed) != 1)
    throw std::invalid_argument("not an IPv4 address: '" + ip + "'");
  auto ca_key = key_from_pem(ca.key_pem);
  auto ca_cert = cert_from_pem(ca.cert_pem);
  check(X509_check_private_key(ca_cert.get(), ca_key.get()) == 1,
        "the CA's key does not match its certificate");

  auto key = new_p256_key();
  auto cert = new_cert(key.get(), common_name, validity);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) == 1,
        "cannot set the issuer name");
  const ASN1_TIME* ca_end = X509_get0_notAfter(ca_cert.get());
  if (ASN1_TIME_compare(X509_get0_notAfter(cert.get()), ca_end) > 0)
    check(X509_set1_notAfter(cert.get(), ca_end) == 1, "cannot set notAfter");
  add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  // `ip` is a checked dotted quad: nothing else can reach the configuration syntax.
  add_ext(cert.get(), ca_cert.get(), NID_subject_alt_name, "IP:" + ip);
  add_ext(cert.get(), ca_cert.get(), NID_subject_key_identifier, "hash");
  add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
  sign(cert.get(), ca_key.get());
  return {key_to_pem(key.get()), cert_to_pem(cert.get())};
}

std::string random_hex(std::size_t bytes) {
  if (bytes == 0 || bytes > 4096) throw std::invalid_argument("random_hex: 1 to 4096 bytes");
  std::string raw(bytes, '\0');
  check(RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) == 1,
        "RAND_bytes failed");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes);
  for (unsigned char c : raw) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0x0f]);
  }
  return out;
}

}  // namespace vote::client::pki
