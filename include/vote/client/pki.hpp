// A small PKI for one cluster on a LAN (DESIGN.md §10 "TLS"; `vote-admin init`): a CA and, per
// server, a key and a certificate that the CA signs, for mutual TLS between peers and for clients
// that check the server they reach (VOTE_TLS_CA).
//
//   CA       EC P-256 key; self-signed X.509 v3; basicConstraints critical CA:TRUE, pathlen:0;
//            keyUsage critical keyCertSign, cRLSign; subjectKeyIdentifier.
//   server   EC P-256 key; X.509 v3 signed by the CA (SHA-256); basicConstraints critical
//            CA:FALSE; keyUsage critical digitalSignature; extendedKeyUsage serverAuth,
//            clientAuth (a peer is a TLS client of the other peers); subjectAltName IP:<ip>
//            only (no DNS names, no 127.0.0.1 unless <ip> is it); subject and authority key ids.
//   both     a random positive 127-bit serial (RAND_bytes); notBefore one hour in the past
//            (clock skew between laptops), notAfter `validity` after now.
//
// Keys are written as unencrypted PKCS#8 PEM, certificates as PEM. Random material comes from
// OpenSSL's RAND_bytes. Every function throws std::runtime_error (with OpenSSL's reason) on
// failure and std::invalid_argument on a bad argument. Stateless; safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace vote::client::pki {

// A private key and its certificate, both PEM.
struct credential {
  std::string key_pem;
  std::string cert_pem;
};

inline constexpr std::chrono::days default_validity{3650};  // about ten years

// A new CA whose subject is CN=`common_name` (1..64 characters).
credential make_ca(const std::string& common_name, std::chrono::days validity = default_validity);

// A new key and a certificate for a server at IPv4 address `ip` (dotted quad), signed by `ca`,
// subject CN=`common_name`. notAfter never exceeds the CA's. Throws std::invalid_argument when
// `ip` is not an IPv4 address.
credential issue_server_cert(const credential& ca, const std::string& ip,
                             const std::string& common_name,
                             std::chrono::days validity = default_validity);

// `bytes` random bytes from RAND_bytes as lowercase hex (2 * bytes characters).
std::string random_hex(std::size_t bytes);

}  // namespace vote::client::pki
