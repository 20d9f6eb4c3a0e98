// vote-server: one member of a vote-server cluster (README "vote-server").
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "vote/cli/command_line.hpp"
#include "vote/node/config.hpp"
#include "vote/node/log_format.hpp"
#include "vote/node/recovery.hpp"
#include "vote/node/server.hpp"

// jemalloc's settings, read at its start when it is linked (tools/CMakeLists.txt; ignored
// otherwise): transparent huge pages for its heap. Restoring a snapshot of 1,000,000 votes
// touches some 30,000 fresh 4 KiB pages, and on a virtual machine each fault is costly: with
// 2 MiB pages the server started a third sooner (docs/operations.md "Performance"). The
// environment's MALLOC_CONF still overrides it.
extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks up
const char* malloc_conf = "thp:always";
}

namespace {

// A duration flag in milliseconds.
void add_ms(CLI::App& app, const std::string& name, std::chrono::milliseconds& value,
            const std::string& help) {
  app.add_option_function<std::int64_t>(
         name, [&value](std::int64_t ms) { value = std::chrono::milliseconds(ms); }, help)
      ->default_str(std::to_string(value.count()));
}

void add_flags(CLI::App& app, vote::node::server_config& c, std::string& id_text,
               std::string& check_dir) {
  app.add_option("--port", c.port, "TCP port for clients and peers (required to serve)");
  app.add_option("--check-data-dir", check_dir,
                 "Check the data directory DIR offline, read-only, and exit: 0 healthy, 4 "
                 "damaged (prints what is missing), 3 locked by a running server, 2 missing or "
                 "unusable. Needs no other flag");
  app.add_option("--host", c.host,
                 "IPv4 address to serve on (default: the first up, non-loopback interface with a "
                 "broadcast address; 127.0.0.1 with a warning when there is none)");
  app.add_option("--broadcast", c.broadcast,
                 "UDP broadcast address for discovery (default: that interface's; "
                 "127.255.255.255 on the loopback fallback)");
  app.add_option("--discovery-port,--discovery_port", c.discovery_port, "UDP discovery port")
      ->capture_default_str();
  app.add_option("--data-dir,--data_dir", c.data_dir,
                 "Data directory (default: ./vote-data-<port>)");
  app.add_option("--id", id_text,
                 "Node id, a positive 64-bit integer (default: generated at first start as "
                 "(unix ms << 16) | 16 random bits and kept in the data directory)");
  app.add_option("--cluster", c.cluster, "Logical cluster name; servers ignore other clusters")
      ->capture_default_str();
  app.add_option("--admin-token-file,--admin_token_file", c.admin_token_file,
                 "File holding the admin token (>= 16 characters) that admin requests (register, "
                 "close, live results, membership) must present. Default: none; then the admin "
                 "is whoever runs programs as this server's user, or as root, on this machine "
                 "(any of their processes; other users and other machines are refused), and a "
                 "server on a non-loopback address refuses to start without --insecure-admin. "
                 "Make one with vote-admin init, or: openssl rand -hex 32 > admin-token && "
                 "chmod 600 admin-token");
  app.add_option("--cluster-key-file,--cluster_key_file", c.cluster_key_file,
                 "File holding the cluster's shared secret (>= 16 bytes): every peer message "
                 "and hello is authenticated with HMAC-SHA256 (default: none, with a warning; "
                 "on a non-loopback address only with --insecure-cluster)");
  app.add_flag("--insecure-admin", c.insecure_admin,
               "Serve on a non-loopback address without --admin-token-file: the admin is then "
               "whoever runs programs as this server's user, or as root, on this machine. Without "
               "this flag such a server refuses to start");
  app.add_flag("--insecure-cluster", c.insecure_cluster,
               "Serve on a non-loopback address without --cluster-key-file: anyone on the "
               "network can send peer messages and hellos. Without this flag such a server "
               "refuses to start");
  app.add_option("--tls-cert,--tls_cert", c.tls_cert,
                 "This server's certificate (PEM, signed by the --tls-ca CA, naming --host in its "
                 "subjectAltName): with --tls-key and --tls-ca every TCP connection is TLS 1.3")
      ->type_name("FILE");
  app.add_option("--tls-key,--tls_key", c.tls_key, "The certificate's private key (PEM)")
      ->type_name("FILE");
  app.add_option("--tls-ca,--tls_ca", c.tls_ca,
                 "The cluster's CA certificate (PEM): peers must present a certificate it signed")
      ->type_name("FILE");
  app.add_option("--bootstrap-expect,--bootstrap_expect", c.bootstrap_expect,
                 "Form a new cluster only once this many servers are heard (3 is the "
                 "recommended minimum; default 1: the first server on the network forms it)")
      ->capture_default_str();
  app.add_flag("--leave", c.leave,
               "On SIGINT/SIGTERM leave the cluster for good (default: stay a member and come "
               "back with the data directory)");
  add_ms(app, "--discovery-window-ms", c.discovery_window,
         "How long a server with an empty data directory listens for peers before it joins or "
         "forms a cluster");
  add_ms(app, "--hello-interval-ms", c.hello_interval, "Period of discovery hellos (jittered)");
  add_ms(app, "--heartbeat-ms", c.heartbeat, "Leader heartbeat period");
  add_ms(app, "--election-timeout-ms", c.election_timeout,
         "Follower election timeout (plus up to half of it of random jitter)");
  app.add_option("--log-level,--log_level", c.log_level,
                 "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  app.add_option("--log-format,--log_format", c.log_format,
                 "text (time level message) or json (one object per line: ts, level, logger, "
                 "node, event, msg; docs/operations.md \"Logs\")")
      ->capture_default_str();
  app.add_option("--max-frame-bytes", c.max_frame_bytes, "Largest accepted request frame")
      ->capture_default_str();
  app.add_option("--max-connections", c.max_connections, "Cap on open client connections")
      ->capture_default_str();
  app.add_option("--snapshot-every", c.snapshot_every,
                 "Entries applied between state snapshots (0: never)")
      ->capture_default_str();
  app.add_option("--metrics-addr,--metrics_addr", c.metrics_addr,
                 "Serve Prometheus metrics over HTTP at GET /metrics on this IPv4:PORT, e.g. "
                 "127.0.0.1:9464 (default: off). Unauthenticated: keep it on loopback or a "
                 "private network (docs/operations.md \"Metrics\")")
      ->type_name("IP:PORT");
  app.add_option("--http-addr,--http_addr", c.http_addr,
                 "Serve the voters' web pages (vote, verify, results, observer) and their JSON "
                 "API on this IPv4:PORT, e.g. 0.0.0.0:8080 (default: off); HTTPS with the "
                 "server's certificate when --tls-* are given (docs/web.md)")
      ->type_name("IP:PORT");
  app.set_config("--config", "",
                 "Read flags from this TOML/INI file (flags given on the "
                 "command line win; a key that is no flag is an error)");
  // A misspelt key in the file would otherwise be ignored without a word.
  app.allow_config_extras(CLI::config_extras_mode::error);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vote-server: a fault-tolerant election service (one cluster member)"};
  app.footer(
      "Exit codes: 0 stopped by SIGINT/SIGTERM; 1 runtime failure; 2 usage or configuration "
      "error;\n  3 port, address or data directory unavailable; 4 data directory damaged "
      "(corrupt, or missing\n  a WAL segment, the snapshot or the log: see docs/operations.md "
      "\"A server refuses to start:\n  damaged data directory\"), belonging to another node, or "
      "empty while its id is a member\n  of the cluster (a lost disk). With --check-data-dir: 0 "
      "healthy, 4 damaged, 3 locked, 2 missing.\nSafety: for tests use "
      "--host 127.0.0.1 --broadcast "
      "127.255.255.255.");
  vote::node::server_config config;
  std::string id_text;
  std::string check_dir;
  add_flags(app, config, id_text, check_dir);
  if (auto rc = vote::cli::parse(app, argc, argv, std::cout, std::cerr)) {
    return *rc;  // 0 after --help or --version, else exit_usage (the same 2 as node::exit_usage)
  }
  try {
    if (!id_text.empty()) {
      std::size_t used = 0;
      config.id = std::stoull(id_text, &used);
      const bool digits_only = id_text.find_first_not_of("0123456789") == std::string::npos;
      if (used != id_text.size() || !digits_only) throw std::invalid_argument("");
    }
  } catch (const std::exception&) {
    std::cerr << "Error: --id must be a positive 64-bit integer, got '" << id_text << "'\n";
    return vote::node::exit_usage;
  }
  if (!check_dir.empty()) {
    spdlog::set_level(spdlog::level::off);  // the verdict says everything, on stdout
    return vote::node::check_data_dir_offline(check_dir, std::cout);
  }
  try {
    vote::node::validate(config);
  } catch (const std::invalid_argument& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return vote::node::exit_usage;
  }
  auto logger = spdlog::stderr_color_mt("server");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  vote::node::set_log_format(config.log_format);
  return vote::node::run_server(config);
}
