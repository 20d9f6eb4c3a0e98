#include "vote/node/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>

#include <unistd.h>
#include <stdexcept>

#include "vote/net/client_listener.hpp"
#include "vote/net/cluster_key.hpp"
#include "vote/net/discovery_responder.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/net/peer_links.hpp"
#include "vote/net/peer_message.hpp"
#include "vote/node/cluster_node.hpp"
#include "vote/node/recovery.hpp"
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

storage::node_identity load_or_create_identity(storage::file_system& fs, const server_config& c,
                                               bool& created) {
  auto existing = storage::load_identity(fs, c.data_dir);
  created = !existing;
  if (existing) {
    if (c.id && *c.id != existing->id)
      throw startup_error(exit_data, "the data directory " + c.data_dir + " belongs to node " +
                                         std::to_string(existing->id) + ", not --id " +
                                         std::to_string(*c.id) + "; use another --data-dir");
    return *existing;
  }
  storage::node_identity id;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  id.id = c.id ? *c.id : storage::generate_node_id(static_cast<std::uint64_t>(now), random_u64());
  id.incarnation = random_u64();
  if (auto ec = storage::save_identity(fs, c.data_dir, id))
    throw startup_error(exit_data,
                        "cannot write the node identity in " + c.data_dir + ": " + ec.message());
  spdlog::info("new data directory {}: node id {}", c.data_dir, id.id);
  return id;
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
  return admin_policy{load_admin_token(c.admin_token_file)};
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

consensus::options consensus_options(const server_config& c, const std::string& endpoint) {
  consensus::options o;
  o.endpoint = endpoint;
  o.heartbeat = c.heartbeat;
  o.election_timeout = c.election_timeout;
  o.election_jitter = c.election_timeout / 2;
  // A hop ack on one network takes well under a millisecond; a member that does not ack within
  // this is skipped (a paused server keeps its links open, so only this timeout reveals it).
  o.round_timeout = std::chrono::milliseconds(40);
  o.snapshot_threshold = c.snapshot_every == 0 ? ~std::uint64_t{0} : c.snapshot_every;
  // The peer links report a link down only after their immediate reconnect failed (refused, or
  // not connected within the connect timeout): the fast path's "reconnect once" has happened.
  o.fast_path_delay = std::chrono::milliseconds(5);
  return o;
}

// Peer links: a quiet link sends a keepalive well within every receiver's idle deadline (below),
// whatever election timeout the receiver was given.
net::peer_link_options peer_link_options(const server_config& c) {
  net::peer_link_options o;
  o.keepalive_interval = std::min(c.election_timeout, std::chrono::milliseconds(500));
  return o;
}

// The edge (docs/security.md "Limits at the network edge"). A peer link quiet for ten election
// timeouts (at least 2 s) is closed: a healthy one carries heartbeats or keepalives far more
// often, and its sender reconnects at once if it was merely idle.
net::listener_options listener_options(const server_config& c) {
  net::listener_options lo;
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

template <class F>
auto bind_or_fail(const std::string& what, F&& f) {
  try {
    return f();
  } catch (const boost::system::system_error& e) {
    const bool in_use = e.code() == boost::asio::error::address_in_use;
    throw startup_error(exit_unavailable,
                        "cannot bind " + what + ": " +
                            (in_use ? std::string("it is already in use (is another vote-server "
                                                  "running with this port?)")
                                    : e.code().message()));
  }
}

int serve(const server_config& c) {
  auto fs = storage::make_posix_file_system();
  if (auto ec = fs->create_dirs(c.data_dir))
    throw startup_error(exit_data, "cannot create --data-dir " + c.data_dir + ": " + ec.message());
  storage::data_dir_lock lock;
  try {
    lock = storage::lock_data_dir(c.data_dir);
  } catch (const std::runtime_error& e) {
    throw startup_error(exit_unavailable, "the data directory " + c.data_dir +
                                              " is in use by another vote-server (" + e.what() +
                                              ")");
  }
  const auto addr = resolve_addresses(c);
  auto admin = make_admin_policy(c);
  auto key = load_cluster_key(c);
  refuse_damaged_data_dir(*fs, c.data_dir);
  bool new_identity = false;
  auto identity = load_or_create_identity(*fs, c, new_identity);
  std::unique_ptr<storage::wal> wal;
  auto recovered = recover(*fs, c, identity, wal);

  asio::io_context io(1);
  const auto host = asio::ip::make_address_v4(addr.host);
  const std::string endpoint = addr.host + ":" + std::to_string(c.port);
  log_writer writer(io, *fs, c.data_dir, std::move(wal));
  node_settings settings;
  settings.id = identity.id;
  settings.incarnation = identity.incarnation;
  settings.endpoint = endpoint;
  settings.cluster = c.cluster;
  settings.data_dir = c.data_dir;
  settings.bootstrap_expect = c.bootstrap_expect;
  settings.discovery_window = c.discovery_window;
  settings.hello_interval = c.hello_interval;
  settings.leave_on_stop = c.leave;
  settings.new_identity = new_identity;
  settings.consensus = consensus_options(c, endpoint);
  cluster_node node(io, settings, std::move(recovered), std::move(admin), writer, key.get(),
                    random_u64());

  const net::peer_codec codec(key.get());
  net::peer_links links(
      io, peer_link_options(c), [&node](std::uint64_t peer) { node.on_link_down(peer); },
      [&codec, id = identity.id] {
        return codec.seal(net::encode_opening({.from = id}), net::unix_now_ms());
      });
  node.set_send([&links](std::uint64_t peer, const std::string& ep, std::string payload) {
    links.send(peer, ep, std::move(payload));
  });

  net::client_listener listener = bind_or_fail("TCP " + endpoint, [&] {
    return net::client_listener(io, {host, c.port}, node, listener_options(c), &node, codec);
  });
  net::discovery_options dopts;
  dopts.cluster = c.cluster;
  dopts.hello_interval = c.hello_interval;
  dopts.key = key.get();
  auto discovery = bind_or_fail(
      "UDP discovery port " + addr.broadcast + ":" + std::to_string(c.discovery_port), [&] {
        return std::make_unique<net::discovery_responder>(
            io, host, asio::ip::make_address_v4(addr.broadcast), c.discovery_port, dopts,
            [&node] { return node.leader_info(); }, [&node] { return node.hello(); },
            [&node](const wire::hello& h, const asio::ip::udp::endpoint&) { node.on_hello(h); });
      });
  node.set_hello_now([&discovery] { discovery->hello_now(); });

  int code = exit_ok;
  auto shut_down = [&] {
    discovery->stop();
    links.stop();
    listener.shutdown([&io] { io.stop(); });
  };
  node.set_fatal([&](int fatal_code, const std::string& message) {
    spdlog::error("{}", message);
    code = fatal_code;
    asio::post(io, [&] {
      discovery->stop();
      links.stop();
      listener.stop();
      io.stop();
    });
  });

  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                      int signo) {
    if (ec) return;
    if (stopping) {
      spdlog::warn("node={} second signal {}: stopping now", identity.id, signo);
      shut_down();
      return;
    }
    stopping = true;
    spdlog::info(
        "node={} signal {}: {}handing over, finishing in-flight requests, then "
        "stopping",
        identity.id, signo, c.leave ? "leaving the cluster, " : "");
    node.stop([&] { shut_down(); });
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  // Once a minute, what the edge refused since the last report (net::edge_report): a flood of
  // hostile connections shows in the log as one line a minute, not one per connection.
  asio::steady_timer edge_timer(io);
  net::listener_stats reported;
  std::function<void()> report_edge = [&] {
    edge_timer.expires_after(std::chrono::minutes(1));
    edge_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (const auto line = net::edge_report(listener.stats(), reported))
        spdlog::warn("node={} {}", identity.id, *line);
      reported = listener.stats();
      report_edge();
    });
  };
  report_edge();

  node.start();
  listener.start();
  discovery->start();
  spdlog::info("node={} listening on {} (discovery {}:{}, cluster '{}', data {})", identity.id,
               endpoint, addr.broadcast, c.discovery_port, c.cluster, c.data_dir);
  io.run();
  writer.stop();
  spdlog::info("node={} stopped", identity.id);
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
