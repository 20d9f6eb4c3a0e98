#include "vote/node/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>

#include <openssl/sha.h>
#include <unistd.h>
#include <stdexcept>

#include "vote/cli/command_line.hpp"
#include "vote/net/client_listener.hpp"
#include "vote/net/cluster_key.hpp"
#include "vote/net/discovery_responder.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/net/metrics_listener.hpp"
#include "vote/net/peer_links.hpp"
#include "vote/net/peer_message.hpp"
#include "vote/net/tls.hpp"
#include "vote/node/bind_check.hpp"
#include "vote/node/cluster_node.hpp"
#include "vote/node/node_metrics.hpp"
#include "vote/node/node_web.hpp"
#include "vote/node/recovery.hpp"
#include "vote/node/service_notify.hpp"
#include "vote/storage/meta.hpp"

namespace vote::node {

namespace asio = boost::asio;

namespace {

struct addresses {
  std::string host;
  std::string broadcast;
};

addresses resolve_addresses(const server_config& c) {
  addresses a{c.host, c.broadcast};
  if (a.host.empty() || a.broadcast.empty()) {
    auto detected = net::detect_interface();
    if (detected.is_loopback_fallback)
      spdlog::warn(
          "no up, non-loopback IPv4 interface with a broadcast address; using the "
          "loopback fallback {} / {}",
          detected.address, detected.broadcast);
    if (a.host.empty()) a.host = detected.address;
    if (a.broadcast.empty()) a.broadcast = detected.broadcast;
  }
  return a;
}

std::uint64_t random_u64() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) | rd();
}

// The admin token is kept only as this digest (admin.hpp).
std::string sha256(std::string_view s) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

admin_policy make_admin_policy(const server_config& c) {
  if (c.admin_token_file.empty()) {
    const auto uid = static_cast<std::uint32_t>(::geteuid());
    spdlog::warn(
        "no --admin-token-file: whoever runs programs as uid {} (or root) on this machine is the "
        "admin: register, close, live results and membership changes are accepted from "
        "connections of those users on this machine, from nobody else (make a token with "
        "`openssl rand -hex 32 > admin-token && chmod 600 admin-token`; docs/security.md)",
        uid);
    return admin_policy{uid};
  }
  return admin_policy{load_admin_token(c.admin_token_file), sha256};
}

std::unique_ptr<net::cluster_key> load_cluster_key(const server_config& c) {
  if (c.cluster_key_file.empty()) {
    spdlog::warn(
        "no --cluster-key-file: the cluster is UNAUTHENTICATED; anyone on this network "
        "can send peer messages and hellos (see docs/security.md)");
    return nullptr;
  }
  try {
    return std::make_unique<net::cluster_key>(net::cluster_key::from_file(c.cluster_key_file));
  } catch (const std::exception& e) {
    throw startup_error(exit_usage, std::string("--cluster-key-file: ") + e.what());
  }
}

// TLS (docs/security.md "TLS"): every file problem is a configuration error, found before anything
// listens; so is a certificate that does not name the address served on (clients and peers check
// it and would refuse every connection).
std::shared_ptr<net::tls_context> load_tls(const server_config& c, const std::string& host) {
  const net::tls_files files{.cert = c.tls_cert, .key = c.tls_key, .ca = c.tls_ca};
  if (!files.enabled()) {
    spdlog::warn(
        "no --tls-cert/--tls-key/--tls-ca: client and peer connections are plain TCP (requests, "
        "admin tokens and ballots travel in clear; see docs/security.md)");
    return nullptr;
  }
  try {
    auto context = net::make_server_context(files);
    if (!net::certificate_names_ip(c.tls_cert, host)) {
      throw net::tls_error("--tls-cert " + c.tls_cert + ": does not name " + host +
                           " (the address served on) in its subjectAltName (IP:" + host +
                           "); clients and peers would refuse it");
    }
    return context;
  } catch (const net::tls_error& e) {
    throw startup_error(exit_usage, e.what());
  }
}

// Peer links: a quiet link sends a keepalive well within every receiver's idle deadline (below),
// whatever election timeout the receiver was given.
net::peer_link_options peer_link_options(const server_config& c,
                                         std::shared_ptr<net::tls_context> tls) {
  net::peer_link_options o;
  o.tls = std::move(tls);
  o.keepalive_interval = std::min(c.election_timeout, std::chrono::milliseconds(500));
  return o;
}

// The edge (docs/security.md "Limits at the network edge"). A peer link quiet for ten election
// timeouts (at least 2 s) is closed: a healthy one carries heartbeats or keepalives far more
// often, and its sender reconnects at once if it was merely idle.
net::listener_options listener_options(const server_config& c,
                                       std::shared_ptr<net::tls_context> tls) {
  net::listener_options lo;
  lo.tls = std::move(tls);
  lo.limits.max_frame_payload = c.max_frame_bytes;
  lo.limits.max_client_connections = c.max_connections;
  // Room for a few requests of the largest size at once, whatever --max-frame-bytes says.
  lo.limits.max_client_buffer_bytes =
      std::max(lo.limits.max_client_buffer_bytes, 4 * (c.max_frame_bytes + (16u << 10)));
  lo.limits.max_buffered_bytes =
      lo.limits.max_client_buffer_bytes + lo.limits.max_peer_buffer_bytes;
  lo.idle_timeout = c.idle_timeout;
  lo.peer_idle_timeout = std::max(10 * c.election_timeout, std::chrono::milliseconds(2000));
  return lo;
}

node_settings settings_for(const server_config& c, const opened_data_dir& d,
                           const std::string& endpoint) {
  node_settings s;
  s.id = d.identity.id;
  s.incarnation = d.identity.incarnation;
  s.endpoint = endpoint;
  s.cluster = c.cluster;
  s.bootstrap_expect = c.bootstrap_expect;
  s.discovery_window = c.discovery_window;
  s.hello_interval = c.hello_interval;
  s.leave_on_stop = c.leave;
  s.new_identity = d.new_identity;
  s.consensus = consensus_options(node_timers{.heartbeat = c.heartbeat,
                                              .election_timeout = c.election_timeout,
                                              .hello_interval = c.hello_interval,
                                              .discovery_window = c.discovery_window,
                                              .snapshot_every = c.snapshot_every},
                                  endpoint);
  return s;
}

// The adapters around the node, one per transport (STYLE.md 4): made once the node exists,
// started after it.
struct adapters {
  net::peer_links links;
  net::client_listener listener;
  std::unique_ptr<net::discovery_responder> discovery;

  void start() {
    listener.start();
    discovery->start();
  }
  // Closes everything; `done` runs once the listener has shut its connections.
  void shut_down(std::function<void()> done) {
    discovery->stop();
    links.stop();
    listener.shutdown(std::move(done));
  }
};

std::unique_ptr<adapters> make_adapters(asio::io_context& io, const server_config& c,
                                        const addresses& addr, const std::string& endpoint,
                                        std::uint64_t id, const net::cluster_key* key,
                                        const std::shared_ptr<net::tls_context>& tls,
                                        cluster_node& node) {
  const auto host = asio::ip::make_address_v4(addr.host);
  auto a = std::unique_ptr<adapters>(new adapters{
      net::peer_links(
          io, peer_link_options(c, tls), [&node](std::uint64_t peer) { node.on_link_down(peer); },
          [key, id] {
            return net::peer_codec(key).seal(net::encode_opening({.from = id}), net::unix_now_ms());
          }),
      bind_or_fail("TCP " + endpoint,
                   [&] {
                     return net::client_listener(io, {host, c.port}, node, listener_options(c, tls),
                                                 &node, net::peer_codec(key));
                   }),
      nullptr});
  net::discovery_options dopts;
  dopts.cluster = c.cluster;
  dopts.hello_interval = c.hello_interval;
  dopts.key = key;
  a->discovery = bind_or_fail(
      "UDP discovery port " + addr.broadcast + ":" + std::to_string(c.discovery_port), [&] {
        return std::make_unique<net::discovery_responder>(
            io, host, asio::ip::make_address_v4(addr.broadcast), c.discovery_port, dopts,
            [&node] { return node.discovery_answer(); }, [&node] { return node.hello(); },
            [&node](const wire::hello& h, const asio::ip::udp::endpoint&) { node.on_hello(h); });
      });
  return a;
}

// SIGINT/SIGTERM: the first stops gracefully (hand over, finish in-flight work), a second one
// stops at once. Lives on serve()'s stack for the whole run.
class signal_watch {
 public:
  signal_watch(asio::io_context& io, std::uint64_t id, bool leave, cluster_node& node,
               std::function<void()> shut_down)
      : signals_(io, SIGINT, SIGTERM),
        id_(id),
        leave_(leave),
        node_(node),
        shut_down_(std::move(shut_down)) {
    wait();
  }

 private:
  void wait() {
    signals_.async_wait([this](boost::system::error_code ec, int signo) {
      if (!ec) on_signal(signo);
    });
  }
  void on_signal(int signo) {
    if (stopping_) {
      spdlog::warn("node={} second signal {}: stopping now", id_, signo);
      shut_down_();
      return;
    }
    stopping_ = true;
    notify_stopping();
    spdlog::info("node={} signal {}: {}handing over, finishing in-flight requests, then stopping",
                 id_, signo, leave_ ? "leaving the cluster, " : "");
    node_.stop(shut_down_);
    wait();
  }

  asio::signal_set signals_;
  std::uint64_t id_;
  bool leave_;
  cluster_node& node_;
  std::function<void()> shut_down_;
  bool stopping_ = false;
};

// Once a minute, what the edge refused since the last report (net::edge_report): a flood of
// hostile connections shows in the log as one line a minute, not one per connection.
void report_edge_every_minute(asio::steady_timer& timer, const net::client_listener& listener,
                              std::uint64_t id, net::listener_stats reported = {}) {
  timer.expires_after(std::chrono::minutes(1));
  timer.async_wait([&timer, &listener, id, reported](boost::system::error_code ec) {
    if (ec) return;
    if (const auto line = net::edge_report(listener.stats(), reported))
      spdlog::warn("node={} {}", id, *line);
    report_edge_every_minute(timer, listener, id, listener.stats());
  });
}

int serve(const server_config& c) {
  const auto addr = resolve_addresses(c);
  check_exposure(c, addr.host);  // again: the detected address may not be loopback
  auto admin = make_admin_policy(c);
  auto key = load_cluster_key(c);
  const auto tls = load_tls(c, addr.host);
  // A server that cannot serve leaves nothing behind: its client port is tried, and let go,
  // before the data directory is created (the listener binds it again once the node exists).
  check_port_free("TCP " + addr.host + ":" + std::to_string(c.port),
                  {asio::ip::make_address_v4(addr.host), c.port});
  check_metrics_addr_free(c);
  check_http_addr_free(c);
  auto fs = storage::make_posix_file_system();
  auto disk = open_data_dir(*fs, c);
  const auto id = disk.identity.id;
  const std::string endpoint = addr.host + ":" + std::to_string(c.port);

  asio::io_context io(1);
  log_writer writer(io, *fs, c.data_dir, disk.identity, std::move(disk.wal));
  std::unique_ptr<adapters> a;
  web_server web;
  int code = exit_ok;
  node_env env{
      .io = io,
      .writer = writer,
      .key = key.get(),
      .seed = random_u64(),
      .send = [&a](std::uint64_t peer, const std::string& ep,
                   std::string payload) { a->links.send(peer, ep, std::move(payload)); },
      .hello_now = [&a] { a->discovery->hello_now(); },
      .fatal =
          [&](int fatal_code, const std::string& message) {
            spdlog::error("{}", message);
            code = fatal_code;
            asio::post(io, [&] {
              a->discovery->stop();
              a->links.stop();
              a->listener.stop();
              if (web.listener) web.listener->stop();
              io.stop();
            });
          },
      .count_requests = !c.metrics_addr.empty(),
  };
  cluster_node node(std::move(env), settings_for(c, disk, endpoint), std::move(disk.recovered),
                    std::move(admin));
  a = make_adapters(io, c, addr, endpoint, id, key.get(), tls, node);
  web = serve_web(io, c, tls, node);
  const auto metrics = serve_metrics(io, c, [&] {
    return render_node_metrics({node, writer, a->listener, a->links, *a->discovery, c.cluster,
                                std::string(cli::version()), web.listener.get(),
                                web.gateway.get()});
  });

  const signal_watch signals(io, id, c.leave, node, [&] {
    if (web.listener) web.listener->stop();
    a->shut_down([&io] { io.stop(); });
  });
  asio::steady_timer edge_timer(io);
  report_edge_every_minute(edge_timer, a->listener, id);

  node.start();
  a->start();
  spdlog::info("node={} listening on {}{} (discovery {}:{}, cluster '{}', data {})", id, endpoint,
               tls ? " with TLS 1.3" : "", addr.broadcast, c.discovery_port, c.cluster, c.data_dir);
  notify_ready("node " + std::to_string(id) + " serving on " + endpoint);
  io.run();
  writer.stop();
  spdlog::info("node={} stopped", id);
  return code;
}

}  // namespace

int run_server(const server_config& config) {
  try {
    return serve(config);
  } catch (const startup_error& e) {
    spdlog::error("{}", e.what());
    return e.code;
  } catch (const storage::corruption_error& e) {
    spdlog::critical("{}", e.what());
    return exit_data;
  } catch (const std::invalid_argument& e) {
    spdlog::error("{}", e.what());
    return exit_usage;
  } catch (const std::exception& e) {
    spdlog::critical("unexpected failure: {}", e.what());
    return exit_failure;
  }
}

}  // namespace vote::node
