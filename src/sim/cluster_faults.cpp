// Starting, crashing, pausing and re-linking simulated nodes; adversary and membership inputs.
#include <utility>

#include "vote/sim/cluster.hpp"

namespace vote::sim {
namespace {

std::string name(const sim_node& n) {
  return "n" + std::to_string(n.id);
}

log_model log_from(const consensus::persisted_state& s) {
  log_model log;
  if (s.snapshot) log.reset(s.snapshot->last_index, s.snapshot->last_epoch);
  for (const auto& e : s.log) log.append(e);
  return log;
}

// The core's test hook for the adversary, if it has one (consensus.hpp REQUESTS).
template <class Core>
bool call_takeover_hook(Core& c) {
  if constexpr (requires { c.start_takeover(); }) {
    c.start_takeover();
    return true;
  } else if constexpr (requires { c.force_campaign(); }) {
    c.force_campaign();
    return true;
  } else {
    return false;
  }
}

}  // namespace

void cluster::start_core(sim_node& n) {
  auto opts = cfg_.options;
  opts.endpoint = n.endpoint;
  const auto& state = n.storage.state();
  n.core =
      std::make_unique<consensus::core>(n.id, n.storage.incarnation(), opts, state, rng_.next());
  n.log = log_from(state);
  n.sm = replica{};
  if (state.snapshot &&
      (!state.snapshot_data || !n.sm.restore(*state.snapshot, *state.snapshot_data, registry_))) {
    violation(n, "cannot restore its own durable snapshot");
  }
  n.batches.clear();
  n.inbox.clear();
  n.paused = false;
  n.role = consensus::role::follower;
  n.began_epoch = 0;
  n.last_commit = 0;
  n.heard_ms.assign(nodes_.size(), 0);
  n.seen.assign(nodes_.size(), 0);
  n.next_hello_ms = now_ + rng_.between(0, cfg_.hello_interval_ms);
  ++n.lifetimes;
  n.core->tick(consensus::milliseconds(now_));
  drain(n);
}

void cluster::crash(std::size_t slot) {
  auto& n = nodes_[slot];
  if (!n.up()) return;
  trace(name(n) + " CRASH (" + std::to_string(n.batches.size()) + " writes lost)");
  n.core.reset();
  n.batches.clear();
  n.inbox.clear();
  n.paused = false;
  lose_pending(n, "node crashed");
  ++stats_.crashes;
  for (auto& a : nodes_) {
    if (!a.running() || !links_.connected(a.slot, slot)) continue;
    a.core->link_closed(n.id);
    drain(a);
  }
}

void cluster::restart(std::size_t slot) {
  auto& n = nodes_[slot];
  if (n.up() || n.lifetimes == 0) return;
  trace(name(n) + " RESTART from disk: promise=(" +
        std::to_string(n.storage.state().promised_epoch) + ",n" +
        std::to_string(n.storage.state().promised_to) +
        ") last=" + std::to_string(n.storage.last_index()));
  ++stats_.restarts;
  start_core(n);
}

void cluster::pause(std::size_t slot, std::int64_t until_ms) {
  auto& n = nodes_[slot];
  if (!n.running()) return;
  trace(name(n) + " PAUSE until t=" + std::to_string(until_ms));
  n.paused = true;
  n.resume_at_ms = until_ms;
  ++stats_.pauses;
}

void cluster::resume(std::size_t slot) {
  auto& n = nodes_[slot];
  if (!n.up() || !n.paused) return;
  trace(name(n) + " RESUME with " + std::to_string(n.inbox.size()) + " messages waiting");
  n.paused = false;
  auto inbox = std::move(n.inbox);
  n.inbox.clear();
  n.core->tick(consensus::milliseconds(now_));
  drain(n);
  for (const auto& e : inbox) {
    if (!n.running()) return;
    deliver(n, e);
  }
  auto queued = std::move(n.queued);
  n.queued.clear();
  for (const auto& r : queued) {
    if (!n.running()) return;
    handle_request(n, r);
  }
  complete_batches(n);
}

void cluster::handle_request(sim_node& n, const queued_request& r) {
  if (r.payload) {
    const auto id = n.core->propose(entry_kind::command, *r.payload);
    if (!id) {
      history_.complete(r.op_id, op_status::refused, now_, "not_leader");
      return;
    }
    n.proposals[id->index] = pending_proposal{r.op_id, id->epoch};
  } else {
    const auto id = n.core->read_barrier();
    if (!id) {
      history_.complete(r.op_id, op_status::refused, now_, "not_leader");
      return;
    }
    n.reads[*id] = pending_read{r.op_id, std::nullopt, r.acked_before};
  }
  drain(n);
}

void cluster::set_links(const topology& t) {
  const auto before = links_;
  links_ = t;
  trace("LINKS " + links_.describe());
  for (auto& a : nodes_) {
    for (auto& b : nodes_) {
      if (a.slot >= b.slot || !a.running() || !b.running()) continue;
      if (!before.connected(a.slot, b.slot) || links_.connected(a.slot, b.slot)) continue;
      a.core->link_closed(b.id);
      drain(a);
      if (!b.running()) continue;
      b.core->link_closed(a.id);
      drain(b);
    }
  }
}

void cluster::start_fresh(std::size_t slot) {
  auto& n = nodes_[slot];
  if (n.up()) crash(slot);
  n.storage.wipe(rng_.next());
  trace(name(n) + " STARTS with an empty disk (incarnation " +
        std::to_string(n.storage.incarnation()) + ")");
  start_core(n);
  if (!n.up()) return;
  n.core->join_cluster(uuid_);
  drain(n);
}

void cluster::force_takeover(std::size_t slot) {
  auto& n = nodes_[slot];
  if (!n.running()) return;
  ++stats_.takeovers;
  if (call_takeover_hook(*n.core)) {
    trace(name(n) + " ADVERSARY: start_takeover()");
    drain(n);
    return;
  }
  // No hook: forge what makes a follower stand at once (DESIGN.md §5.3.7, §5.4): a timeout_now
  // from the leader it follows, or else from the candidate it promised.
  consensus::node_id from = n.core->leader().id;
  std::uint64_t epoch = n.core->epoch();
  if (from == 0 || from == n.id) {
    from = n.core->promised().to;
    epoch = n.core->promised().epoch;
  }
  const auto from_slot = slot_of(from);
  if (from == n.id || !from_slot) return;
  consensus::envelope e{from, nodes_[*from_slot].storage.incarnation(), n.id, uuid_,
                        consensus::timeout_now{epoch}};
  trace(name(n) + " ADVERSARY: forged " + describe(e));
  deliver(n, e);
}

void cluster::heal_everything() {
  set_links(topology(nodes_.size()));
  for (auto& n : nodes_) {
    if (n.paused) resume(n.slot);
    if (!n.up() && n.lifetimes > 0) restart(n.slot);
  }
}

errc cluster::add_member(std::size_t leader_slot, std::size_t slot) {
  auto& l = nodes_[leader_slot];
  if (!l.running()) return errc::unavailable;
  const auto result = l.core->add_member(nodes_[slot].as_member());
  trace(name(l) + " add_member(n" + std::to_string(nodes_[slot].id) + ") -> " +
        std::string(to_string(result)));
  if (result == errc::ok) ++stats_.membership_changes;
  drain(l);
  return result;
}

errc cluster::remove_member(std::size_t leader_slot, consensus::node_id id) {
  auto& l = nodes_[leader_slot];
  if (!l.running()) return errc::unavailable;
  const auto result = l.core->remove_member(id);
  trace(name(l) + " remove_member(n" + std::to_string(id) + ") -> " +
        std::string(to_string(result)));
  if (result == errc::ok) ++stats_.membership_changes;
  drain(l);
  return result;
}

}  // namespace vote::sim
