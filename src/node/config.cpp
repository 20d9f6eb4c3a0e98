#include "vote/node/config.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vote::node {

namespace {

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return ::inet_pton(AF_INET, s.c_str(), &a) == 1;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

// A listening address flag (--metrics-addr, --http-addr): empty, or IPv4:PORT off the client
// port.
void check_listen_addr(const server_config& c, const std::string& flag, const std::string& value,
                       const std::string& example) {
  if (value.empty()) return;
  const auto e = parse_ipv4_endpoint(value);
  require(e.has_value(), flag + " must be IPv4:PORT (e.g. " + example + "), got '" + value + "'");
  require(e->port != c.port || (!c.host.empty() && e->host != c.host && e->host != "0.0.0.0"),
          flag + " must not use the client port (--port " + std::to_string(c.port) + ")");
}

// --tls-cert, --tls-key, --tls-ca: all three or none, each a readable regular file. (Reading and
// checking the PEM inside is the TLS layer's job.)
void validate_tls(const server_config& c) {
  const int given = !c.tls_cert.empty() + !c.tls_key.empty() + !c.tls_ca.empty();
  require(given == 0 || given == 3,
          "--tls-cert, --tls-key and --tls-ca go together: give all three or none");
  for (const auto& [flag, path] :
       {std::pair<const char*, const std::string&>{"--tls-cert", c.tls_cert},
        {"--tls-key", c.tls_key},
        {"--tls-ca", c.tls_ca}}) {
    if (path.empty()) continue;
    std::error_code ec;
    require(std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), R_OK) == 0,
            std::string(flag) + ": '" + path + "' is not a readable file");
  }
}

}  // namespace

std::optional<net::endpoint> parse_ipv4_endpoint(const std::string& text) {
  auto e = net::parse_endpoint(text);
  if (!e || !is_ipv4(e->host)) return std::nullopt;
  return e;
}

bool is_loopback(const std::string& ipv4) {
  in_addr a{};
  return ::inet_pton(AF_INET, ipv4.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

void check_exposure(const server_config& c, const std::string& bound_host) {
  if (is_loopback(bound_host)) return;
  std::string missing;
  if (c.admin_token_file.empty() && !c.insecure_admin) {
    missing +=
        "\n  - an admin token: --admin-token-file FILE, the same file on every server (make one "
        "with `vote-admin init DIR --servers IP1,IP2,IP3`, which writes DIR/admin-token, or "
        "`head -c 32 /dev/urandom | base64 > admin-token && chmod 600 admin-token`); or "
        "--insecure-admin to let whoever runs programs as this server's user, or as root, on "
        "this machine be the admin without a token";
  }
  if (c.cluster_key_file.empty() && !c.insecure_cluster) {
    missing +=
        "\n  - a cluster key: --cluster-key-file FILE, the same file on every server (`vote-admin "
        "init` writes DIR/cluster-key, or `head -c 32 /dev/urandom | base64 > cluster-key && "
        "chmod 600 cluster-key`); or --insecure-cluster to let anyone on the network send peer "
        "messages and hellos";
  }
  require(missing.empty(),
          "this server would serve on " + bound_host +
              ", which is not a loopback address, so it needs (docs/security.md):" + missing);
}

void validate(server_config& c) {
  require(c.port != 0, "--port is required (1 to 65535)");
  require(c.discovery_port != 0, "--discovery-port must be between 1 and 65535");
  require(c.host.empty() || is_ipv4(c.host),
          "--host must be an IPv4 address, got '" + c.host + "'");
  require(c.broadcast.empty() || is_ipv4(c.broadcast),
          "--broadcast must be an IPv4 address, got '" + c.broadcast + "'");
  require(!c.cluster.empty() && c.cluster.size() <= 64, "--cluster must be 1 to 64 characters");
  require(c.max_frame_bytes >= 4096 && c.max_frame_bytes <= (64u << 20),
          "--max-frame-bytes must be between 4096 and 67108864");
  require(c.max_connections >= 1, "--max-connections must be at least 1");
  require(c.idle_timeout.count() >= 100, "--idle-timeout must be at least 0.1 s");
  require(!c.id || *c.id != 0, "--id must not be 0");
  require(c.bootstrap_expect >= 1 && c.bootstrap_expect <= 64,
          "--bootstrap-expect must be between 1 and 64");
  require(c.discovery_window.count() >= 0 && c.discovery_window.count() <= 60'000,
          "--discovery-window-ms must be between 0 and 60000");
  require(c.hello_interval.count() >= 10 && c.hello_interval.count() <= 10'000,
          "--hello-interval-ms must be between 10 and 10000");
  require(c.heartbeat.count() >= 5 && c.heartbeat.count() <= 5'000,
          "--heartbeat-ms must be between 5 and 5000");
  require(c.election_timeout >= 3 * c.heartbeat && c.election_timeout.count() <= 60'000,
          "--election-timeout-ms must be at least 3 heartbeats and at most 60000");
  static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  bool known = false;
  for (const char* l : levels) known = known || c.log_level == l;
  require(known, "--log-level must be one of trace, debug, info, warn, error, critical, off");
  require(c.log_format == "text" || c.log_format == "json",
          "--log-format must be text or json, got '" + c.log_format + "'");
  check_listen_addr(c, "--metrics-addr", c.metrics_addr, "127.0.0.1:9464");
  check_listen_addr(c, "--http-addr", c.http_addr, "0.0.0.0:8080");
  if (const auto m = parse_ipv4_endpoint(c.metrics_addr), h = parse_ipv4_endpoint(c.http_addr);
      m && h) {
    require(
        m->port != h->port || (m->host != h->host && m->host != "0.0.0.0" && h->host != "0.0.0.0"),
        "--http-addr and --metrics-addr must not share a port");
  }
  validate_tls(c);
  if (!c.host.empty()) check_exposure(c, c.host);
  if (c.data_dir.empty()) c.data_dir = "./vote-data-" + std::to_string(c.port);
}

std::string load_admin_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read --admin-token-file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  const char* ws = " \t\r\n";
  const auto first = token.find_first_not_of(ws);
  token.erase(0, first == std::string::npos ? token.size() : first);
  token.erase(token.find_last_not_of(ws) + 1);
  if (token.size() < 16)
    throw std::invalid_argument("the admin token in '" + path + "' must be at least 16 characters");
  return token;
}

}  // namespace vote::node
