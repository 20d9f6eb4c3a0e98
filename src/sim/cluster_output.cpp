// Carrying out a core's outputs in the contract's order: persist (after a simulated disk delay),
// then send, then apply, then report (consensus.hpp, DESIGN.md §3).
#include <algorithm>
#include <memory>
#include <utility>
#include <variant>

#include "vote/sim/cluster.hpp"

namespace vote::sim {
namespace {

std::string name(const sim_node& n) {
  return "n" + std::to_string(n.id);
}

}  // namespace

void cluster::drain(sim_node& n) {
  while (n.up() && n.core->has_output()) take(n, n.core->take_output());
}

void cluster::take(sim_node& n, consensus::output out) {
  mirror(n, out);
  if (out.role_changed) {
    n.role = *out.role_changed;
    trace(name(n) + " role=" + std::string(consensus::to_string(n.role)) +
          " epoch=" + std::to_string(n.core->epoch()));
    if (n.role == consensus::role::leader) checker_.leader_elected(n.id, n.core->epoch(), n.log);
  }
  const bool persist = has_persist(out);
  std::int64_t ready = now_ + (persist ? rng_.between(0, cfg_.disk_delay_max_ms) : 0);
  if (!n.batches.empty()) ready = std::max(ready, n.batches.back().ready_at_ms);
  if (trace_ && persist) trace(name(n) + " write " + describe_persist(out));
  n.batches.push_back(batch{ready, std::move(out)});
  complete_batches(n);
}

void cluster::mirror(sim_node& n, const consensus::output& out) {
  if (out.persist.install_snapshot) {
    const auto& meta = out.persist.install_snapshot->meta;
    n.log.reset(meta.last_index, meta.last_epoch);
    checker_.snapshot_committed(n.id, meta.last_index, meta.last_epoch);
  }
  if (out.persist.truncate_from && !n.log.truncate_from(*out.persist.truncate_from)) {
    violation(
        n, "truncates from " + std::to_string(*out.persist.truncate_from) + " into its snapshot");
  }
  for (const auto& e : out.persist.entries) {
    const auto prev = n.log.epoch_at(e.index - 1);
    if (!n.log.append(e)) {
      violation(n, "appends " + describe(e) + " after index " + std::to_string(n.log.last_index()));
      continue;
    }
    checker_.appended(n.id, e, prev);
    if (e.kind == entry_kind::epoch_start && begins_epoch(n, e)) {
      trace(name(n) + " begins epoch " + std::to_string(e.epoch) + " at index " +
            std::to_string(e.index));
      n.began_epoch = e.epoch;
      checker_.leader_elected(n.id, e.epoch, n.log);
      rules_.began_epoch(n.id, n.lifetimes, e.epoch, n.core->configuration());
    }
  }
  const auto known_epoch = std::max(n.core->epoch(), n.core->promised().epoch);
  const bool leading = leads(n);
  if (leading && !out.committed.empty()) {
    rules_.leader_committed(n.id, n.core->epoch(), out.committed.back());
  }
  for (const auto& e : out.committed) {
    if (trace_) trace(name(n) + " commit " + describe(e));
    checker_.committed(n.id, known_epoch, e);
    if (leading) {
      const auto& voters = n.core->configuration().voters;
      checker_.commit_durable(n.id, e, durable_holders(voters, e), voters.size());
    }
  }
}

bool cluster::begins_epoch(const sim_node& n, const log_entry& e) const {
  const auto promised = n.core->promised();
  return n.core->role() != consensus::role::follower && n.core->epoch() == e.epoch &&
         promised.epoch == e.epoch && promised.to == n.id;
}

bool cluster::leads(const sim_node& n) const {
  return n.up() && n.began_epoch != 0 && n.core->role() != consensus::role::follower &&
         n.core->epoch() == n.began_epoch;
}

std::optional<leader_view> cluster::leader_view_of(consensus::node_id id) const {
  const auto slot = slot_of(id);
  if (!slot || !leads(nodes_[*slot])) return std::nullopt;
  const auto& n = nodes_[*slot];
  return leader_view{n.core->epoch(), &n.log};
}

std::size_t cluster::durable_holders(const std::vector<consensus::member>& voters,
                                     const log_entry& e) const {
  std::size_t holders = 0;
  for (const auto& v : voters) {
    const auto slot = slot_of(v.id);
    if (!slot) continue;
    const auto& d = nodes_[*slot].storage;
    if (d.incarnation() == v.incarnation && d.holds(e.index, e.epoch)) ++holders;
  }
  return holders;
}

void cluster::complete_batches(sim_node& n) {
  if (n.completing) return;
  n.completing = true;
  while (n.running() && !n.batches.empty() && n.batches.front().ready_at_ms <= now_) {
    batch b = std::move(n.batches.front());
    n.batches.pop_front();
    finish_batch(n, b);
  }
  n.completing = false;
}

void cluster::finish_batch(sim_node& n, batch& b) {
  const auto& out = b.out;
  if (has_persist(out)) {
    if (const auto err = n.storage.write(out)) violation(n, "persist contract: " + *err);
    if (rng_.chance(profile_.crash_after_persist)) {
      trace(name(n) + " crashes after a write, before sending its messages");
      crash(n.slot);
      return;
    }
    if (!out.persist.entries.empty()) {
      n.core->stable_to(out.persist.entries.back().index);
      drain(n);
    }
  }
  send_all(n, out.messages);
  apply_committed(n, out);
  handle_reports(n, out);
}

void cluster::send_all(sim_node& n, const std::vector<consensus::envelope>& messages) {
  for (const auto& e : messages) {
    rules_.sent(e, n.lifetimes, n.storage, leader_view_of(e.to));
    const auto to = slot_of(e.to);
    if (!to || !links_.can_send(n.slot, *to)) {
      if (trace_) trace("cut " + describe(e));
      continue;
    }
    const auto sent = net_.send(now_, n.slot, *to, e, profile_);
    if (!trace_) continue;
    trace("send " + describe(e) +
          (sent.dropped ? " (dropped)"
                        : " (+" + std::to_string(sent.delay_ms) + "ms" +
                              (sent.duplicated ? ", duplicated)" : ")")));
  }
}

void cluster::apply_committed(sim_node& n, const consensus::output& out) {
  if (out.persist.install_snapshot) {
    const auto& snap = *out.persist.install_snapshot;
    if (!snap.data || !n.sm.restore(snap.meta, *snap.data, registry_)) {
      violation(n, "installed a snapshot up to " + std::to_string(snap.meta.last_index) +
                       " that no node took or that does not restore");
    }
    for (auto it = n.proposals.begin();
         it != n.proposals.end() && it->first <= snap.meta.last_index;) {
      history_.complete(it->second.op_id, op_status::unknown, now_, "covered by a snapshot");
      it = n.proposals.erase(it);
    }
    ++stats_.snapshots;
  }
  for (const auto& e : out.committed) apply_entry(n, e);
  finish_reads(n);
}

void cluster::apply_entry(sim_node& n, const log_entry& e) {
  checker_.applied(n.id, e, n.sm.applied_index() + 1);
  std::string error;
  const auto applied = n.sm.apply(e, error);
  if (!error.empty()) violation(n, error);
  if (applied && std::holds_alternative<vote_cmd>(applied->cmd.body)) {
    checker_.check_tallies(n.id, n.sm.state(), cfg_.election_id, n.sm.votes());
  }
  ++stats_.commits;
  answer(n, e, applied);
}

void cluster::answer(sim_node& n, const log_entry& e,
                     const std::optional<applied_command>& applied) {
  const auto it = n.proposals.find(e.index);
  if (it == n.proposals.end()) return;
  const auto p = it->second;
  n.proposals.erase(it);
  if (p.epoch != e.epoch) {
    history_.complete(p.op_id, op_status::unknown, now_, "another entry committed there");
    return;
  }
  const auto& op = history_.at(p.op_id);
  if (!applied || applied->cmd.request_id != op.request_id) {
    violation(n, "index " + std::to_string(e.index) + " epoch " + std::to_string(e.epoch) +
                     " applied another entry than the proposal " + op.request_id);
    return;
  }
  if (!applied->result.ok()) {
    violation(
        n, "the state machine refused a valid " + op.request_id + ": " + applied->result.message);
    history_.complete(p.op_id, op_status::refused, now_, applied->result.message);
    return;
  }
  if (op.kind == op_kind::vote && op.status == op_status::pending &&
      acked_set_.insert(op.voter).second) {
    acked_voters_.push_back(op.voter);
  }
  history_.complete(p.op_id, op_status::ok, now_, applied->result.message);
}

void cluster::handle_reports(sim_node& n, const consensus::output& out) {
  if (out.leader_changed && trace_) {
    trace(name(n) + " follows n" + std::to_string(out.leader_changed->id) +
          " epoch=" + std::to_string(out.leader_changed->epoch));
  }
  for (const auto& r : out.reads_ready) {
    if (const auto it = n.reads.find(r.id); it != n.reads.end()) it->second.index = r.index;
  }
  for (const auto id : out.reads_failed) {
    if (const auto it = n.reads.find(id); it != n.reads.end()) {
      history_.complete(it->second.op_id, op_status::refused, now_, "read failed");
      n.reads.erase(it);
    }
  }
  for (const auto& lost : out.proposals_lost) {
    const auto it = n.proposals.find(lost.index);
    if (it == n.proposals.end() || it->second.epoch != lost.epoch) continue;
    history_.complete(it->second.op_id, op_status::unknown, now_, "leadership lost");
    n.proposals.erase(it);
  }
  if (out.bootstrap) {
    trace(name(n) + " bootstrap " +
          (*out.bootstrap == consensus::bootstrap_result::formed ? "formed" : "refused"));
    if (*out.bootstrap == consensus::bootstrap_result::formed) formed_ = true;
    if (!formed_) bootstrap_retry_ms_ = now_ + rng_.between(200, 600);
  }
  if (out.snapshot_wanted) take_snapshot(n);
  finish_reads(n);
}

void cluster::take_snapshot(sim_node& n) {
  const consensus::snapshot_meta meta{n.sm.applied_index(), n.sm.applied_epoch(), n.sm.config()};
  const auto& current = n.storage.state().snapshot;
  if (meta.last_index == 0 || (current && current->last_index >= meta.last_index)) return;
  auto data = std::make_shared<const std::string>(n.sm.snapshot());
  registry_.remember(meta.last_index, *data, n.sm.votes());
  n.storage.compact(meta, data);
  n.log.install_snapshot(meta.last_index, meta.last_epoch);
  checker_.snapshot_committed(n.id, meta.last_index, meta.last_epoch);
  trace(name(n) + " snapshot up to " + std::to_string(meta.last_index));
  ++stats_.snapshots;
  n.core->snapshot_taken(meta, std::move(data));
  drain(n);
}

void cluster::finish_reads(sim_node& n) {
  for (auto it = n.reads.begin(); it != n.reads.end();) {
    const auto& r = it->second;
    if (!r.index || n.sm.applied_index() < *r.index) {
      ++it;
      continue;
    }
    for (std::size_t k = 0; k < r.acked_before; ++k) {
      if (!n.sm.votes().contains(acked_voters_[k])) {
        violation(n, "linearizable read at index " + std::to_string(*r.index) +
                         " misses the vote of " + acked_voters_[k] +
                         ", acknowledged before the read began");
        break;
      }
    }
    history_.complete(r.op_id, op_status::ok, now_, "read");
    it = n.reads.erase(it);
  }
}

void cluster::lose_pending(sim_node& n, const std::string& why) {
  for (const auto& [index, p] : n.proposals) {
    history_.complete(p.op_id, op_status::unknown, now_, why);
  }
  for (const auto& [id, r] : n.reads) history_.complete(r.op_id, op_status::unknown, now_, why);
  for (const auto& q : n.queued) history_.complete(q.op_id, op_status::unknown, now_, why);
  n.proposals.clear();
  n.reads.clear();
  n.queued.clear();
}

}  // namespace vote::sim
