// Starting, crashing, pausing, stopping and re-linking simulated servers; client requests,
// adversary and membership inputs.
#include <utility>

#include "vote/sim/cluster.hpp"
#include "vote/wire/messages.hpp"

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

// Where simulated clients connect from: another machine (admin requests carry the token).
const wire::request_origin client_origin{"10.0.9.9", false, {}};

}  // namespace

node::node_settings cluster::settings_for(const sim_node& n) const {
  node::node_settings s;
  s.id = n.id;
  s.incarnation = n.storage.incarnation();
  s.endpoint = n.endpoint;
  s.cluster = "sim";
  // The initial members form the cluster together (--bootstrap-expect N); a server started once
  // the cluster exists joins it and never forms one of its own.
  s.bootstrap_expect = formed() ? 64 : cfg_.nodes;
  s.discovery_window = cfg_.timers.discovery_window;
  s.hello_interval = cfg_.timers.hello_interval;
  s.stop_timeout = cfg_.stop_timeout;
  s.leave_on_stop = n.leave_on_stop;
  s.new_identity = n.storage.fresh();
  s.consensus = cfg_.options;
  s.consensus.endpoint = n.endpoint;
  return s;
}

// A server process starts on its disk, as vote-server's recovery does: the durable state for the
// core, the snapshot's state for the state machine.
void cluster::start_host(sim_node& n) {
  n.restart_at_ms.reset();
  const auto& state = n.storage.state();
  node::recovered_state recovered;
  recovered.persisted = state;
  n.votes.clear();
  if (state.snapshot) {
    auto restored =
        state.snapshot_data ? election_state::restore(*state.snapshot_data) : std::nullopt;
    if (!restored ||
        !n.votes.restore(state.snapshot->last_index, *state.snapshot_data, registry_)) {
      violation(n, "cannot restore its own durable snapshot");
      return;
    }
    recovered.state = std::move(*restored);
  }
  n.leave_on_stop = profile_.membership && n.slot >= cfg_.nodes / 2 && rng_.chance(0.3);
  auto settings = settings_for(n);
  n.storage.mark_used();
  n.log = log_from(state);
  n.paused = false;
  n.inbox.clear();
  n.queued.clear();
  n.role = consensus::role::follower;
  n.began_epoch = 0;
  n.last_commit = 0;
  n.last_voters.clear();
  n.led_last_output = false;
  n.promise_seen = state.promise;
  n.unsent.clear();
  n.next_hello_ms = now_ + rng_.between(0, cfg_.timers.hello_interval.count());
  ++n.lifetimes;
  n.host =
      std::make_unique<sim_host>(*this, n, std::move(settings), std::move(recovered), rng_.next());
  n.machine().start();
}

// The process is gone: its jobs not yet on disk, its messages not yet sent and its connections
// with it. Clients with a request in flight see the connection close: outcome unknown.
void cluster::take_down(sim_node& n, const std::string& why) {
  if (!n.up()) return;
  for (const auto& [op, r] : n.host->open) {
    history_.complete(op, history::completion::unknown, errc::unavailable, {}, why);
  }
  for (const auto& q : n.queued) {
    history_.complete(q.op, history::completion::unknown, errc::unavailable, {}, why);
  }
  n.host.reset();
  n.paused = false;
  n.inbox.clear();
  n.queued.clear();
  for (auto& a : nodes_) {
    if (!a.running() || !links_.connected(a.slot, n.slot)) continue;
    a.machine().on_link_down(n.id);
  }
}

void cluster::crash(std::size_t slot) {
  auto& n = nodes_[slot];
  if (!n.up()) return;
  trace(name(n) + " CRASH (" + std::to_string(n.host->disk_queue.size()) + " writes lost)");
  ++stats_.crashes;
  take_down(n, "node crashed");
}

void cluster::restart(std::size_t slot) {
  auto& n = nodes_[slot];
  if (n.up() || n.lifetimes == 0 || n.failed) return;
  trace(name(n) + " RESTART from disk: promise=(" +
        std::to_string(n.storage.state().promise.epoch) + ",n" +
        std::to_string(n.storage.state().promise.to) +
        ") last=" + std::to_string(n.storage.last_index()));
  ++stats_.restarts;
  start_host(n);
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
  n.machine().tick();
  for (const auto& m : inbox) {
    if (!n.running()) return;
    deliver(n, m);
  }
  auto queued = std::move(n.queued);
  n.queued.clear();
  for (const auto& q : queued) {
    if (!n.running()) return;
    hand_over(n, q.op, q.payload, q.acked_before);
  }
  complete_disk_jobs(n);
}

void cluster::stop(std::size_t slot) {
  auto& n = nodes_[slot];
  if (!n.running() || n.machine().stopping()) return;
  trace(name(n) + " SIGTERM" + (n.leave_on_stop ? " (--leave)" : ""));
  ++stats_.stops;
  n.machine().stop();
}

void cluster::start_fresh(std::size_t slot) {
  auto& n = nodes_[slot];
  if (n.up()) crash(slot);
  n.storage.wipe(rng_.next());
  n.failed = false;
  trace(name(n) + " STARTS with an empty disk (incarnation " +
        std::to_string(n.storage.incarnation()) + ")");
  start_host(n);
}

void cluster::force_takeover(std::size_t slot) {
  auto& n = nodes_[slot];
  if (!n.running()) return;
  ++stats_.takeovers;
  trace(name(n) + " ADVERSARY: force_campaign()");
  n.machine().force_campaign();
}

void cluster::heal_everything() {
  set_links(topology(nodes_.size()));
  for (auto& n : nodes_) {
    if (n.paused) resume(n.slot);
    if (!n.up() && n.lifetimes > 0) restart(n.slot);
  }
}

void cluster::remove_member(std::size_t leader_slot, consensus::node_id id) {
  auto& l = nodes_[leader_slot];
  if (!l.running()) return;
  wire::client_request r;
  r.type = wire::request_type::remove_member;
  r.request_id = "rm-" + std::to_string(id) + "-" + std::to_string(now_);
  r.node_id = id;
  r.admin_token = cfg_.admin_token;
  trace(name(l) + " admin: remove_member(n" + std::to_string(id) + ")");
  ++stats_.membership_changes;
  l.machine().on_request(wire::encode_request(r), client_origin,
                         [this, who = name(l)](const std::string& json) {
                           trace(who + " answers remove_member: " + json);
                         });
}

void cluster::set_links(const topology& t) {
  const auto before = links_;
  links_ = t;
  trace("LINKS " + links_.describe());
  for (auto& a : nodes_) {
    for (auto& b : nodes_) {
      if (a.slot >= b.slot || !a.running() || !b.running()) continue;
      if (!before.connected(a.slot, b.slot) || links_.connected(a.slot, b.slot)) continue;
      a.machine().on_link_down(b.id);
      if (b.running()) b.machine().on_link_down(a.id);
    }
  }
}

submit_result cluster::submit(std::size_t slot, std::uint64_t op, const std::string& payload) {
  auto& n = nodes_[slot];
  if (!n.up()) {
    history_.complete(op, history::completion::refused, errc::unavailable, {}, "no connection");
    return submit_result::down;
  }
  if (n.paused) {
    n.queued.push_back(queued_request{op, payload, acked_voters_.size()});
    return submit_result::queued;
  }
  hand_over(n, op, payload, acked_voters_.size());
  return submit_result::handed;
}

void cluster::hand_over(sim_node& n, std::uint64_t op, const std::string& payload,
                        std::size_t acked_before) {
  n.host->open[op] = open_request{op, now_, acked_before};
  n.machine().on_request(payload, client_origin,
                         [this, slot = n.slot, life = n.lifetimes, op](std::string json) {
                           on_reply(slot, life, op, json);
                         });
}

}  // namespace vote::sim
