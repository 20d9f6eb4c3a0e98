// One simulated server (a slot of the cluster): its disk, and while it runs, the product's node
// machine (node/machine/machine.hpp) in a `sim_host` that gives it simulated time, network and
// disk (STYLE.md 15: the simulator runs what ships).
//
// The disk (disk.hpp) changes only when a job completes. sim_host queues every persist job and
// snapshot job the machine hands over with a completion time drawn from the run's fsync latency
// (usually a few ms, sometimes a slow fsync), never before the job ahead of it; the cluster
// completes due jobs in order, writing them to the disk and calling persisted(seq) /
// snapshot_saved(). So "a persist finished later than a send" happens whenever the machine's
// send-ahead rule lets a message pass a queued job. A crash destroys the host: the jobs not yet
// completed, every message not yet sent, every request in flight; the disk stays.
//
// Requests in flight: every client request handed to the machine is remembered until its reply
// handle is called. A second call, a reply at stop() time missing, or a request still open at the
// end of a calm run is a violation: the machine answers every request exactly once.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "vote/core/consensus.hpp"
#include "vote/node/machine/machine.hpp"
#include "vote/sim/disk.hpp"
#include "vote/sim/log_model.hpp"
#include "vote/sim/network.hpp"
#include "vote/sim/replica.hpp"
#include "vote/wire/request_origin.hpp"

namespace vote::sim {

class cluster;
struct sim_node;

// One disk job of a host, completed at ready_at_ms (in queue order).
struct disk_job {
  std::int64_t ready_at_ms = 0;
  std::uint64_t seq = 0;  // persist jobs: the machine's sequence number
  std::optional<consensus::persist_job> persist;
  std::optional<node::snapshot_job> snapshot;
  std::shared_ptr<const std::string> snapshot_bytes;  // serialise(*snapshot), as the writer does
};

// A client request the cluster handed to a machine and that is not answered yet.
struct open_request {
  std::uint64_t op = 0;  // the history's operation id
  std::int64_t since_ms = 0;
  std::size_t acked_before = 0;  // reads: votes acknowledged before the read was invoked
};

// One lifetime of a running server: the node machine and the world it sees.
class sim_host final : public node::node_effects {
 public:
  sim_host(cluster& c, sim_node& n, node::node_settings settings, node::recovered_state recovered,
           std::uint64_t seed);
  ~sim_host() override;
  sim_host(const sim_host&) = delete;
  sim_host& operator=(const sim_host&) = delete;

  node::node_machine& machine() noexcept { return *machine_; }
  const node::node_machine& machine() const noexcept { return *machine_; }

  std::deque<disk_job> disk_queue;
  // Snapshots being serialised, in order, each queued on the disk when ready_at_ms comes.
  std::deque<disk_job> serialising;
  void queue_serialised(std::int64_t now_ms);
  std::map<std::uint64_t, open_request> open;  // by operation id
  bool pump_asked = false;
  bool has_stopped = false;            // the machine called stopped(): take the node down
  std::optional<std::string> failure;  // the machine called fatal(): take the node down

 private:
  node::milliseconds now() const override;
  std::int64_t unix_now_ms() const override;
  void persist(std::uint64_t seq, consensus::persist_job job) override;
  void save_snapshot(const node::snapshot_job& job) override;
  void send(consensus::node_id peer, const std::string& endpoint,
            const consensus::envelope& e) override;
  void send(consensus::node_id peer, const std::string& endpoint,
            const wire::leave_request& r) override;
  void pump_soon() override { pump_asked = true; }
  bool noting(node::note_level level) const override;
  void note(node::note_level level, const std::string& text) override;
  void fatal(const std::string& message) override;
  void stopped() override;
  void observe_output(const consensus::output& out) override;
  void observe_applied(const log_entry& e, const command* cmd, const outcome* result) override;
  void observe_installed(const consensus::snapshot_install& snap) override;
  void queue(disk_job job);

  cluster& c_;
  sim_node& n_;
  std::unique_ptr<node::node_machine> machine_;  // last: destroyed first
};

// A client request (or a read) that reached a paused node: handed over when it resumes.
struct queued_request {
  std::uint64_t op = 0;
  std::string payload;
  std::size_t acked_before = 0;
};

struct sim_node {
  std::size_t slot = 0;
  consensus::node_id id = 0;
  std::string endpoint;
  disk storage;
  std::unique_ptr<sim_host> host;  // nullptr: down (crashed, stopped, failed, never started)
  bool paused = false;
  std::int64_t resume_at_ms = 0;
  std::int64_t clock_skew_ms = 0;     // its wall clock against the simulation's
  std::deque<sim_message> inbox;      // messages that reached it while paused
  std::deque<queued_request> queued;  // client requests that reached it while paused
  applied_votes votes;                // the votes its state machine accepted (the checker's view)
  log_model log;                      // the log as the core's outputs describe it (volatile)
  consensus::role role = consensus::role::follower;  // as last reported
  std::uint64_t began_epoch = 0;  // the epoch whose epoch_start it appended (this lifetime)
  std::uint64_t last_commit = 0;  // commit_index seen (per lifetime)
  std::vector<consensus::member> last_voters;  // its voters when its last output was taken
  consensus::promise_record promise_seen;      // its promise when its last output was taken
  bool led_last_output = false;                // it led (its own epoch) after its last output
  // Messages of taken outputs not sent yet, with the promise the turn that made them began under.
  std::deque<std::pair<consensus::envelope, consensus::promise_record>> unsent;
  std::int64_t next_hello_ms = 0;
  std::uint64_t lifetimes = 0;                // starts (first start and restarts)
  bool leave_on_stop = false;                 // this lifetime runs with --leave
  std::optional<std::int64_t> restart_at_ms;  // stopped by SIGTERM: restarted then (systemd)
  bool failed = false;                        // stopped itself (fatal): not restarted

  bool up() const noexcept { return host != nullptr; }
  bool running() const noexcept { return host != nullptr && !paused; }
  node::node_machine& machine() { return host->machine(); }
  const node::node_machine& machine() const { return host->machine(); }
  const consensus::core& core() const { return host->machine().core(); }
};

}  // namespace vote::sim
