// The step loop of the simulated cluster: delivery, disk completions, hellos, ticks, pumps and
// per-core checks.
#include "vote/sim/cluster.hpp"

#include <algorithm>
#include <utility>

#include "vote/core/consensus_invariants.hpp"

namespace vote::sim {
namespace {

// More messages in flight than any sane run has (a few thousand at most): a machine that answers
// one message with several, in a loop, is stopped and reported instead of exhausting memory.
constexpr std::size_t max_in_flight = 100'000;

std::vector<consensus::node_id> distinct_ids(rng& random, std::size_t count) {
  std::vector<consensus::node_id> ids;
  while (ids.size() < count) {
    const auto id = static_cast<consensus::node_id>(random.between(1, 999));
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

}  // namespace

cluster::cluster(cluster_config cfg, rng& random, invariant_checker& checker, history::recorder& h,
                 trace_sink trace)
    : cfg_(std::move(cfg)),
      rng_(random),
      checker_(checker),
      rules_(checker),
      history_(h),
      trace_(std::move(trace)),
      links_(cfg_.nodes + cfg_.spares),
      net_(random) {
  const auto total = cfg_.nodes + cfg_.spares;
  const auto ids = distinct_ids(rng_, total);
  nodes_.resize(total);
  for (std::size_t slot = 0; slot < total; ++slot) {
    auto& n = nodes_[slot];
    n.slot = slot;
    n.id = ids[slot];
    n.endpoint = "10.0.0." + std::to_string(slot + 1) + ":7000";
    n.storage = disk(rng_.next());
    n.clock_skew_ms = rng_.between(-400, 400);
  }
}

void cluster::trace(const std::string& line) const {
  if (trace_) trace_("t=" + std::to_string(now_) + " " + line);
}

void cluster::start() {
  std::string map;
  for (const auto& n : nodes_)
    map += " slot" + std::to_string(n.slot) + "=n" + std::to_string(n.id);
  trace("nodes:" + map);
  for (std::size_t slot = 0; slot < cfg_.nodes; ++slot) start_host(nodes_[slot]);
}

std::optional<std::size_t> cluster::slot_of(consensus::node_id id) const {
  for (const auto& n : nodes_) {
    if (n.id == id) return n.slot;
  }
  return std::nullopt;
}

std::optional<std::size_t> cluster::serving_leader() const {
  std::optional<std::size_t> best;
  for (const auto& n : nodes_) {
    if (!n.running() || n.core().role() != consensus::role::leader || n.machine().stopping()) {
      continue;
    }
    if (!best || n.core().epoch() > nodes_[*best].core().epoch()) best = n.slot;
  }
  return best;
}

void cluster::advance_to(std::int64_t now_ms) {
  now_ = std::max(now_, now_ms);
  checker_.set_time(now_);
  for (auto& n : nodes_) {
    if (n.up() && n.paused && n.resume_at_ms <= now_) resume(n.slot);
    if (!n.up() && n.restart_at_ms && *n.restart_at_ms <= now_) restart(n.slot);
  }
  deliver_due();
  if (net_.in_flight() > max_in_flight) {  // a machine amplifying messages: stop before OOM
    checker_.fail("message storm: " + std::to_string(net_.in_flight()) + " messages in flight");
    net_.clear();
    return;
  }
  for (auto& n : nodes_) complete_disk_jobs(n);
  discovery();
  tick_all();
  for (auto& n : nodes_) pump(n);
  for (auto& n : nodes_) settle(n);
  check_cores();
}

void cluster::deliver_due() {
  while (auto p = net_.pop_due(now_)) {
    if (net_.in_flight() > max_in_flight) return;
    auto& n = nodes_[p->to_slot];
    if (!links_.can_send(p->from_slot, p->to_slot) || !n.up()) continue;
    if (n.paused) {
      n.inbox.push_back(std::move(p->message));
    } else {
      deliver(n, p->message);
    }
  }
}

void cluster::deliver(sim_node& n, const sim_message& m) {
  if (const auto* e = std::get_if<consensus::envelope>(&m)) {
    if (trace_) trace("deliver " + describe(*e));
    rules_.delivered(*e, n.lifetimes);
    n.machine().on_envelope(*e);
  } else {
    const auto& leave = std::get<wire::leave_request>(m);
    trace("deliver leave request of n" + std::to_string(leave.from) + " to n" +
          std::to_string(n.id));
    n.machine().on_leave(leave);
  }
}

// The host's disk jobs whose time has come, in order: each is written, then the machine learns
// it is durable. A crash right after a write (before the machine hears of it) loses what the
// machine would have sent once it heard.
void cluster::complete_disk_jobs(sim_node& n) {
  if (n.running()) n.host->queue_serialised(now_);
  while (n.running() && !n.host->disk_queue.empty() &&
         n.host->disk_queue.front().ready_at_ms <= now_) {
    disk_job job = std::move(n.host->disk_queue.front());
    n.host->disk_queue.pop_front();
    if (job.snapshot) {
      n.storage.compact(job.snapshot->meta, job.snapshot_bytes);
      n.log.install_snapshot(job.snapshot->meta.last_index, job.snapshot->meta.last_epoch);
      n.machine().snapshot_saved(std::move(job.snapshot_bytes));
      continue;
    }
    if (const auto err = n.storage.write(*job.persist)) violation(n, "persist contract: " + *err);
    if (rng_.chance(profile_.crash_after_persist)) {
      trace("n" + std::to_string(n.id) + " crashes after a write, before it is told");
      crash(n.slot);
      return;
    }
    n.machine().persisted(job.seq);
  }
}

void cluster::discovery() {
  const auto interval = cfg_.timers.hello_interval.count();
  for (auto& b : nodes_) {
    if (!b.running() || b.next_hello_ms > now_) continue;
    b.next_hello_ms = now_ + interval + rng_.between(-interval / 5, interval / 5);
    const auto hello = b.machine().hello();
    for (auto& a : nodes_) {
      if (a.slot == b.slot || !a.running() || !links_.can_send(b.slot, a.slot)) continue;
      a.machine().on_hello(hello);
    }
  }
}

void cluster::tick_all() {
  for (auto& n : nodes_) {
    if (n.running()) n.machine().tick();
  }
}

void cluster::pump(sim_node& n) {
  if (!n.running() || !n.host->pump_asked) return;
  n.host->pump_asked = false;
  n.machine().pump();
}

void cluster::settle(sim_node& n) {
  if (!n.up()) return;
  if (n.host->failure) {
    trace("n" + std::to_string(n.id) + " FAILS: " + *n.host->failure);
    n.failed = true;
    take_down(n, "the server stopped (fatal)");
  } else if (n.host->has_stopped) {
    if (!n.host->open.empty()) {
      violation(n, "stopped with " + std::to_string(n.host->open.size()) +
                       " requests unanswered (the first invoked at t=" +
                       std::to_string(n.host->open.begin()->second.since_ms) + ")");
    }
    n.restart_at_ms = now_ + rng_.between(50, 800);  // the service manager starts it again
    trace("n" + std::to_string(n.id) +
          " STOPPED; restarts at t=" + std::to_string(*n.restart_at_ms));
    take_down(n, "the server stopped");
  }
}

void cluster::check_cores() {
  for (auto& n : nodes_) {
    if (!n.up()) continue;
    const auto& core = n.core();
    for (const auto& v : consensus::check_invariants(core)) violation(n, "core invariant: " + v);
    if (core.last_index() != n.log.last_index() || core.last_epoch() != n.log.last_epoch()) {
      violation(n, "the core's log ends at (" + std::to_string(core.last_index()) + "," +
                       std::to_string(core.last_epoch()) + ") but its outputs describe (" +
                       std::to_string(n.log.last_index()) + "," +
                       std::to_string(n.log.last_epoch()) + ")");
    }
    if (core.commit_index() < n.last_commit) {
      violation(n, "commit index went back from " + std::to_string(n.last_commit) + " to " +
                       std::to_string(core.commit_index()));
    }
    n.last_commit = core.commit_index();
    if (n.machine().applied_index() > core.commit_index()) {
      violation(n, "applied index " + std::to_string(n.machine().applied_index()) +
                       " is beyond the commit index " + std::to_string(core.commit_index()));
    }
  }
}

void cluster::check_no_open_requests() {
  for (const auto& n : nodes_) {
    if (!n.running()) continue;
    for (const auto& [op, r] : n.host->open) {
      violation(n, "request " + history_.at(op).request_id + " handed over at t=" +
                       std::to_string(r.since_ms) + " is still unanswered at the end of the run");
      break;
    }
  }
}

void cluster::violation(const sim_node& n, const std::string& what) {
  checker_.fail("node " + std::to_string(n.id) + ": " + what);
  trace("VIOLATION node " + std::to_string(n.id) + ": " + what);
}

}  // namespace vote::sim
