// The node machine (DESIGN.md §3, STYLE.md 15): everything one vote-server does between its
// sockets, timers and disk — the consensus core, the election state machine, and the pipeline
// that carries the core's outputs out — as one pure, single-threaded object. The product runs it
// inside a thin Asio shell (cluster_node.hpp); the simulator runs the very same code with
// simulated time, network and disk (sim/cluster.hpp). It links no Boost and does no I/O: every
// effect goes through `node_effects`, the clock included.
//
// Inputs: tick() (every settings.tick), pump() (after node_effects::pump_soon()), client requests
// with a reply handle, authenticated and decoded peer envelopes and leave requests, hellos and
// link-down events, the completions persisted(seq) / snapshot_saved(bytes), and stop().
// Outputs (node_effects): persist jobs, snapshot jobs, sends, replies (through each request's
// reply handle), notes for the log, a fatal condition, and stopped().
//
// The pipeline (persist → send → apply → reply/report). Every core output becomes a stage; its
// persist part (consensus::persist_job) is handed to node_effects::persist and the stage waits for
// persisted(seq). Stages complete strictly in order: an output waits for every earlier one, so no
// message describes state that is not durable, and replies follow apply. The one exception is the
// send-ahead rule (send_ahead()): a leader's appends and snapshot chunks, and a follower's append
// replies whose match index is already durable (or refusals), may leave before the persists queued
// ahead of them — never while a promise, cluster UUID, snapshot install or truncation is on its way
// to disk.
//
// Replies. A client command is proposed only by the serving leader and answered once the entry at
// the index propose() returned is applied: with its outcome if that entry carries the proposal's
// epoch and request id, else "outcome unknown, retry". Anything else is answered at once:
// `not_leader` with the leader's endpoint (a follower of a live leader), `unavailable` (an
// election or a handover in progress), `no_quorum` (no leader reachable). A proposal lost to a
// leadership change, a snapshot install or a stop is answered "outcome unknown" (the client's
// retry with the same request_id is applied at most once). A command the applied state already
// settles (election_state::judge) is answered without a log entry: at once when the answer holds
// forever, after a read index when it holds only now (docs/state-machine.md "Which refusals are
// logged").
//
// Stopping (stop()): leave (--leave) → drain (requests in flight are committed and answered) →
// hand leadership over → flush the pipeline → node_effects::stopped(). Each wait is bounded by the
// stop deadline; whatever is still unanswered then is answered "outcome unknown".
//
// Invariants: applied_index() <= core().commit_index(); state() is the state machine after
// applying every committed entry up to applied_index() (or the snapshot covering it);
// durable_index() never runs ahead of what persisted() confirmed; every request handed in is
// answered exactly once (in_flight() counts those not yet answered), before stopped() at the
// latest.
//
// Threading: not thread-safe; one owner calls every input and query on one thread. None of the
// node_effects calls may call back into the machine synchronously.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
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

// The timers an operator sets (vote-server's flags); everything else follows from them, the same
// way in the product and in the simulator (which draws these around the defaults).
struct node_timers {
  milliseconds heartbeat{50};
  milliseconds election_timeout{200};  // plus up to half of it of jitter
  milliseconds hello_interval{500};    // peers silent for 3 intervals are reported silent
  milliseconds discovery_window{2000};
  std::uint64_t snapshot_every = 200'000;  // entries between snapshots; 0: never
};

// The consensus options the product runs with for `timers` (docs/operations.md "Timers").
consensus::options consensus_options(const node_timers& timers, const std::string& endpoint);

struct node_settings {
  std::uint64_t id = 0;
  std::uint64_t incarnation = 0;
  std::string endpoint;                 // "ip:port" of the listener (clients and peers)
  std::string cluster;                  // cluster name
  std::size_t bootstrap_expect = 1;     // servers to hear before forming a new cluster
  milliseconds discovery_window{2000};  // an empty server listens this long first
  milliseconds hello_interval{500};     // peers silent for 3 intervals are reported silent
  milliseconds tick{5};                 // how often the owner calls tick()
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

// A snapshot of the applied state the machine took: node_effects::save_snapshot serialises it,
// writes it and drops the log prefix it covers. `state` is the applied state at meta.last_index,
// frozen: immutable and shared with nobody who changes it, so it may be serialised on any thread
// while the machine goes on applying (its copy is cheap: election_state shares what it does not
// change, voter_table.hpp).
struct snapshot_job {
  consensus::snapshot_meta meta;
  std::shared_ptr<const election_state> state;
};

// The snapshot's bytes (election_state::snapshot()): what node_effects::save_snapshot writes and
// hands back to snapshot_saved(). Slow for a large state (about 0.15 s per million voters): never
// on the machine's thread in the product.
std::shared_ptr<const std::string> serialise(const snapshot_job& job);

enum class note_level : std::uint8_t { debug, info, warn, error };

// The world the machine runs in (LevelDB's Env, NuRaft's context): the product's Asio shell and
// the simulator each implement it. Called on the machine's thread, from inside its inputs.
class node_effects {
 public:
  virtual ~node_effects() = default;
  virtual milliseconds now() const = 0;          // steady time since any origin
  virtual std::int64_t unix_now_ms() const = 0;  // the wall clock (entry timestamps)
  // Make `job` durable (in its field order), then call persisted(seq). Jobs and snapshot jobs
  // complete in the order they were handed over.
  virtual void persist(std::uint64_t seq, consensus::persist_job job) = 0;
  // Serialise the snapshot (serialise(job)), write it and drop the log prefix it covers, then
  // call snapshot_saved() with its bytes. The product does all of it on its log writer thread, so
  // that no snapshot stalls the machine's heartbeats and acks.
  virtual void save_snapshot(const snapshot_job& job) = 0;
  virtual void send(consensus::node_id peer, const std::string& endpoint,
                    const consensus::envelope& e) = 0;
  virtual void send(consensus::node_id peer, const std::string& endpoint,
                    const wire::leave_request& r) = 0;
  // Call pump() once the current event-loop turn ends: the inputs of one turn share one output
  // (one persist job, one fsync: group commit).
  virtual void pump_soon() = 0;
  virtual void hello_now() {}  // the node's hello changed: announce it at once
  virtual bool noting(note_level) const { return true; }
  virtual void note(note_level level, const std::string& text) = 0;
  // A condition the server cannot run with (a lost disk under an old id): stop the process.
  virtual void fatal(const std::string& message) = 0;
  virtual void stopped() = 0;  // stop() finished: every request was answered

  // Observations for the simulator's checker; the product counts leader changes for its metrics.
  virtual void observe_output(const consensus::output&) {}  // as taken from the core
  // An applied entry: a command decoded, with its outcome (nullptr for other entry kinds).
  virtual void observe_applied(const log_entry&, const command*, const outcome*) {}
  // A snapshot replaced the applied state (at the moment it did).
  virtual void observe_installed(const consensus::snapshot_install&) {}
};

class node_machine {
 public:
  node_machine(node_settings settings, recovered_state recovered, admin_policy admin,
               node_effects& effects, std::uint64_t rng_seed);
  node_machine(const node_machine&) = delete;
  node_machine& operator=(const node_machine&) = delete;

  // ---- inputs -------------------------------------------------------------------------------
  void start();
  void tick();  // every settings().tick
  void pump();  // after node_effects::pump_soon()
  // One client request (JSON, unframed); `reply` is called exactly once with the response.
  void on_request(std::string_view payload, const wire::request_origin& origin,
                  wire::reply_fn reply);
  void on_envelope(const consensus::envelope& e);  // authenticated and decoded
  void on_leave(const wire::leave_request& r);     // authenticated and decoded
  void on_link_down(consensus::node_id peer);      // the link broke and one reconnect failed
  void on_hello(const wire::hello& h);             // authenticated and decoded
  void persisted(std::uint64_t seq);
  // The snapshot handed to save_snapshot() is durable; `data` is its bytes (serialise()).
  void snapshot_saved(std::shared_ptr<const std::string> data);
  // Graceful stop (SIGTERM): new requests are refused; node_effects::stopped() follows.
  void stop();

  // ---- test hooks: the simulator's adversary and the core's cluster tests ------------------
  // Stand now, whatever the ring (consensus::core::force_campaign).
  void force_campaign();
  // Proposes a raw entry as a serving leader would a client's, with nobody waiting for a reply
  // (consensus::core::propose); nullopt when not a serving leader.
  std::optional<consensus::entry_id> propose_raw(entry_kind kind, std::string payload);
  // Adds a member as a learner (consensus::core::add_member), as a joining hello would.
  errc add_member(const consensus::member& m);

  // ---- queries ------------------------------------------------------------------------------
  const node_settings& settings() const noexcept { return settings_; }
  bool finished() const noexcept { return finished_; }  // stopped: no more ticks needed
  bool stopping() const noexcept { return stop_requested_ && !finished_; }
  wire::hello hello() const;
  // The leader this server names (itself while it leads, else the leader it sticks to), and the
  // epoch in which it saw it lead; nullopt when it knows none, or none with an endpoint.
  // hello(), status() and cluster_view() report it; discovery_answer() wraps it.
  std::optional<consensus::leader_info> leader() const;
  // Its answer to who_is_leader (the nonce left 0), nullopt exactly when leader() is.
  std::optional<wire::leader_is> discovery_answer() const;
  wire::server_status status() const;
  wire::cluster_view cluster_view() const;
  const consensus::core& core() const noexcept { return core_; }
  const election_state& state() const noexcept { return state_; }
  std::uint64_t applied_index() const noexcept { return applied_index_; }
  std::uint64_t durable_index() const noexcept { return durable_index_; }
  // Requests handed in and not yet answered (proposals and reads).
  std::size_t in_flight() const noexcept { return pending_.size() + reads_.size(); }

 private:
  struct stage {  // one core output on its way: persist → send → apply → report
    std::uint64_t seq = 0;
    bool durable = false;
    bool meta = false;  // persists a promise, UUID, snapshot install or truncation
    struct {
      std::uint64_t last_entry = 0, truncate_from = 0;
    } log;  // what the persist does to the durable log (durable_index_)
    std::optional<consensus::snapshot_install> installed;  // to load into the state machine
    consensus::output out;                                 // its persist part handed over
  };
  struct pending_proposal {
    std::uint64_t epoch = 0;
    std::string request_id;
    wire::reply_fn reply;
    // The command as proposed: applying this entry uses it instead of decoding its payload again
    // (the codec round-trips exactly: command_codec_test, fuzz_command).
    std::optional<command> proposed{};
  };
  struct pending_read {
    std::string request_id;
    std::string election_id;
    std::uint64_t index = 0;  // answer once applied_index_ >= index (0: not ready yet)
    wire::reply_fn reply;
    std::optional<command> judged;  // a command settled "now": judged again once ready
    wire::request_type type = wire::request_type::results;  // results, elections or election
  };
  struct peer_seen {
    wire::hello hello;
    milliseconds at{0};
    bool reported_silent = false;
  };

  // pipeline.cpp: the output pipeline (persist → send → apply → report)
  milliseconds now() const;  // the machine's clock: see clock_paused_
  void pump_soon();          // node_effects::pump_soon(), once until pump() runs
  void note(note_level level, const std::string& text) const;
  void submit(consensus::output out);
  void send_ahead(consensus::output& out);
  void advance_pipeline();
  void carry_out(stage& s);
  void send_messages(const std::vector<consensus::envelope>& messages);

  // apply.cpp: apply, reports, reads, snapshots
  void install(const consensus::snapshot_install& snap);
  void apply(const log_entry& e);
  void report(const consensus::output& out);
  void answer_ready_reads();
  void fail_pending(const std::string& why);
  void maybe_snapshot(std::uint64_t wanted);

  // stop.cpp: the stop phases
  void maybe_finish_stop();

  // requests.cpp: client requests
  void take_request(std::string_view payload, const wire::request_origin& origin,
                    wire::reply_fn& reply);
  void serve(const wire::client_request& req, const wire::request_origin& origin,
             wire::reply_fn& reply);
  void serve_command(const wire::client_request& req, wire::reply_fn& reply);
  void confirm_then_answer(command cmd, wire::reply_fn& reply);
  void answer_judged(command cmd, wire::reply_fn& reply);
  void propose_command(command cmd, wire::reply_fn& reply);
  void serve_results(const wire::client_request& req, wire::reply_fn& reply);
  void propose_due_closes();
  void serve_record(const wire::client_request& req, wire::reply_fn& reply);
  void serve_admin(const wire::client_request& req, wire::reply_fn& reply);
  bool refuse_unless_leader(const std::string& request_id, wire::reply_fn& reply) const;
  std::optional<std::string> forming() const;
  std::int64_t peek_timestamp() const;
  std::int64_t next_timestamp();

  // discovery.cpp: hellos, bootstrap and join, silence, leave
  void take_hello(const wire::hello& h);
  void tick_discovery();
  void try_bootstrap();
  void check_silence();
  std::string endpoint_of(consensus::node_id id) const;
  void send_leave();
  bool left_cluster() const;
  std::string new_uuid();
  template <class F>
  bool survive(const std::string& what, F&& f);  // internal.hpp

  node_settings settings_;
  node_effects& fx_;
  consensus::core core_;
  election_state state_;
  admin_policy admin_;
  std::mt19937_64 rng_;  // cluster UUIDs
  // The records of the last closed elections asked for (a closed election's record never
  // changes), so that a client reading one in chunks costs one build.
  std::deque<std::pair<std::string, std::shared_ptr<const std::string>>> records_;

  // The machine's clock, now(): steady time minus the stretches in which the machine itself did
  // not run (no input for longer than a heartbeat: its thread busy or descheduled; it is ticked
  // every settings.tick). A timeout that expired while the machine was not listening says nothing
  // about its peers, whose messages are still queued: so no leader steps down (check-quorum) and
  // no follower stands for election for its own pause. Monotonic; the peers' view is unchanged
  // (they time out on a paused leader as before).
  mutable milliseconds clock_seen_{-1};   // fx_.now() at the latest call (-1: none yet)
  mutable milliseconds clock_paused_{0};  // left out of now() so far

  // applied state
  std::uint64_t applied_index_ = 0;
  std::uint64_t applied_epoch_ = 0;
  consensus::configuration applied_config_;
  std::uint64_t snapshot_index_ = 0;
  std::optional<consensus::snapshot_meta> snapshot_in_flight_;  // handed to save_snapshot()
  std::int64_t last_timestamp_ms_ = 0;

  // the output pipeline
  std::deque<stage> pipeline_;
  std::uint64_t durable_index_ = 0;  // the log is durable up to here (fsynced)
  std::size_t unsettled_meta_ = 0;   // stages with meta not yet durable
  std::uint64_t next_seq_ = 0;
  bool pump_asked_ = false;  // pump_soon() was called and pump() has not run since

  // clients
  std::map<std::uint64_t, pending_proposal> pending_;  // by log index
  std::map<std::uint64_t, pending_read> reads_;        // by read id
  // deadlines: elections whose close this leader proposed, and when
  std::map<std::string, milliseconds> deadline_proposed_;
  milliseconds next_deadline_check_{0};

  // discovery and membership
  std::map<consensus::node_id, peer_seen> peers_;
  milliseconds discovery_until_{0};
  milliseconds bootstrap_retry_at_{0};
  bool bootstrapping_ = false;
  std::size_t heard_when_waiting_ = 0;
  milliseconds next_discovery_check_{0};
  struct {  // counts of repeated problems, for rate-limited warnings (worth_logging)
    std::uint64_t id_clashes = 0, strangers = 0, reborn = 0;
  } warnings_;

  // stopping
  enum class stop_phase : std::uint8_t { leave, drain, hand_over };
  milliseconds stop_started_{0};
  milliseconds stop_deadline_{0};
  milliseconds leave_resend_at_{0};
  stop_phase stop_phase_ = stop_phase::leave;
  bool stop_requested_ = false;  // new requests are refused
  bool handed_over_ = false;
  bool frozen_ = false;    // stopping: the core takes no more inputs
  bool finished_ = false;  // stopped() was called
};

}  // namespace vote::node
