// TLS contexts and certificate checks (include/vote/net/tls.hpp).
#include "vote/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace vote::net {
namespace {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

// The server sends no session tickets: no client resumes (every connection is a fresh SSL
// object), and each ticket would cost an encryption and a record per connection.
constexpr std::size_t session_tickets = 0;
constexpr unsigned char session_id_context[] = "vote-server";

std::string what_of(const char* flag, const std::string& path) {
  return std::string(flag) + " " + path + ": ";
}

void check_readable(const char* flag, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw tls_error(what_of(flag, path) + "cannot read it: " + std::strerror(errno));
}

void tls13_only(tls_context& c) {
  auto* native = c.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
  c.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
}

void load_ca(tls_context& c, const std::string& path) {
  check_readable("--tls-ca", path);
  error_code ec;
  c.load_verify_file(path, ec);
  if (ec) {
    throw tls_error(what_of("--tls-ca", path) + "not a PEM CA certificate (" + ec.message() + ")");
  }
}

// The server's own certificate must chain to the CA, for both of its uses: serving its port and
// opening peer links (where it is the client certificate).
void check_signed_by_ca(tls_context& c, const tls_files& f) {
  auto* native = c.native_handle();
  X509* leaf = SSL_CTX_get0_certificate(native);
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(native, &chain);
  for (const int purpose : {X509_PURPOSE_SSL_SERVER, X509_PURPOSE_SSL_CLIENT}) {
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> store(X509_STORE_CTX_new(),
                                                                          X509_STORE_CTX_free);
    if (!store ||
        X509_STORE_CTX_init(store.get(), SSL_CTX_get_cert_store(native), leaf, chain) != 1)
      throw tls_error("cannot check the certificate: out of memory");
    X509_STORE_CTX_set_purpose(store.get(), purpose);
    if (X509_verify_cert(store.get()) == 1) continue;
    const int error = X509_STORE_CTX_get_error(store.get());
    throw tls_error(what_of("--tls-cert", f.cert) + "not usable with the CA in --tls-ca " + f.ca +
                    ": " + X509_verify_cert_error_string(error) +
                    (purpose == X509_PURPOSE_SSL_CLIENT
                         ? " (as a client certificate for peer links: it needs extended key "
                           "usage clientAuth as well as serverAuth, or none)"
                         : ""));
  }
}

}  // namespace

std::shared_ptr<tls_context> make_server_context(const tls_files& f) {
  auto c = std::make_shared<tls_context>(ssl::context::tls);
  tls13_only(*c);
  error_code ec;
  check_readable("--tls-cert", f.cert);
  c->use_certificate_chain_file(f.cert, ec);
  if (ec) {
    throw tls_error(what_of("--tls-cert", f.cert) + "not a PEM certificate (" + ec.message() + ")");
  }
  check_readable("--tls-key", f.key);
  c->use_private_key_file(f.key, ssl::context::pem, ec);
  if (ec && ec.message().find("mismatch") != std::string::npos) {
    throw tls_error(what_of("--tls-key", f.key) + "does not match the certificate in --tls-cert " +
                    f.cert);
  }
  if (ec) {
    throw tls_error(what_of("--tls-key", f.key) + "not an unencrypted PEM private key (" +
                    ec.message() + ")");
  }
  if (SSL_CTX_check_private_key(c->native_handle()) != 1) {
    ERR_clear_error();
    throw tls_error(what_of("--tls-key", f.key) + "does not match the certificate in --tls-cert " +
                    f.cert);
  }
  load_ca(*c, f.ca);
  check_signed_by_ca(*c, f);
  // Request a certificate, verify it if one comes, do not require one: clients have none; the
  // listener lets only certified connections carry peer frames.
  c->set_verify_mode(ssl::verify_peer);
  SSL_CTX_set_session_id_context(c->native_handle(), session_id_context,
                                 sizeof session_id_context - 1);
  SSL_CTX_set_num_tickets(c->native_handle(), session_tickets);
  return c;
}

std::shared_ptr<tls_context> make_client_context(const std::string& ca_file) {
  auto c = std::make_shared<tls_context>(ssl::context::tls_client);
  tls13_only(*c);
  load_ca(*c, ca_file);
  c->set_verify_mode(ssl::verify_peer);
  return c;
}

bool certificate_names_ip(const std::string& cert_file, const std::string& ip) {
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(cert_file.c_str(), "r"),
                                                          std::fclose);
  if (!file) return false;
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_X509(file.get(), nullptr, nullptr, nullptr), X509_free);
  ERR_clear_error();
  return cert && X509_check_ip_asc(cert.get(), ip.c_str(), 0) == 1;
}

void verify_server_ip(tls_stream& s, const std::string& ip) {
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s.native_handle()), ip.c_str());
}

bool peer_certified(tls_stream& s) {
  auto* native = s.native_handle();
  return SSL_get0_peer_certificate(native) != nullptr && SSL_get_verify_result(native) == X509_V_OK;
}

bool certificate_refused(tls_stream& s) {
  return SSL_get_verify_result(s.native_handle()) != X509_V_OK;
}

std::string describe_handshake_failure(tls_stream& s, const error_code& ec) {
  const long result = SSL_get_verify_result(s.native_handle());
  if (result != X509_V_OK) {
    return std::string("its certificate is not trusted: ") + X509_verify_cert_error_string(result) +
           " (it must chain to the --tls-ca CA and name the address connected to)";
  }
  return "TLS handshake failed: " + ec.message() + " (does the server run with TLS?)";
}

}  // namespace vote::net
