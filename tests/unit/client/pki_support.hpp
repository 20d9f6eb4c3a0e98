// Reading and checking PEM certificates in tests with OpenSSL itself (pki_test, init_test): the
// product's pki.cpp makes them, these helpers only read them.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace vote::client::test_pki {

struct x509_free_fn {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct pkey_free_fn {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using x509_ptr = std::unique_ptr<X509, x509_free_fn>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free_fn>;

inline x509_ptr read_cert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  x509_ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

inline pkey_ptr read_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  pkey_ptr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

// X509_verify_cert of `leaf` against the single trusted `ca`, for the TLS purpose given
// (X509_PURPOSE_SSL_SERVER or X509_PURPOSE_SSL_CLIENT); X509_V_OK when it chains.
inline int verify_chain(X509* ca, X509* leaf, int purpose) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  const int ok = X509_verify_cert(ctx);
  const int error = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return error;
}

// Seconds from now until `t` (negative when in the past).
inline long long seconds_until(const ASN1_TIME* t) {
  int days = 0;
  int secs = 0;
  ASN1_TIME_diff(&days, &secs, nullptr, t);
  return static_cast<long long>(days) * 86400 + secs;
}

}  // namespace vote::client::test_pki
