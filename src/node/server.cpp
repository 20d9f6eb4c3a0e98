#include "vote/node/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <random>
#include <stdexcept>

#include "vote/net/client_listener.hpp"
#include "vote/net/discovery_responder.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/node/server_node.hpp"
#include "vote/storage/meta.hpp"

namespace vote::node {

namespace asio = boost::asio;

namespace {

// A failure that ends start-up with a specific exit code and a message for the operator.
struct startup_error : std::runtime_error {
  startup_error(int c, const std::string& what) : std::runtime_error(what), code(c) {}
  int code;
};

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

std::string wal_dir(const server_config& c) {
  return c.data_dir + "/wal";
}

std::uint64_t random_u64() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) | rd();
}

storage::node_identity load_or_create_identity(storage::file_system& fs, const server_config& c) {
  auto existing = storage::load_identity(fs, c.data_dir);
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

// Rebuilds the state from the latest snapshot plus every durable log entry after it.
recovered_state recover(storage::file_system& fs, const server_config& c,
                        std::unique_ptr<storage::wal>& wal_out) {
  recovered_state r;
  r.state = election_state(c.bounds);
  if (auto snap = storage::load_latest_snapshot(fs, c.data_dir)) {
    auto restored = election_state::restore(snap->state, c.bounds);
    if (!restored)
      throw startup_error(exit_data, "the snapshot in " + c.data_dir + " does not decode");
    r.state = std::move(*restored);
    r.last_index = r.snapshot_index = snap->meta.last_index;
    r.last_epoch = snap->meta.last_epoch;
  }
  storage::wal_recovery rec;
  storage::wal_options options;
  options.first_index = r.snapshot_index + 1;
  options.prev_epoch = r.last_epoch;
  wal_out = storage::wal::open(fs, wal_dir(c), options, rec);
  if (rec.truncated_bytes > 0)
    spdlog::warn("recovery: cut a torn tail of {} bytes from the log", rec.truncated_bytes);
  if (r.snapshot_index > 0) {
    if (wal_out->first_index() > r.snapshot_index + 1)
      throw startup_error(exit_data, "the log in " + wal_dir(c) + " starts at index " +
                                         std::to_string(wal_out->first_index()) +
                                         " but the snapshot ends at " +
                                         std::to_string(r.snapshot_index) +
                                         ": entries are missing (see docs/storage.md)");
    if (wal_out->epoch_at(r.snapshot_index) != r.last_epoch) {
      // A crash interrupted the install of a snapshot ahead of the log: the snapshot wins.
      if (auto ec = wal_out->reset(r.snapshot_index + 1, r.last_epoch))
        throw startup_error(exit_data, "cannot reset the log: " + ec.message());
      rec.entries.clear();
    }
  }
  for (auto& e : rec.entries) {
    if (e.index <= r.last_index) continue;
    if (e.kind == entry_kind::command) {
      auto cmd = decode_command(e.payload);
      if (!cmd)
        throw startup_error(exit_data, "log entry " + std::to_string(e.index) +
                                           " passed its checksum but does not decode");
      r.state.apply(*cmd);
      r.last_timestamp_ms = std::max(r.last_timestamp_ms, cmd->timestamp_ms);
    }
    r.last_index = e.index;
    r.last_epoch = e.epoch;
  }
  spdlog::info("recovery: {} elections, last index {}, epoch {}", r.state.election_count(),
               r.last_index, r.last_epoch);
  return r;
}

std::uint64_t take_epoch(storage::file_system& fs, const server_config& c, std::uint64_t self,
                         std::uint64_t last_log_epoch) {
  auto promise = storage::load_promise(fs, c.data_dir).value_or(storage::promise_state{});
  storage::promise_state next{std::max(promise.promised_epoch, last_log_epoch) + 1, self};
  // Persisted before this node acts in the epoch (DESIGN.md §5.3 step 1).
  if (auto ec = storage::save_promise(fs, c.data_dir, next))
    throw startup_error(exit_data,
                        "cannot persist the epoch in " + c.data_dir + ": " + ec.message());
  return next.promised_epoch;
}

admin_policy make_admin_policy(const server_config& c) {
  if (c.admin_token_file.empty()) {
    spdlog::warn("no --admin-token-file: register and close are accepted only from this machine");
    return admin_policy{};
  }
  return admin_policy{load_admin_token(c.admin_token_file)};
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
  auto identity = load_or_create_identity(*fs, c);
  std::unique_ptr<storage::wal> wal;
  auto recovered = recover(*fs, c, wal);
  const auto epoch = take_epoch(*fs, c, identity.id, recovered.last_epoch);

  asio::io_context io(1);
  const auto host = asio::ip::make_address_v4(addr.host);
  const std::string endpoint = addr.host + ":" + std::to_string(c.port);
  log_writer writer(io, *fs, c.data_dir, std::move(wal));
  server_node node(io, {identity.id, endpoint, c.cluster, identity.cluster_uuid}, epoch,
                   std::move(recovered), std::move(admin), writer, c.snapshot_every);

  net::listener_options lo;
  lo.max_frame_payload = c.max_frame_bytes;
  lo.max_connections = c.max_connections;
  lo.idle_timeout = c.idle_timeout;
  net::client_listener listener = bind_or_fail("TCP " + endpoint, [&] {
    return net::client_listener(io, {host, c.port}, node, lo);
  });
  auto discovery = bind_or_fail(
      "UDP discovery port " + addr.broadcast + ":" + std::to_string(c.discovery_port), [&] {
        return std::make_unique<net::discovery_responder>(
            io, host, asio::ip::make_address_v4(addr.broadcast), c.discovery_port, c.cluster,
            [&node] { return node.leader_info(); });
      });

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    spdlog::info("node={} signal {}: finishing in-flight requests, then stopping", identity.id,
                 signo);
    // Stop taking new work, let the batch on its way to disk finish, deliver every reply, stop.
    discovery->stop();
    listener.shutdown([] {});  // stops accepting; connections close as their replies go out
    node.drain([&] { listener.shutdown([&] { io.stop(); }); });
  });

  node.start();
  listener.start();
  discovery->start();
  spdlog::info("node={} listening on {} (discovery {}:{}, cluster '{}', data {})", identity.id,
               endpoint, addr.broadcast, c.discovery_port, c.cluster, c.data_dir);
  io.run();
  writer.stop();
  spdlog::info("node={} stopped", identity.id);
  return exit_ok;
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
