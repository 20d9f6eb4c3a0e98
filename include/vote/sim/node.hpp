// One simulated server (a slot of the cluster): its disk, its running core (none while crashed),
// its state machine, and the driver-side bookkeeping a real node driver would keep
// (DESIGN.md §3: persist -> send -> apply -> reply).
//
// Persist-before-send: every output the core hands over becomes a `batch` in a FIFO. A batch with
// something to persist completes after a random disk delay (and never before the batch ahead of
// it); only then are its messages sent, its committed entries applied and its reports handled.
// A crash throws away the core, the batches not yet completed (their writes and their messages)
// and everything in memory; the disk stays.
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
#include "vote/sim/disk.hpp"
#include "vote/sim/log_model.hpp"
#include "vote/sim/replica.hpp"

namespace vote::sim {

struct batch {
  std::int64_t ready_at_ms = 0;
  consensus::output out;
};

// A client request the node has accepted and not yet answered.
struct pending_proposal {
  std::uint64_t op_id = 0;
  std::uint64_t epoch = 0;  // the epoch propose() returned: the applied entry must carry it
};
struct pending_read {
  std::uint64_t op_id = 0;
  std::optional<std::uint64_t> index;  // set by reads_ready: answer once applied >= index
  std::size_t acked_before = 0;        // votes acknowledged before the read was invoked
};

// A client request that reached a paused node: handled when it resumes.
struct queued_request {
  std::uint64_t op_id = 0;
  std::optional<std::string> payload;  // a command; nullopt: a read
  std::size_t acked_before = 0;
};

struct sim_node {
  std::size_t slot = 0;
  consensus::node_id id = 0;
  std::string endpoint;
  disk storage;
  std::unique_ptr<consensus::core> core;  // nullptr: crashed or never started
  bool paused = false;
  std::int64_t resume_at_ms = 0;
  std::deque<batch> batches;
  std::deque<consensus::envelope> inbox;  // messages that reached it while paused
  std::deque<queued_request> queued;      // client requests that reached it while paused
  replica sm;
  log_model log;  // the log as the core's outputs describe it (volatile)
  std::map<std::uint64_t, pending_proposal> proposals;  // by index
  std::map<std::uint64_t, pending_read> reads;          // by read id
  consensus::role role = consensus::role::follower;     // as last reported
  std::uint64_t began_epoch = 0;  // the epoch whose epoch_start it appended (this lifetime)
  std::uint64_t last_commit = 0;  // commit_index seen (per lifetime)
  std::int64_t next_hello_ms = 0;
  std::vector<std::int64_t> heard_ms;  // by slot: last hello received from it
  std::vector<char> seen;              // by slot: member_seen reported, not yet silent
  std::uint64_t lifetimes = 0;         // starts (first start and restarts)
  bool completing = false;             // inside complete_batches (outputs taken meanwhile queue)

  bool up() const noexcept { return core != nullptr; }
  bool running() const noexcept { return core != nullptr && !paused; }
  consensus::member as_member() const { return {id, storage.incarnation(), endpoint}; }
};

}  // namespace vote::sim
