// The node's Asio shell (DESIGN.md §3, STYLE.md 15): runs one node machine (machine.hpp) inside
// vote-server. Everything the node decides is the machine's; the shell only connects it to the
// process: a steady timer that calls tick() every settings.tick, a post() that runs pump() at the
// end of an event-loop turn (group commit), the log writer thread that carries out persist and
// snapshot jobs and posts their completions back, and the adapters (client listener, peer links,
// discovery responder) whose decoded inputs it hands over and whose sends it seals.
//
// Threading: every member runs on the io_context's single thread; the log writer posts its
// completions back to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "vote/net/client_listener.hpp"
#include "vote/net/cluster_key.hpp"
#include "vote/net/peer_message.hpp"
#include "vote/node/log_writer.hpp"
#include "vote/node/machine/machine.hpp"
#include "vote/node/node_metrics.hpp"

namespace vote::node {

// What the node needs from its process, built once (server.cpp; tests build their own). The
// functions may refer to adapters made after the node: they are called only after start().
struct node_env {
  boost::asio::io_context& io;
  log_writer& writer;
  const net::cluster_key* key = nullptr;  // seals peer messages; nullptr: unauthenticated
  std::uint64_t seed = 0;                 // the core's election jitter and new cluster UUIDs
  // Sends one sealed, encoded peer message (the peer links). Empty: peer messages are dropped.
  std::function<void(std::uint64_t peer, const std::string& endpoint, std::string payload)> send;
  std::function<void()> hello_now;  // announce a changed hello at once
  // A condition the server cannot run with: exit with `code` (server.hpp) after logging `message`.
  std::function<void(int code, const std::string& message)> fatal;
  // Count client requests for the metrics (counters()): their durations, and votes by result.
  bool count_requests = false;
};

class cluster_node : public net::request_handler,
                     public net::peer_message_handler,
                     private node_effects {
 public:
  cluster_node(node_env env, node_settings settings, recovered_state recovered, admin_policy admin);

  void start();
  // Graceful stop (SIGTERM): leave the cluster first with --leave, hand leadership over, let
  // everything on its way to disk finish and be answered, then call `done` on the node thread.
  void stop(std::function<void()> done);

  // ---- adapter inputs ---------------------------------------------------------------------
  void on_request(std::string payload, const net::request_origin& origin,
                  net::reply_fn reply) override;
  void on_peer_message(net::peer_message message, const net::request_origin& origin) override;
  void on_link_down(std::uint64_t peer) { machine_.on_link_down(peer); }
  void on_hello(const wire::hello& h) { machine_.on_hello(h); }

  // ---- adapter queries --------------------------------------------------------------------
  wire::hello hello() const { return machine_.hello(); }
  std::optional<wire::leader_is> discovery_answer() const { return machine_.discovery_answer(); }
  wire::server_status status() const { return machine_.status(); }
  wire::cluster_view cluster_view() const { return machine_.cluster_view(); }
  const node_machine& machine() const noexcept { return machine_; }
  const request_counters& counters() const noexcept { return counters_; }

 private:
  void on_tick();

  // node_effects
  milliseconds now() const override;
  std::int64_t unix_now_ms() const override;
  void persist(std::uint64_t seq, consensus::persist_job job) override;
  void save_snapshot(const snapshot_job& job) override;
  void send(consensus::node_id peer, const std::string& endpoint,
            const consensus::envelope& e) override;
  void send(consensus::node_id peer, const std::string& endpoint,
            const wire::leave_request& r) override;
  void pump_soon() override;
  void hello_now() override;
  bool noting(note_level level) const override;
  void note(note_level level, const std::string& text) override;
  void fatal(const std::string& message) override;
  void stopped() override;
  void send_sealed(consensus::node_id peer, const std::string& endpoint, std::string json);
  void observe_output(const consensus::output& out) override;  // counts leader changes
  net::reply_fn counted(std::string_view payload, net::reply_fn reply);

  node_env env_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point origin_;
  std::function<void()> stopped_;
  request_counters counters_;
  node_machine machine_;  // last: its effects are the members above
};

}  // namespace vote::node
