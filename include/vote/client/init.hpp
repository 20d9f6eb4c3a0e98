// `vote-admin init DIR --servers IP1,IP2,IP3`: everything a secure cluster needs, in one
// directory (README "Secure election on three laptops, from scratch"; docs/operations.md "The
// files of vote-admin init").
//
//   DIR/cluster-key        0600  32 random bytes as 64 hex characters (--cluster-key-file)
//   DIR/admin-token        0600  32 random bytes as 64 hex characters (--admin-token-file)
//   DIR/ca.key             0600  the CA's EC P-256 key (PKCS#8 PEM); keep it off the servers
//   DIR/ca.crt             0644  the CA's certificate (servers' --tls-ca, clients' VOTE_TLS_CA)
//   DIR/server-<i>.key     0600  server i's key (--tls-key)
//   DIR/server-<i>.crt     0644  server i's certificate: IP SAN of its address, serverAuth and
//                                clientAuth (--tls-cert)
//   DIR/server-<i>.toml    0644  vote-server --config file: host, port, cluster,
//                                bootstrap-expect, the files above, data-dir DIR/data-<i>
//                                (and broadcast 127.255.255.255 when the address is loopback)
//   DIR/client.env         0644  `. DIR/client.env` sets VOTE_TLS_CA and VOTE_ADMIN_TOKEN
//
// i counts from 1 in the order of --servers. Every path written is absolute: the servers' files
// are meant to be copied to the same path on each server's machine. Nothing is written unless
// every check passes and every secret and certificate has been made; an existing file is never
// replaced without `force`. Random material comes from OpenSSL's RAND_bytes (pki.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace vote::client {

struct init_options {
  std::string dir;                   // created (mode 0700) when missing
  std::vector<std::string> servers;  // IPv4 addresses, 1..64 of them, no repeats
  std::uint16_t port = 7001;         // every server's TCP port
  std::string cluster = "default";   // the servers' --cluster: 1..64 of [A-Za-z0-9._-]
  bool force = false;                // replace existing files
};

// What is wrong with `o` (flags only, no file system access), or nullopt.
std::optional<std::string> check_init_options(const init_options& o);

// Whether `path` can be written into a vote-server --config file and read back unchanged by
// CLI11's TOML reader (it has no escapes and cuts values at '#' and ','): nullopt, or why not.
std::optional<std::string> check_config_path(const std::string& path);

// The text of DIR/server-<index>.toml (index from 1) for the absolute directory `dir`.
std::string server_config_text(const init_options& o, const std::filesystem::path& dir,
                               std::size_t index);

// Runs the command: a summary and the next commands on `out`, errors on `err`. Returns the exit
// code: 0 written; 2 bad flags, an unusable DIR, or files that exist without `force` (nothing
// written); 1 a failure while writing (some files may have been written: run again with --force).
int run_init(const init_options& o, std::ostream& out, std::ostream& err);

}  // namespace vote::client
