// The step loop of the simulated cluster: delivery, ticks, discovery and per-core checks.
#include "vote/sim/cluster.hpp"

#include <algorithm>
#include <utility>

#include "vote/core/consensus_invariants.hpp"

namespace vote::sim {
namespace {

// More messages in flight than any sane run has (a few thousand at most): a core that answers
// one message with several, in a loop, is stopped and reported instead of exhausting memory.
constexpr std::size_t max_in_flight = 100'000;

std::string hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = digits[v & 15];
  return s;
}

std::vector<consensus::node_id> distinct_ids(rng& random, std::size_t count) {
  std::vector<consensus::node_id> ids;
  while (ids.size() < count) {
    const auto id = static_cast<consensus::node_id>(random.between(1, 999));
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

}  // namespace

cluster::cluster(cluster_config cfg, rng& random, invariant_checker& checker, history& h,
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
  }
  uuid_ = "sim-" + hex(rng_.next());
}

void cluster::trace(const std::string& line) const {
  if (trace_) trace_("t=" + std::to_string(now_) + " " + line);
}

void cluster::bootstrap() {
  std::string map;
  for (const auto& n : nodes_)
    map += " slot" + std::to_string(n.slot) + "=n" + std::to_string(n.id);
  trace("nodes:" + map);
  for (std::size_t slot = 0; slot < cfg_.nodes; ++slot) {
    start_core(nodes_[slot]);
    if (nodes_[slot].id > nodes_[proposer_].id) proposer_ = slot;
  }
  propose_bootstrap();
}

void cluster::propose_bootstrap() {
  bootstrap_retry_ms_ = -1;
  auto& n = nodes_[proposer_];
  if (!n.running()) {
    bootstrap_retry_ms_ = now_ + 100;
    return;
  }
  std::vector<consensus::member> members;
  for (std::size_t slot = 0; slot < cfg_.nodes; ++slot) members.push_back(nodes_[slot].as_member());
  trace("n" + std::to_string(n.id) + " proposes bootstrap of " + uuid_);
  n.core->start_bootstrap(uuid_, members);
  drain(n);
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
    if (!n.running() || n.core->role() != consensus::role::leader) continue;
    if (!best || n.core->epoch() > nodes_[*best].core->epoch()) best = n.slot;
  }
  return best;
}

void cluster::advance_to(std::int64_t now_ms) {
  now_ = std::max(now_, now_ms);
  checker_.set_time(now_);
  for (auto& n : nodes_) {
    if (n.up() && n.paused && n.resume_at_ms <= now_) resume(n.slot);
  }
  deliver_due();
  if (net_.in_flight() > max_in_flight) {  // a core amplifying messages: stop before OOM
    checker_.fail("message storm: " + std::to_string(net_.in_flight()) + " messages in flight");
    net_.clear();
    return;
  }
  for (auto& n : nodes_) complete_batches(n);
  discovery();
  tick_all();
  if (!formed_ && bootstrap_retry_ms_ >= 0 && bootstrap_retry_ms_ <= now_) {
    propose_bootstrap();
  }
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

void cluster::deliver(sim_node& n, const consensus::envelope& e) {
  if (trace_) trace("deliver " + describe(e));
  rules_.delivered(e, n.lifetimes);
  n.core->step(e);
  drain(n);
}

void cluster::tick_all() {
  for (auto& n : nodes_) {
    if (!n.running()) continue;
    n.core->tick(consensus::milliseconds(now_));
    drain(n);
  }
}

void cluster::discovery() {
  for (auto& n : nodes_) {
    if (!n.running() || n.next_hello_ms > now_) continue;
    n.next_hello_ms = now_ + cfg_.hello_interval_ms + rng_.between(-100, 100);
    hello_from(n);
    check_silence(n);
  }
}

void cluster::hello_from(sim_node& b) {
  for (auto& a : nodes_) {
    if (a.slot == b.slot || !a.running() || !links_.can_send(b.slot, a.slot)) continue;
    a.heard_ms[b.slot] = now_;
    if (a.seen[b.slot]) continue;
    a.seen[b.slot] = 1;
    a.core->member_seen(b.id, b.storage.incarnation(), b.endpoint);
    drain(a);
  }
}

void cluster::check_silence(sim_node& a) {
  for (const auto& b : nodes_) {
    if (!a.running()) return;
    if (!a.seen[b.slot] || now_ - a.heard_ms[b.slot] <= cfg_.silence_ms) continue;
    a.seen[b.slot] = 0;
    a.core->member_silent(b.id);
    drain(a);
  }
}

void cluster::check_cores() {
  for (auto& n : nodes_) {
    if (!n.up()) continue;
    for (const auto& v : consensus::check_invariants(*n.core)) violation(n, "core invariant: " + v);
    if (n.core->last_index() != n.log.last_index() || n.core->last_epoch() != n.log.last_epoch()) {
      violation(n, "the core's log ends at (" + std::to_string(n.core->last_index()) + "," +
                       std::to_string(n.core->last_epoch()) + ") but its outputs describe (" +
                       std::to_string(n.log.last_index()) + "," +
                       std::to_string(n.log.last_epoch()) + ")");
    }
    if (n.core->commit_index() < n.last_commit) {
      violation(n, "commit index went back from " + std::to_string(n.last_commit) + " to " +
                       std::to_string(n.core->commit_index()));
    }
    n.last_commit = n.core->commit_index();
  }
}

void cluster::violation(const sim_node& n, const std::string& what) {
  checker_.fail("node " + std::to_string(n.id) + ": " + what);
  trace("VIOLATION node " + std::to_string(n.id) + ": " + what);
}

submit_result cluster::submit(std::size_t slot, std::uint64_t op_id, const std::string& payload) {
  return deliver(slot, queued_request{op_id, payload, 0});
}

submit_result cluster::read(std::size_t slot, std::uint64_t op_id) {
  return deliver(slot, queued_request{op_id, std::nullopt, acked_voters_.size()});
}

// A client request reaches node `slot` now (or, while it is paused, when it resumes).
submit_result cluster::deliver(std::size_t slot, const queued_request& r) {
  auto& n = nodes_[slot];
  if (!n.up()) return submit_result::down;
  if (n.paused) {
    n.queued.push_back(r);
    return submit_result::queued;
  }
  handle_request(n, r);
  return history_.at(r.op_id).status == op_status::refused ? submit_result::not_leader
                                                           : submit_result::accepted;
}

}  // namespace vote::sim
