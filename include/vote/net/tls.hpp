// TLS 1.3 for every TCP connection (DESIGN.md §10 "TLS"; docs/security.md "TLS"): the one place
// where OpenSSL contexts are made and certificates are checked.
//
//   - make_server_context(): what a vote-server uses on both ends of its connections. As the
//     server of its port it presents its certificate and *requests* one from the other side
//     (verified against the CA when given, not required: clients have none); as the client of
//     its outgoing peer links it presents the same certificate and verifies the remote's. Every
//     file problem (unreadable, not PEM, key not matching the certificate, certificate not signed
//     by the CA) throws tls_error before anything listens.
//   - make_client_context(): a client's: trusts only the CA, presents nothing.
//   - verify_server_ip(): before a client handshake, the server's certificate must name the IP
//     address connected to in its subjectAltName (X509_VERIFY_PARAM_set1_ip_asc), so a host that
//     answered `who_is_leader` cannot pass off another server's certificate.
//   - peer_certified(): after a server handshake, whether the other side presented a certificate
//     that chains to the CA (only such connections may carry peer frames: client_listener.hpp).
//
// Protocol: TLS 1.3 only (min = max = 1.3), no compression, no renegotiation (TLS 1.3 has none).
// Contexts are immutable once made and shared (std::shared_ptr) by every stream that uses them.
// Threading: a context may be shared across threads; a stream belongs to its executor.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace vote::net {

using tls_context = boost::asio::ssl::context;
using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// The server's three files (all or none: vote-server's config validation).
struct tls_files {
  std::string cert;  // PEM: this server's certificate, optionally followed by intermediates
  std::string key;   // PEM: its private key (unencrypted)
  std::string ca;    // PEM: the cluster's CA certificate(s)
  bool enabled() const noexcept { return !cert.empty() || !key.empty() || !ca.empty(); }
  bool complete() const noexcept { return !cert.empty() && !key.empty() && !ca.empty(); }
};

// A certificate, key or CA file that cannot be used; the message names the flag and the file.
class tls_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::shared_ptr<tls_context> make_server_context(const tls_files& files);
std::shared_ptr<tls_context> make_client_context(const std::string& ca_file);

// Whether the certificate in `cert_file` names `ip` in its subjectAltName (false also when the
// file cannot be read).
bool certificate_names_ip(const std::string& cert_file, const std::string& ip);

// Client side, before the handshake: the certificate must name `ip` (an IP literal).
void verify_server_ip(tls_stream& s, const std::string& ip);

// Server side, after the handshake: the other side presented a certificate and it verified.
bool peer_certified(tls_stream& s);

// A failed handshake in words, for the user: an untrusted certificate says why (OpenSSL's
// verification error, e.g. "self-signed certificate" or "IP address mismatch"), a non-TLS
// answer says that the server does not speak TLS.
std::string describe_handshake_failure(tls_stream& s, const boost::system::error_code& ec);

// Whether a failed client handshake failed on the certificate (rather than on the transport).
bool certificate_refused(tls_stream& s);

}  // namespace vote::net
