// The node driver (DESIGN.md §3): runs one consensus core inside vote-server and owns the
// election state machine, on one thread.
//
// Inputs: client requests (client listener), peer messages (the same listener, which opened and
// decoded them: only authenticated, decoded messages get here), hellos and
// link-down events (discovery, peer links) and a timer that hands the core the steady clock.
// Every input is handed to the core; its outputs are carried out strictly in the contract's
// order (consensus.hpp): persist (on the log writer's thread, one fsync per round of queued
// outputs: group commit) → send → apply → reply/report. An output waits for every earlier one, so
// no message ever describes state that is not durable, and replies follow apply.
//
// Client commands are proposed only by the serving leader and answered once their entry is
// committed and applied with the same (epoch, index); anything else gets `not_leader` with the
// leader's endpoint (when this server follows a live leader), `unavailable` (election in progress)
// or `no_quorum` (no leader reachable). A proposal lost to a leadership change is answered
// "outcome unknown, retry" (the client's retry with the same request_id is exactly-once).
// A command the applied state already settles (election_state::judge) is answered without a log
// entry: at once when the answer holds forever (a bad candidate, a retry, a closed election),
// after a read index when it holds only now (unknown election, not on the roll, already voted);
// docs/state-machine.md "Which refusals are logged".
//
// Invariants: applied_index_ <= core commit index; state_ is the state machine after applying
// every committed entry up to applied_index_ (or the snapshot covering it); pending_ holds the
// replies of proposals made in this process lifetime, keyed by index, each answered exactly once.
//
// Threading: every member runs on the io_context's single thread; the log writer posts its
// completions back to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "vote/core/consensus.hpp"
#include "vote/core/election.hpp"
#include "vote/net/client_listener.hpp"
#include "vote/net/cluster_key.hpp"
#include "vote/net/peer_message.hpp"
#include "vote/node/machine/admin.hpp"
#include "vote/node/log_writer.hpp"
#include "vote/wire/discovery.hpp"
#include "vote/wire/messages.hpp"

namespace vote::node {

using std::chrono::milliseconds;

struct node_settings {
  std::uint64_t id = 0;
  std::uint64_t incarnation = 0;
  std::string endpoint;  // "ip:port" of the listener (clients and peers)
  std::string cluster;   // cluster name
  std::string data_dir;
  std::size_t bootstrap_expect = 1;     // servers to hear before forming a new cluster
  milliseconds discovery_window{2000};  // an empty server listens this long first
  milliseconds hello_interval{500};     // peers silent for 3 intervals are reported silent
  milliseconds tick{5};                 // how often the core is handed the clock
  milliseconds stop_timeout{2000};      // graceful stop: hand over within this, else just stop
  bool leave_on_stop = false;           // --leave
  // The data directory was created by this start. Only then does "my id is already a voter of
  // the cluster I hear" mean a lost disk; an older directory that never saved the cluster UUID
  // (a bootstrap proposer that crashed before forming) rejoins as the member it is.
  bool new_identity = true;
  consensus::options consensus;
};

// What recovery found on disk. The applied state starts at persisted.snapshot (index, epoch,
// configuration); without one, at the empty state before index 1.
struct recovered_state {
  election_state state = election_state(limits{});  // the latest snapshot's state (or empty)
  consensus::persisted_state persisted;             // for the core: promise, snapshot, log, UUID
};

class cluster_node : public net::request_handler, public net::peer_message_handler {
 public:
  // Sends one sealed, encoded peer message (the peer links adapter).
  using send_fn =
      std::function<void(std::uint64_t peer, const std::string& endpoint, std::string payload)>;
  // A condition the server cannot run with (e.g. a lost disk under an old id): exit `code`.
  using fatal_fn = std::function<void(int code, const std::string& message)>;

  cluster_node(boost::asio::io_context& io, node_settings settings, recovered_state recovered,
               admin_policy admin, log_writer& writer, const net::cluster_key* key,
               std::uint64_t rng_seed);
  void set_send(send_fn f) { send_ = std::move(f); }
  void set_fatal(fatal_fn f) { fatal_ = std::move(f); }
  void set_hello_now(std::function<void()> f) { hello_now_ = std::move(f); }

  void start();
  // Graceful stop (SIGTERM): leave the cluster first with --leave, hand leadership over, let
  // everything on its way to disk finish and be answered, then call `done` on the node thread.
  void stop(std::function<void()> done);

  // ---- adapter inputs ---------------------------------------------------------------------
  void on_request(std::string payload, const net::request_origin& origin,
                  net::reply_fn reply) override;
  void on_peer_message(net::peer_message message, const net::request_origin& origin) override;
  void on_link_down(std::uint64_t peer);
  void on_hello(const wire::hello& h);

  // ---- adapter queries --------------------------------------------------------------------
  wire::hello hello() const;
  std::optional<wire::leader_is> leader_info() const;
  wire::server_status status() const;
  wire::cluster_view cluster_view() const;

 private:
  struct stage {  // one core output on its way: persist → send → apply → report
    std::uint64_t seq = 0;
    bool durable = false;
    bool meta = false;  // persists a promise, UUID, snapshot install or truncation
    struct {
      std::uint64_t last_entry = 0, truncate_from = 0, installed = 0;
    } log;  // what the persist does to the durable log (durable_index_)
    consensus::output out;
  };
  struct pending_proposal {
    std::uint64_t epoch = 0;
    std::string request_id;
    net::reply_fn reply;
  };
  struct pending_read {
    std::string request_id;
    std::string election_id;
    std::uint64_t index = 0;  // answer once applied_index_ >= index (0: not ready yet)
    net::reply_fn reply;
    std::optional<command> judged;  // a command settled "now": judged again once ready
  };
  struct peer_seen {
    wire::hello hello;
    milliseconds at{0};
    bool reported_silent = false;
  };

  // cluster_node.cpp: the clock, the output pipeline, apply, reports
  milliseconds now() const;
  void on_tick();
  void schedule_pump();
  void pump();
  void submit(consensus::output out);
  void send_ahead(consensus::output& out, bool meta);
  void on_persisted(std::uint64_t seq);
  void advance_pipeline();
  void carry_out(consensus::output& out);
  void send_messages(const std::vector<consensus::envelope>& messages);
  std::string sealed(std::string bytes) const;  // with the cluster key's seal, if there is one
  void install(const consensus::snapshot_install& snap);
  void apply(const log_entry& e);
  void report(consensus::output& out);
  void answer_ready_reads();
  void fail_pending(const std::string& why);
  void maybe_snapshot(std::uint64_t wanted);
  void maybe_finish_stop();
  persist_job make_job(consensus::output& out) const;

  // cluster_requests.cpp: client requests and status views
  void take_request(const std::string& payload, const net::request_origin& origin,
                    net::reply_fn& reply);
  void serve(const wire::client_request& req, const net::request_origin& origin,
             net::reply_fn& reply);
  void serve_command(const wire::client_request& req, net::reply_fn& reply);
  void confirm_then_answer(command cmd, net::reply_fn& reply);
  void answer_judged(command cmd, net::reply_fn& reply);
  void propose_command(command cmd, net::reply_fn& reply);
  void serve_results(const wire::client_request& req, net::reply_fn& reply);
  void serve_admin(const wire::client_request& req, net::reply_fn& reply);
  bool refuse_unless_leader(const std::string& request_id, net::reply_fn& reply) const;
  std::int64_t next_timestamp();

  // cluster_discovery.cpp: hellos, bootstrap and join, silence, leave
  void take_peer_message(net::peer_message& message);
  void take_hello(const wire::hello& h);
  void tick_discovery();
  void try_bootstrap();
  void check_silence();
  std::string endpoint_of(std::uint64_t id) const;
  void on_leave(const net::leave_request& r);
  void send_leave();
  bool left_cluster() const;

  boost::asio::io_context& io_;
  node_settings settings_;
  consensus::core core_;
  election_state state_;
  admin_policy admin_;
  log_writer& writer_;
  const net::cluster_key* key_;
  send_fn send_;
  fatal_fn fatal_;
  std::function<void()> hello_now_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point origin_;

  // applied state
  std::uint64_t applied_index_ = 0;
  std::uint64_t applied_epoch_ = 0;
  consensus::configuration applied_config_;
  std::uint64_t snapshot_index_ = 0;
  bool snapshot_in_flight_ = false;
  std::int64_t last_timestamp_ms_ = 0;

  // the output pipeline
  std::deque<stage> pipeline_;
  std::uint64_t durable_index_ = 0;  // the log is durable up to here (fsynced)
  std::size_t unsettled_meta_ = 0;   // stages with meta not yet durable
  std::uint64_t next_seq_ = 0;
  bool pump_scheduled_ = false;

  // clients
  std::map<std::uint64_t, pending_proposal> pending_;  // by log index
  std::map<std::uint64_t, pending_read> reads_;        // by read id

  // discovery and membership
  std::map<std::uint64_t, peer_seen> peers_;
  milliseconds discovery_until_{0};
  milliseconds bootstrap_retry_at_{0};
  bool bootstrapping_ = false;
  std::size_t heard_when_waiting_ = 0;
  milliseconds next_discovery_check_{0};
  struct {  // counts of repeated problems, for rate-limited warnings (net::worth_logging)
    std::uint64_t id_clashes = 0, strangers = 0, reborn = 0;
  } warnings_;

  // stopping
  enum class stop_phase { leave, drain, hand_over };
  std::function<void()> stopped_;
  milliseconds stop_started_{0};
  milliseconds stop_deadline_{0};
  milliseconds leave_resend_at_{0};
  stop_phase stop_phase_ = stop_phase::leave;
  bool stop_requested_ = false;
  bool handed_over_ = false;
  bool frozen_ = false;    // stopping: the core takes no more inputs
  bool finished_ = false;  // stopped: the timer is not re-armed
};

}  // namespace vote::node
