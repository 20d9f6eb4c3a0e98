// The node machine (DESIGN.md §3): everything one vote-server does between its sockets, timers
// and disk — the consensus core, the election state machine, and the pipeline that carries the
// core's outputs out — as a pure, single-threaded object. The product runs it inside an Asio
// shell (cluster_node.hpp); the simulator runs the very same code with simulated time, network
// and disk (sim/cluster.hpp). Links no Boost and does no I/O: every effect goes through
// `node_effects`.
//
// Inputs: tick() (the clock, read through node_effects::now()), client requests with a reply
// handle, authenticated and decoded peer envelopes and leave requests, hellos and link-down
// events, and the completions persisted(job) / snapshot_saved().
// Outputs (node_effects): persist jobs, snapshot jobs, sends, replies (through each request's
// reply handle), log notes, fatal conditions, and "pump soon" (the end of an event-loop turn).
//
// The pipeline (persist → send → apply → reply/report). Every core output becomes a stage; a
// stage with something to persist is handed to node_effects::persist and waits for persisted().
// Stages complete strictly in order: an output waits for every earlier one, so no message ever
// describes state that is not durable and replies follow apply. The one exception is the
// send-ahead rule (send_ahead() below): a leader's appends and snapshot chunks, and a follower's
// append replies whose match index is already durable, may leave before the persists queued
// ahead of them — never while a promise, cluster UUID, snapshot install or truncation is on its
// way to disk.
//
// Client commands are proposed only by the serving leader and answered once their entry is
// committed and applied with the same (epoch, index); anything else gets `not_leader` with the
// leader's endpoint (when this server follows a live leader), `unavailable` (election in progress)
// or `no_quorum` (no leader reachable). A proposal lost to a leadership change, a snapshot
// install or a stop is answered "outcome unknown, retry" (the client's retry with the same
// request_id is exactly-once). A command the applied state already settles
// (election_state::judge) is answered without a log entry: at once when the answer holds forever
// (a bad candidate, a retry, a closed election), after a read index when it holds only now
// (unknown election, not on the roll, already voted); docs/state-machine.md "Which refusals are
// logged".
//
// Stopping (stop()): leave (--leave) → drain (requests in flight are committed and answered) →
// hand over leadership → flush the pipeline → node_effects::stopped(). Each wait is bounded by
// the stop deadline; whatever is still unanswered then is answered "outcome unknown".
//
// Invariants: applied_index <= core commit index; the state is the state machine after applying
// every committed entry up to applied_index (or the snapshot covering it); every request is
// answered exactly once.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vote/core/consensus.hpp"
#include "vote/core/election.hpp"
#include "vote/node/machine/admin.hpp"
#include "vote/wire/discovery.hpp"
#include "vote/wire/messages.hpp"
#include "vote/wire/request_origin.hpp"

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

// What one consensus output makes durable, in the order of the core's contract (consensus.hpp
// "1. Persist"): the only description of "what to persist" (the log writer and the simulated
// disk both carry these out).
struct persist_job {
  std::optional<std::string> cluster_uuid;  // joined or bootstrapped: save it first
  std::optional<consensus::promise_record> promise;
  std::optional<consensus::snapshot_install> install;  // write it, then restart the log after it
  std::optional<std::uint64_t> truncate_from;          // delete entries with index >= this
  std::vector<log_entry> entries;                      // dense, continuing the log

  // Takes the persist part of `out` (its entries are moved out).
  static persist_job take_from(consensus::output& out);
  // Whether `out` has anything to persist; whether that includes more than log entries (a
  // promise, UUID, snapshot install or truncation: what no message may describe before it is
  // durable).
  static bool wanted(const consensus::output& out) noexcept;
  static bool has_meta(const consensus::output& out) noexcept;
};

// A snapshot of the applied state the node took; node_effects::save_snapshot writes it and drops
// the log prefix it covers.
struct snapshot_job {
  consensus::snapshot_meta meta;
  std::shared_ptr<const std::string> data;
};

enum class note_level : std::uint8_t { debug, info, warn, error, critical };

// The world the machine runs in. Every call is made on the machine's thread, from inside one of
// its inputs; none may call back into the machine synchronously (except the reply handles of
// requests, which the machine never expects to re-enter it).
class node_effects {
 public:
  virtual ~node_effects() = default;
  virtual milliseconds now() const = 0;             // a steady clock
  virtual std::int64_t unix_now_ms() const = 0;     // the wall clock (entry timestamps)
  // Make `job` durable, then call persisted(seq). Jobs complete in the order given.
  virtual void persist(std::uint64_t seq, persist_job job) = 0;
  // Write the snapshot and drop the log prefix it covers, then call snapshot_saved().
  virtual void save_snapshot(const snapshot_job& job) = 0;
  virtual void send(std::uint64_t peer, const std::string& endpoint,
                    const consensus::envelope& e) = 0;
  virtual void send(std::uint64_t peer, const std::string& endpoint,
                    const wire::leave_request& r) = 0;
  // Call pump() after the input being handled, once the event-loop turn ends: inputs of one
  // turn share one output (and so one persist job, one fsync).
  virtual void pump_soon() = 0;
  virtual void hello_now() = 0;  // the node's hello changed: send one at once
  virtual void note(note_level level, std::string text) = 0;
  // A condition the server cannot run with (a lost disk under an old id): exit 4.
  virtual void fatal(std::string message) = 0;
  virtual void stopped() = 0;  // stop() finished

  // Observations for the simulator's checker; the product ignores them.
  virtual void observe_output(const consensus::output&) {}
  virtual void observe_applied(const log_entry&, const command*, const outcome*) {}
};

class node_machine {
 public:
  node_machine(node_settings settings, recovered_state recovered, admin_policy admin,
               node_effects& effects, std::uint64_t rng_seed);
  node_machine(const node_machine&) = delete;
  node_machine& operator=(const node_machine&) = delete;

  // ---- inputs -------------------------------------------------------------------------------
  void start();
  void tick();  // every settings.tick
  void pump();  // after node_effects::pump_soon()
  void on_request(std::string payload, const wire::request_origin& origin, wire::reply_fn reply);
  void on_envelope(const consensus::envelope& e);
  void on_leave(const wire::leave_request& r);
  void on_link_down(std::uint64_t peer);
  void on_hello(const wire::hello& h);
  void persisted(std::uint64_t seq);
  void snapshot_saved();
  // Graceful stop (SIGTERM): new requests are refused; node_effects::stopped() follows.
  void stop();

  // ---- queries ------------------------------------------------------------------------------
  bool finished() const noexcept { return finished_; }  // stopped: tick() is no longer needed
  wire::hello hello() const;
  std::optional<wire::leader_is> leader_info() const;
  wire::server_status status() const;
  wire::cluster_view cluster_view() const;
  const consensus::core& core() const noexcept { return core_; }
  const election_state& state() const noexcept { return state_; }
  std::uint64_t applied_index() const noexcept { return applied_index_; }
  std::uint64_t durable_index() const noexcept { return durable_index_; }
  // Requests accepted and not yet answered (proposals and reads).
  std::size_t in_flight() const noexcept { return pending_.size() + reads_.size(); }

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
    wire::reply_fn reply;
  };
  struct pending_read {
    std::string request_id;
    std::string election_id;
    std::uint64_t index = 0;  // answer once applied_index_ >= index (0: not ready yet)
    wire::reply_fn reply;
    std::optional<command> judged;  // a command settled "now": judged again once ready
  };
  struct peer_seen {
    wire::hello hello;
    milliseconds at{0};
    bool reported_silent = false;
  };

  // pipeline.cpp: the output pipeline, apply, reports, stop
  milliseconds now() const { return fx_.now(); }
  template <class... Args>
  void note(note_level level, Args&&... parts);
  void submit(consensus::output out);
  void send_ahead(consensus::output& out, bool meta);
  void advance_pipeline();
  void carry_out(consensus::output& out);
  void send_messages(const std::vector<consensus::envelope>& messages);
  void install(const consensus::snapshot_install& snap);
  void apply(const log_entry& e);
  void report(consensus::output& out);
  void answer_ready_reads();
  void fail_pending(const std::string& why);
  void maybe_snapshot(std::uint64_t wanted);
  void maybe_finish_stop();
  template <class F>
  void survive(const std::string& what, F&& f);

  // requests.cpp: client requests and status views
  void take_request(const std::string& payload, const wire::request_origin& origin,
                    wire::reply_fn& reply);
  void serve(const wire::client_request& req, const wire::request_origin& origin,
             wire::reply_fn& reply);
  void serve_command(const wire::client_request& req, wire::reply_fn& reply);
  void confirm_then_answer(command cmd, wire::reply_fn& reply);
  void answer_judged(command cmd, wire::reply_fn& reply);
  void propose_command(command cmd, wire::reply_fn& reply);
  void serve_results(const wire::client_request& req, wire::reply_fn& reply);
  void serve_admin(const wire::client_request& req, wire::reply_fn& reply);
  bool refuse_unless_leader(const std::string& request_id, wire::reply_fn& reply) const;
  std::int64_t next_timestamp();

  // discovery.cpp: hellos, bootstrap and join, silence, leave
  void take_hello(const wire::hello& h);
  void tick_discovery();
  void try_bootstrap();
  void check_silence();
  std::string endpoint_of(std::uint64_t id) const;
  void send_leave();
  bool left_cluster() const;
  std::string new_uuid();

  node_settings settings_;
  node_effects& fx_;
  consensus::core core_;
  election_state state_;
  admin_policy admin_;
  std::uint64_t uuid_seed_;

  // applied state
  std::uint64_t applied_index_ = 0;
  std::uint64_t applied_epoch_ = 0;
  consensus::configuration applied_config_;
  std::uint64_t snapshot_index_ = 0;
  std::optional<snapshot_job> snapshot_in_flight_;
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
  struct {  // counts of repeated problems, for rate-limited warnings (worth_logging)
    std::uint64_t id_clashes = 0, strangers = 0, reborn = 0;
  } warnings_;

  // stopping
  enum class stop_phase { leave, drain, hand_over };
  milliseconds stop_started_{0};
  milliseconds stop_deadline_{0};
  milliseconds leave_resend_at_{0};
  stop_phase stop_phase_ = stop_phase::leave;
  bool stop_requested_ = false;
  bool stopping_ = false;  // stop() was called and stopped() not yet
  bool handed_over_ = false;
  bool frozen_ = false;    // stopping: the core takes no more inputs
  bool finished_ = false;  // stopped
};

}  // namespace vote::node
