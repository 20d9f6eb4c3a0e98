#include "vote/node/config.hpp"

#include <arpa/inet.h>

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

}  // namespace

void validate(server_config& c) {
  require(c.port != 0, "--port is required (1 to 65535)");
  require(c.discovery_port != 0, "--discovery-port must be between 1 and 65535");
  require(c.host.empty() || is_ipv4(c.host),
          "--host must be an IPv4 address, got '" + c.host + "'");
  require(c.broadcast.empty() || is_ipv4(c.broadcast),
          "--broadcast must be an IPv4 address, got '" + c.broadcast + "'");
  const int tls_files = !c.tls_cert.empty() + !c.tls_key.empty() + !c.tls_ca.empty();
  require(tls_files == 0 || tls_files == 3,
          "--tls-cert, --tls-key and --tls-ca go together: give all three (TLS on every "
          "connection) or none");
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
