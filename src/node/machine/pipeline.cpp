// The node machine's output pipeline: every core output is a stage that goes persist → send →
// apply → report, in order (machine.hpp). Apply and reports: apply.cpp; stopping: stop.cpp.
#include <algorithm>

#include "vote/core/invariant.hpp"
#include "vote/node/machine/machine.hpp"

namespace vote::node {

consensus::options consensus_options(const node_timers& t, const std::string& endpoint) {
  consensus::options o;
  o.endpoint = endpoint;
  o.heartbeat = t.heartbeat;
  o.election_timeout = t.election_timeout;
  o.election_jitter = t.election_timeout / 2;
  // A hop ack on one network takes well under a millisecond; a member that does not ack within
  // this is skipped (a paused server keeps its links open, so only this timeout reveals it).
  o.round_timeout = milliseconds(40);
  o.snapshot_threshold = t.snapshot_every == 0 ? ~std::uint64_t{0} : t.snapshot_every;
  // The peer links report a link down only after their immediate reconnect failed (refused, or
  // not connected within the connect timeout): the fast path's "reconnect once" has happened.
  o.fast_path_delay = milliseconds(5);
  return o;
}

node_machine::node_machine(node_settings settings, recovered_state recovered, admin_policy admin,
                           node_effects& effects, std::uint64_t rng_seed)
    : settings_(std::move(settings)),
      fx_(effects),
      core_(settings_.id, settings_.incarnation, settings_.consensus,
            std::move(recovered.persisted), rng_seed),
      state_(std::move(recovered.state)),
      admin_(std::move(admin)),
      rng_(rng_seed ^ 0x9E3779B97F4A7C15ULL),
      applied_index_(core_.snapshot().last_index),
      applied_epoch_(core_.snapshot().last_epoch),
      applied_config_(core_.snapshot().config),
      snapshot_index_(core_.snapshot().last_index),
      durable_index_(core_.last_index()) {}  // everything recovered from disk is durable

void node_machine::note(note_level level, const std::string& text) const {
  fx_.note(level, "node=" + std::to_string(settings_.id) + " " + text);
}

void node_machine::start() {
  discovery_until_ = now() + settings_.discovery_window;
  if (core_.cluster_uuid().empty()) {
    note(note_level::info, "no cluster yet: listening for peers for " +
                               std::to_string(settings_.discovery_window.count()) + " ms");
    if (settings_.discovery_window < 2 * settings_.hello_interval) {
      note(note_level::warn,
           "the discovery window is shorter than two hello intervals: this server may form a "
           "cluster of its own before it hears the others");
    }
  } else {
    note(note_level::info, "member of cluster " + core_.cluster_uuid() + " (log " +
                               std::to_string(core_.first_index()) + ".." +
                               std::to_string(core_.last_index()) + ", epoch " +
                               std::to_string(core_.last_epoch()) + ")");
  }
  tick();
}

milliseconds node_machine::now() const {
  const milliseconds real = fx_.now();
  const milliseconds counted = settings_.consensus.heartbeat;  // of any one gap between inputs
  if (clock_seen_.count() >= 0 && real - clock_seen_ > counted) {
    clock_paused_ += real - clock_seen_ - counted;
  }
  clock_seen_ = std::max(clock_seen_, real);
  return real - clock_paused_;
}

void node_machine::tick() {
  if (!frozen_) {
    core_.tick(now());
    tick_discovery();
    propose_due_closes();
    pump();
  }
  maybe_finish_stop();
}

void node_machine::pump_soon() {
  if (pump_asked_) return;
  pump_asked_ = true;
  fx_.pump_soon();
}

void node_machine::pump() {
  pump_asked_ = false;
  while (core_.has_output()) submit(core_.take_output());
}

std::optional<consensus::entry_id> node_machine::propose_raw(entry_kind kind, std::string payload) {
  if (frozen_) return std::nullopt;
  auto id = core_.propose(kind, std::move(payload));
  pump_soon();
  return id;
}

errc node_machine::add_member(const consensus::member& m) {
  if (frozen_) return errc::unavailable;
  const auto code = core_.add_member(m);
  pump_soon();
  return code;
}

void node_machine::force_campaign() {
  if (frozen_) return;
  core_.force_campaign();
  pump();
}

void node_machine::submit(consensus::output out) {
  fx_.observe_output(out);
  send_ahead(out);
  stage s{++next_seq_, out.persist.empty(), out.persist.has_meta(), {}, {}, {}};
  if (s.durable && pipeline_.empty()) {  // nothing to wait for
    s.out = std::move(out);
    return carry_out(s);
  }
  s.log.last_entry = out.persist.last_entry();
  s.log.truncate_from = out.persist.truncate_from.value_or(0);
  s.installed = out.persist.install_snapshot;
  if (!s.durable) {
    if (s.meta) ++unsettled_meta_;
    fx_.persist(s.seq, std::move(out.persist));
    out.persist = {};
  }
  s.out = std::move(out);
  pipeline_.push_back(std::move(s));
}

// Messages that may leave before the persists queued ahead of them, because they describe no
// state that is not yet durable (everything else keeps the contract's order). Never while a
// promise, cluster UUID, snapshot install or truncation is on its way to disk, nor in an output
// that persists one.
//  - A leader's appends and snapshot chunks (DESIGN.md §5.4: "the leader may send before its own
//    fsync but counts itself only after"): the followers' fsyncs overlap the leader's, and
//    heartbeats do not wait behind a slow disk.
//  - A follower's append replies whose match index is already durable here (or refusals):
//    heartbeat answers need no fsync, so a slow disk does not depose a healthy leader (§5.1).
void node_machine::send_ahead(consensus::output& out) {
  if (out.persist.has_meta() || unsettled_meta_ != 0 || out.messages.empty()) return;
  const bool leading = core_.role() != consensus::role::follower;
  std::vector<consensus::envelope> now, later;
  for (auto& e : out.messages) {
    bool early = false;
    if (leading) {
      early = std::holds_alternative<consensus::append>(e.body) ||
              std::holds_alternative<consensus::install_snapshot>(e.body);
    } else if (const auto* r = std::get_if<consensus::append_reply>(&e.body)) {
      early = !r->ok || r->match_index <= durable_index_;
    }
    (early ? now : later).push_back(std::move(e));
  }
  out.messages = std::move(later);
  send_messages(now);
}

// Persist jobs complete in the order they were handed over, so `seq` is the oldest stage that is
// not durable yet.
void node_machine::persisted(std::uint64_t seq) {
  const auto it =
      std::find_if(pipeline_.begin(), pipeline_.end(), [](const stage& s) { return !s.durable; });
  if (!VOTE_INVARIANT(it != pipeline_.end() && it->seq == seq,
                      "persist jobs complete in the order they were handed over")) {
    return;
  }
  stage& s = *it;
  s.durable = true;
  if (s.meta) --unsettled_meta_;
  if (s.installed) durable_index_ = s.installed->meta.last_index;
  if (s.log.truncate_from != 0) durable_index_ = std::min(durable_index_, s.log.truncate_from - 1);
  if (s.log.last_entry != 0) {
    durable_index_ = s.log.last_entry;
    core_.stable_to(s.log.last_entry);
  }
  advance_pipeline();
  pump();
  maybe_finish_stop();
}

void node_machine::advance_pipeline() {
  while (!pipeline_.empty() && pipeline_.front().durable) {
    stage s = std::move(pipeline_.front());
    pipeline_.pop_front();
    carry_out(s);
  }
}

void node_machine::carry_out(stage& s) {
  send_messages(s.out.messages);
  if (s.installed) install(*s.installed);
  for (const auto& e : s.out.committed) apply(e);
  answer_ready_reads();
  report(s.out);
}

void node_machine::send_messages(const std::vector<consensus::envelope>& messages) {
  for (const auto& e : messages) {
    const std::string endpoint = endpoint_of(e.to);
    if (endpoint.empty()) {
      if (fx_.noting(note_level::debug)) {
        note(note_level::debug, "no address for node " + std::to_string(e.to) + ": " +
                                    std::string(consensus::message_type(e.body)) + " dropped");
      }
      continue;
    }
    fx_.send(e.to, endpoint, e);
  }
}

}  // namespace vote::node
