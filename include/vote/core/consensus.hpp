// CONTRACT READY
// API CHANGES: snapshot_reply gained `bool done` (added field, default false).
//   options gained `rounds_before_standing` (added field; liveness fallback, see below).
//   append_reply gained `node_id promised_to` (added field, default 0; see the message).
//   core gained `void force_campaign()` (added; the simulator's request: any node stands now).
//
// The consensus core (DESIGN.md §4, §5): one node's view of the LCR ring election, the epoch
// takeover, log replication, membership and snapshots — as a pure state machine.
//
// Shape (like ScyllaDB's raft::fsm): inputs are tick(now), step(envelope), propose(), read
// requests and discovery/storage events; every input only changes memory and queues effects;
// the owner drains the effects with take_output() and MUST carry them out in this order:
//   1. persist (fsync) in order: `cluster_uuid`, `promise`, `install_snapshot` (write the
//      snapshot, then discard the whole log: it continues at meta.last_index + 1),
//      `truncate_from` (delete log entries with index >= it), then append `entries`;
//   2. only then send `messages` (a promise or an ack describes only durable state);
//   3. apply `committed` entries in order (after an installed snapshot, load it first);
//   4. report: role/leader changes, reads, lost proposals, snapshot wish, bootstrap result.
// After persisting `entries` the owner calls stable_to(last persisted index): a leader counts
// itself toward a commit only up to that index. A driver that persists synchronously simply
// calls stable_to(out.entries.back().index) right after step 1.
// A restarted node is rebuilt from `persisted_state` (what steps 1 wrote) and starts as a
// follower; it never resumes a candidacy (DESIGN.md §5.3.1).
//
// Time: tick(now) hands in the monotonic time (steady_clock since any origin); it must never
// decrease. Timers compare elapsed time against the latest `now` passed to tick(); step() and
// the other inputs use that same `now`. Drive tick() at least every few milliseconds (the
// simulator: every step).
// Randomness: only the election-timeout jitter, from a generator seeded with `rng_seed`.
// Threading: not thread-safe; one owner (the node strand or the simulator) calls everything.
//
// The invariants of DESIGN.md §5.6 that one node can check are written next to the state they
// govern in the private section and checked by check_invariants() (consensus_invariants.hpp).
// Preconditions: an owner that breaks one stated with "must" below (a snapshot beyond what it
// applied, time going backwards, ...) trips VOTE_INVARIANT (invariant.hpp: abort in the product,
// a recorded violation in the simulator); the core then ignores the call. Peer messages are never
// preconditions: step() drops whatever is stale, duplicated, malformed or hostile, and the core's
// own internal invariants (VOTE_INVARIANT in the .cpp files) hold whatever peers send.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "vote/core/consensus_config.hpp"
#include "vote/core/consensus_messages.hpp"
#include "vote/core/consensus_records.hpp"
#include "vote/core/error.hpp"
#include "vote/core/log_entry.hpp"

namespace vote::consensus {

using std::chrono::milliseconds;

// Every timer and limit; the defaults are the product's.
struct options {
  std::string endpoint;                // this node's TCP endpoint (leader_alive, hellos)
  milliseconds heartbeat{50};          // leader sends append to everyone this often
  milliseconds election_timeout{250};  // follower timer base ...
  milliseconds election_jitter{150};   // ... plus uniform [0, jitter] from the rng
  milliseconds round_timeout{100};     // hop ack wait before skipping a ring member
  milliseconds fast_path_delay{100};   // link to leader closed: wait this, then a round
  milliseconds handover_tenure{5000};  // higher-id member live this long → hand over
  bool highest_id_leads = true;        // the user's rule (§5.4), with the tenure above
  // Liveness fallback (docs/consensus.md): after this many consecutive rounds that elected
  // nobody (e.g. the highest id reaches only a minority through a bridge node and keeps winning
  // rounds without a visited majority), the node stands directly at its next timeout, if
  // discovery reports a majority of the voters alive. Safety does not depend on the ring
  // (§5.2); 0 disables the fallback.
  std::size_t rounds_before_standing = 3;
  std::size_t max_entries_per_append = 256;     // batching limit of one append
  std::size_t max_inflight_appends = 8;         // pipelining depth per follower
  std::size_t snapshot_chunk_size = 64 * 1024;  // bytes per install_snapshot
  std::uint64_t catch_up_threshold = 1000;      // "far behind": entries a follower may lack
  std::uint64_t snapshot_threshold = 10'000;    // log entries after which snapshot_wanted is set
};

// What a node restarts from: exactly what the owner persisted from the outputs.
struct persisted_state {
  promise_record promise;                            // (promised_epoch, promised_to)
  std::optional<snapshot_meta> snapshot;             // the latest durable snapshot, if any
  std::shared_ptr<const std::string> snapshot_data;  // its bytes (sent to far-behind followers)
  std::vector<log_entry> log;                        // dense, starting after the snapshot (or at 1)
  std::string cluster_uuid;                          // empty: not yet in a cluster
};

// Carries out `job` on `state` in the job's order, as storage makes it durable (the simulator's
// disk and the core's cluster tests keep their disks this way). Returns what breaks the persist
// contract — a lower promise, a truncation inside the snapshot, entries that do not continue the
// log — else nullopt (then `state` is changed up to the offending step).
std::optional<std::string> persist_into(persisted_state& state, const persist_job& job);
// The owner wrote a snapshot of its state machine up to meta.last_index: the log prefix it covers
// is dropped. No effect when `state` holds a snapshot at least as new.
void compact_into(persisted_state& state, const snapshot_meta& meta,
                  std::shared_ptr<const std::string> data);

enum class role : std::uint8_t {
  follower,   // also: learner, non-member, a node not yet in a cluster
  candidate,  // standing in an epoch (prepares, fetch), or leading it before epoch_start commits
  leader,     // serving: its epoch_start is committed
};
std::string_view to_string(role r) noexcept;

struct read_ready {
  std::uint64_t id = 0;
  std::uint64_t index = 0;  // answer once applied >= index
  friend bool operator==(const read_ready&, const read_ready&) = default;
};
enum class bootstrap_result : std::uint8_t { formed, refused };
// A leader's view of one other member (status displays: DESIGN.md issue 4's vote-status).
struct peer_progress {
  node_id id = 0;
  std::uint64_t match_index = 0;
  std::optional<milliseconds> last_reply;  // `now` of its latest reply in our epoch, if any
};

// The effects of every input since the last take_output(), in the order the owner carries
// them out (see the file comment).
struct output {
  // 1. Persist (consensus_records.hpp: the cluster UUID, a new promise, a snapshot install, a
  //    truncation, new entries).
  persist_job persist;
  // 2. Send.
  std::vector<envelope> messages;
  // 3. Apply.
  std::vector<log_entry> committed;  // in index order, each exactly once per process lifetime
  // 4. Report.
  std::optional<role> role_changed;
  std::optional<leader_info> leader_changed;
  std::vector<read_ready> reads_ready;
  std::vector<std::uint64_t> reads_failed;       // read ids: answer "not leader / retry"
  std::vector<entry_id> proposals_lost;          // own uncommitted proposals on step-down: unknown
  std::optional<std::uint64_t> snapshot_wanted;  // please snapshot up to (≤) this applied index
  std::optional<bootstrap_result> bootstrap;
  bool stop_ready = false;  // after stop_gracefully(): leadership handed over (or none to hand)

  bool empty() const noexcept;
};

class core {
 public:
  core(node_id self, std::uint64_t incarnation, options opts, persisted_state state,
       std::uint64_t rng_seed);

  // ---- inputs -------------------------------------------------------------------------------
  void tick(milliseconds now);
  void step(const envelope& e);
  // Appends a command (or config) entry; nullopt when not a serving leader, or handing over.
  // The entry is sent with every other proposal made before the next take_output() (batching).
  std::optional<entry_id> propose(entry_kind kind, std::string payload);
  // Starts a read-index barrier (§5.5); the id comes back in reads_ready or reads_failed.
  std::optional<std::uint64_t> read_barrier();
  // Storage made the log durable up to `index` (see the file comment).
  void stable_to(std::uint64_t index);
  // The owner wrote a snapshot covering `meta`: the core compacts its log prefix and keeps
  // `data` for followers that need it. `meta` must name an entry the owner applied (last_index
  // at most the last index handed out in output.committed, last_epoch that entry's epoch). A
  // snapshot not newer than the core's is ignored: the core may have installed a newer one from
  // the leader meanwhile.
  void snapshot_taken(const snapshot_meta& meta, std::shared_ptr<const std::string> data);

  // Discovery and links (only liveness: no epoch or leadership is ever taken from these).
  void member_seen(node_id id, std::uint64_t incarnation, const std::string& endpoint);
  void member_silent(node_id id);
  void link_closed(node_id id);  // the TCP link to `id` closed and one reconnect failed

  // Membership (leader only, one change at a time, none before its epoch_start commits).
  // add_member: as a learner first, promoted to voter automatically once caught up.
  errc add_member(const member& m);
  errc remove_member(node_id id);
  // Handover to `target` (0 = the highest-id voter within one batch of our last index): stops
  // taking proposals, sends timeout_now once the target holds our last index. false if no such
  // target now; if no new leader within an election timeout, the leader resumes.
  bool transfer_leadership(node_id target = 0);
  // Hand leadership over before exit; never stand again. output.stop_ready says when done.
  void stop_gracefully();

  // Bootstrap (§4): this node (empty state) proposes the cluster `uuid` of `members` (which
  // must include itself). output.bootstrap reports formed / refused (also when not empty).
  void start_bootstrap(const std::string& uuid, std::vector<member> members);
  // Join an existing cluster as a new member (empty state): accept its messages from now on.
  void join_cluster(const std::string& uuid);
  // Test hook (the simulator's adversary, DESIGN.md §5.2 last paragraph): stand right now in a
  // new epoch — persist (e, self), send prepares — whatever the ring, stickiness or role (a
  // leader or candidate gives up its epoch first). Safe by construction: safety never rests on
  // who tries. No effect on a non-voter, a stopping node or a node outside any cluster.
  void force_campaign();
  // UNSAFE (admin, explicit flag): make this node the only voter of a new configuration built
  // from its own log and stand at once. May lose acknowledged writes of the old cluster.
  void force_new_cluster();

  // ---- output -------------------------------------------------------------------------------
  output take_output();
  bool has_output() const noexcept;

  // ---- accessors ----------------------------------------------------------------------------
  node_id id() const noexcept { return self_; }
  std::uint64_t incarnation() const noexcept { return incarnation_; }
  consensus::role role() const noexcept { return role_; }
  std::uint64_t epoch() const noexcept { return epoch_; }  // led, stood in, or followed
  leader_info leader() const;
  std::uint64_t commit_index() const noexcept { return commit_index_; }
  std::uint64_t last_index() const noexcept;
  std::uint64_t last_epoch() const noexcept;
  // Epoch of the entry at `index`; nullopt if compacted away (except the snapshot's last) or
  // beyond the log. Index 0 has epoch 0.
  std::optional<std::uint64_t> epoch_at(std::uint64_t index) const;
  // Entry at `index` if it is in the (uncompacted) log.
  const log_entry* entry_at(std::uint64_t index) const;
  std::uint64_t first_index() const noexcept { return snapshot_.last_index + 1; }
  const snapshot_meta& snapshot() const noexcept { return snapshot_; }
  const consensus::configuration& configuration() const noexcept { return config_; }
  promise_record promised() const noexcept { return {promised_epoch_, promised_to_}; }
  const std::string& cluster_uuid() const noexcept { return cluster_uuid_; }
  std::uint64_t stable_index() const noexcept { return stable_index_; }
  bool sticky() const noexcept;
  milliseconds now() const noexcept { return now_; }
  // The leader's replication progress of every other member; empty unless leading.
  std::vector<peer_progress> peers_progress() const;

 private:
  struct progress;  // leader's per-follower replication state
  struct takeover;  // candidate's state (§5.3)
  struct hop;       // an election message waiting for its hop ack
  struct pending_read;
  struct snapshot_receive;
  struct bootstrap_state;
  struct leader_state;

  // consensus.cpp: common helpers
  void send(node_id to, message_body body);
  void persist_promise(std::uint64_t epoch, node_id to);
  void become_follower(node_id leader, std::uint64_t epoch);
  void step_down();
  void reset_election_timer();
  void set_role(consensus::role r);
  void report_leader(const leader_info& info);
  void observe_epoch(std::uint64_t e) noexcept;
  void append_to_log(log_entry e);
  void truncate_log_from(std::uint64_t index);
  void recompute_config();
  void advance_commit_to(std::uint64_t index);
  void emit_committed();
  bool accepts_from(const envelope& e) const;
  void check_snapshot_wanted();
  bool transferring_snapshot();
  bool append_lost(const progress& p) const;

  // consensus_ring.cpp: §5.1 timers and fast path, §5.2 ring round
  void tick_follower();
  void start_round();
  void on_election(const envelope& e, const election& m);
  void on_election_ack(const envelope& e, const election_ack& m);
  void on_leader_alive(const envelope& e, const leader_alive& m);
  void forward_election(election m);
  void send_hop(election m, node_id after);
  void tick_hops();
  std::vector<node_id> ring() const;
  void won_round(const election& m);

  // consensus_takeover.cpp: §5.3
  void start_takeover(bool handover);
  void on_prepare(const envelope& e, const prepare& m);
  void on_promise(const envelope& e, const promise& m);
  void on_reject(const envelope& e, const reject& m);
  void on_fetch(const envelope& e, const fetch& m);
  void on_fetch_reply(const envelope& e, const fetch_reply& m);
  void on_timeout_now(const envelope& e, const timeout_now& m);
  void send_prepares();
  void evaluate_promises();
  void settle_configuration();
  bool has_quorum_contact() const;
  bool adopt_fetched(const fetch_reply& m);
  bool drop_unreachable_config();
  void begin_epoch();
  void abandon_takeover();
  void tick_candidate();

  // consensus_replication.cpp: §5.4
  void on_append(const envelope& e, const append& m);
  void on_append_reply(const envelope& e, const append_reply& m);
  bool accept_leader(node_id leader, std::uint64_t epoch);
  void replicate(node_id peer, progress& p, bool heartbeat);
  void send_append(node_id peer, progress& p, std::uint64_t from, bool with_entries);
  void flush_appends();
  void heartbeat_all();
  void advance_leader_commit();
  void tick_leader();
  void sync_progress();
  void note_reply(progress& p);
  void reassert_leadership();
  void step_down_after_removal();

  // consensus_membership.cpp: §4
  void on_bootstrap_propose(const envelope& e, const bootstrap_propose& m);
  void on_bootstrap_reply(const envelope& e, const bootstrap_reply& m);
  void tick_bootstrap();
  void bootstrap_formed();
  void maybe_promote_learners();
  bool propose_config(const consensus::configuration& c);
  void maybe_hand_over_to_highest();
  void tick_transfer();
  bool nearly_caught_up(node_id id) const;
  void try_send_timeout_now();

  // consensus_snapshot.cpp: §5.5 snapshots
  void send_snapshot_chunk(node_id peer, progress& p);
  void on_install_snapshot(const envelope& e, const install_snapshot& m);
  void on_snapshot_reply(const envelope& e, const snapshot_reply& m);
  static bool receive_chunk(snapshot_receive& in, const install_snapshot& m);
  void install_snapshot_locally(const snapshot_meta& meta, std::shared_ptr<const std::string> data);

  // consensus_read.cpp: §5.5 read index
  void check_reads();
  void fail_reads();

  // ---- identity and options (immutable) -----------------------------------------------------
  node_id self_;
  std::uint64_t incarnation_;
  options opts_;
  std::mt19937_64 rng_;

  // ---- persistent state (mirrors what the owner persisted) -----------------------------------
  // Invariant: promised_epoch_ never decreases; it is raised only together with an
  // output.promise, and nothing that depends on it is sent before that output is persisted.
  std::uint64_t promised_epoch_ = 0;
  node_id promised_to_ = 0;
  std::string cluster_uuid_;
  // Invariant (log matching, §5.6.2): log_ is dense from snapshot_.last_index + 1; epochs are
  // non-decreasing along it and never above promised_epoch_; an entry keeps its epoch forever.
  snapshot_meta snapshot_;
  std::shared_ptr<const std::string> snapshot_data_;
  std::vector<log_entry> log_;

  // ---- volatile state ----------------------------------------------------------------------
  // Invariant: snapshot_.last_index <= commit_index_ <= last_index(); commit_index_ never
  // decreases and entries up to it are never truncated (§5.6.3, §5.6.4).
  std::uint64_t commit_index_ = 0;
  std::uint64_t emitted_index_ = 0;  // last index handed out in output.committed; never decreases
  std::uint64_t stable_index_ = 0;   // durable prefix (stable_to); leader counts itself ≤ this
  // "the configuration": latest config entry in log_ (config_index_), else the snapshot's.
  consensus::configuration config_;
  std::uint64_t config_index_ = 0;
  consensus::role role_ = consensus::role::follower;
  // Invariant (§5.6.1): while role_ != follower, epoch_ == promised_epoch_ and promised_to_ ==
  // self_ — a node leads or stands only in the epoch it promised itself. A follower follows only
  // the leader it promised epoch_ to. So epoch_ is always an epoch this node promised, and it
  // never decreases.
  std::uint64_t epoch_ = 0;
  std::uint64_t highest_epoch_seen_ = 0;
  node_id leader_id_ = 0;
  leader_info reported_leader_;
  bool ticked_ = false;
  milliseconds now_{0};
  milliseconds election_deadline_{0};  // follower: starts a round when passed
  // Sticky (§5.1) until this time: the election timer as last refreshed by an append accepted
  // from the leader itself — never by hellos, other beliefs, rejected appends or our own rounds.
  milliseconds sticky_until_{0};
  std::optional<milliseconds> fast_path_at_;  // link to the leader closed at (+ delay)
  bool leader_link_down_ = false;
  std::set<node_id> silent_;  // members discovery reports silent (skipped by the ring)
  bool stopping_ = false;

  // ring round (§5.2)
  std::uint64_t round_ = 0;
  bool participant_ = false;
  std::size_t failed_rounds_ = 0;   // rounds started since we last followed or led a leader
  milliseconds reassert_after_{0};  // rate limit of reassert_leadership()
  node_id handed_off_to_ = 0;       // last far-behind hand-off target (until a leader is followed)
  std::vector<hop> hops_;
  std::set<std::pair<std::uint64_t, node_id>> sticky_forwarded_;

  std::unique_ptr<takeover> takeover_;
  std::unique_ptr<leader_state> leader_;
  std::unique_ptr<snapshot_receive> snapshot_in_;
  std::unique_ptr<bootstrap_state> bootstrap_;
  std::uint64_t snapshot_wanted_at_ = 0;
  std::uint64_t next_read_id_ = 0;

  output out_;

 public:
  core(const core&) = delete;
  core& operator=(const core&) = delete;
  core(core&&) noexcept;
  core& operator=(core&&) noexcept;
  ~core();
};

}  // namespace vote::consensus
