// Server configuration: a plain struct with documented defaults (STYLE.md 14), filled by CLI11
// (and an optional config file) in main, checked once by validate(), passed down read-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "vote/core/election.hpp"
#include "vote/net/interfaces.hpp"

namespace vote::node {

struct server_config {
  std::uint16_t port = 0;  // TCP port for clients (required, 1..65535)
  std::string host;        // IPv4 to bind; empty: auto-detect (loopback fallback)
  std::string broadcast;   // discovery broadcast address; empty: the interface's
  std::uint16_t discovery_port = 52342;
  std::string data_dir;             // empty: ./vote-data-<port>
  std::optional<std::uint64_t> id;  // node id; empty: generated once and persisted
  std::string cluster = "default";  // logical cluster name; servers ignore other clusters
  std::string admin_token_file;     // empty: register/close only from this machine
  std::string cluster_key_file;     // empty: peers and hellos unauthenticated (a warning)
  // TLS (all three or none): this server's certificate and key, and the cluster's CA. Empty:
  // plain TCP (docs/security.md "TLS").
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  std::size_t bootstrap_expect = 1;                  // servers to hear before forming a new cluster
  bool leave = false;                                // on stop, leave the cluster for good
  std::chrono::milliseconds discovery_window{2000};  // an empty server listens this long first
  std::chrono::milliseconds hello_interval{500};
  std::chrono::milliseconds heartbeat{50};
  std::chrono::milliseconds election_timeout{200};  // plus up to half of it of jitter
  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off
  // "text" (time level message) or "json" (one object per line; node/log_format.hpp).
  std::string log_format = "text";
  std::size_t max_frame_bytes = 1u << 20;
  std::size_t max_connections = 1024;
  std::uint64_t snapshot_every = 200'000;  // entries applied between snapshots; 0: never
  std::chrono::milliseconds idle_timeout{60'000};
  // Prometheus metrics over HTTP at GET /metrics (docs/operations.md "Metrics"), "IPv4:port".
  // Empty (the default): off. Unauthenticated: a non-loopback address is served with a warning.
  std::string metrics_addr;
  // The voters' pages and their JSON API (docs/web.md), "IPv4:port"; HTTPS when TLS is
  // configured. Empty (the default): off.
  std::string http_addr;
  limits bounds;  // per-election limits (DESIGN.md §7)

  // DESIGN.md §10 "Admin": a server on a non-loopback address refuses to start without a token
  // file (resp. a cluster key file) unless the operator opts out explicitly with one of these.
  bool insecure_admin = false;    // no token: the admin is this machine's server user or root
  bool insecure_cluster = false;  // no key: peers and hellos unauthenticated
};

// Throws std::invalid_argument with a message naming the flag when a value is out of range, when
// only some of the --tls-* files are given or one is not a readable file, or when an explicit
// --host breaks the exposure rule (check_exposure). Fills derived defaults (data_dir).
void validate(server_config& c);

// "IPv4:port" (port 1..65535), as --metrics-addr takes it: net::parse_endpoint with an IPv4
// host; nullopt when `text` is not one.
std::optional<net::endpoint> parse_ipv4_endpoint(const std::string& text);

// Whether `ipv4` is in 127.0.0.0/8.
bool is_loopback(const std::string& ipv4);

// The exposure rule (DESIGN.md §10 "Admin"; docs/security.md): a server serving on `bound_host`
// (--host, or the address detected at start), when that is not a loopback address, needs
// --admin-token-file or --insecure-admin, and --cluster-key-file or --insecure-cluster. Throws
// std::invalid_argument saying what is missing and how to make it.
void check_exposure(const server_config& c, const std::string& bound_host);

// Reads the admin token file: surrounding whitespace trimmed; throws std::invalid_argument when
// the file cannot be read, is empty, or the token is shorter than 16 characters.
std::string load_admin_token(const std::string& path);

}  // namespace vote::node
