// The node driver: the clock, the output pipeline (persist → send → apply → report), apply and
// the core's reports. Requests: cluster_requests.cpp; discovery and membership:
// cluster_discovery.cpp.
#include "vote/node/cluster_node.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>

#include "replies.hpp"

namespace vote::node {

namespace asio = boost::asio;

cluster_node::cluster_node(asio::io_context& io, node_settings settings, recovered_state recovered,
                           admin_policy admin, log_writer& writer, const net::cluster_key* key,
                           std::uint64_t rng_seed)
    : io_(io),
      settings_(std::move(settings)),
      core_(settings_.id, settings_.incarnation, settings_.consensus,
            std::move(recovered.persisted), rng_seed),
      state_(std::move(recovered.state)),
      admin_(std::move(admin)),
      writer_(writer),
      key_(key),
      timer_(io),
      origin_(std::chrono::steady_clock::now()),
      applied_index_(core_.snapshot().last_index),
      applied_epoch_(core_.snapshot().last_epoch),
      applied_config_(core_.snapshot().config),
      snapshot_index_(core_.snapshot().last_index),
      durable_index_(core_.last_index()) {}  // everything recovered from disk is durable

milliseconds cluster_node::now() const {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - origin_);
}

void cluster_node::start() {
  discovery_until_ = now() + settings_.discovery_window;
  if (core_.cluster_uuid().empty()) {
    spdlog::info("node={} no cluster yet: listening for peers for {} ms", settings_.id,
                 settings_.discovery_window.count());
    if (settings_.discovery_window < 2 * settings_.hello_interval) {
      spdlog::warn(
          "node={} the discovery window is shorter than two hello intervals: this "
          "server may form a cluster of its own before it hears the others",
          settings_.id);
    }
  } else {
    spdlog::info("node={} member of cluster {} (log {}..{}, epoch {})", settings_.id,
                 core_.cluster_uuid(), core_.first_index(), core_.last_index(), core_.last_epoch());
  }
  on_tick();
}

void cluster_node::on_tick() {
  if (!frozen_) {
    core_.tick(now());
    tick_discovery();
    pump();
  }
  maybe_finish_stop();
  if (finished_) return;
  timer_.expires_after(settings_.tick);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_tick();
  });
}

// Inputs of one event-loop turn share one output (and so one batch, one fsync).
void cluster_node::schedule_pump() {
  if (pump_scheduled_) return;
  pump_scheduled_ = true;
  asio::post(io_, [this] {
    pump_scheduled_ = false;
    pump();
  });
}

void cluster_node::pump() {
  while (core_.has_output()) submit(core_.take_output());
}

namespace {
// Persists something other than log entries: what a message may describe only once durable.
bool persists_meta(const consensus::output& o) {
  return o.cluster_uuid || o.promise || o.install_snapshot || o.truncate_from;
}
bool needs_persist(const consensus::output& o) {
  return persists_meta(o) || !o.entries.empty();
}
}  // namespace

// Moves the entries out of `out`: carrying the output out later needs them no more.
persist_job cluster_node::make_job(consensus::output& out) const {
  persist_job job;
  if (out.cluster_uuid) {
    job.identity = storage::node_identity{settings_.id, settings_.incarnation, *out.cluster_uuid};
  }
  if (out.promise) job.promise = storage::promise_state{out.promise->epoch, out.promise->to};
  if (out.install_snapshot) {
    const auto& s = *out.install_snapshot;
    job.install = storage::snapshot{
        {s.meta.last_index, s.meta.last_epoch, consensus::encode_configuration(s.meta.config)},
        s.data ? *s.data : std::string()};
  }
  job.truncate_from = out.truncate_from;
  job.entries = std::move(out.entries);
  out.entries.clear();
  return job;
}

void cluster_node::submit(consensus::output out) {
  const bool meta = persists_meta(out);
  send_ahead(out, meta);
  if (!needs_persist(out)) {
    if (pipeline_.empty()) return carry_out(out);
    pipeline_.push_back(stage{++next_seq_, true, false, {}, std::move(out)});
    return;
  }
  stage s{++next_seq_, false, meta, {}, {}};
  s.log.last_entry = out.entries.empty() ? 0 : out.entries.back().index;
  s.log.truncate_from = out.truncate_from.value_or(0);
  s.log.installed = out.install_snapshot ? out.install_snapshot->meta.last_index : 0;
  if (meta) ++unsettled_meta_;
  const auto seq = s.seq;
  writer_.persist(make_job(out), [this, seq] { on_persisted(seq); });
  s.out = std::move(out);
  pipeline_.push_back(std::move(s));
}

// Messages that may leave before the persists queued ahead of them, because they describe no
// state that is not yet durable (everything else keeps the contract's order). Never while a
// promise, cluster UUID, snapshot install or truncation is on its way to disk.
//  - A leader's appends and snapshot chunks (DESIGN.md §5.4: "the leader may send before its own
//    fsync but counts itself only after"): the followers' fsyncs overlap the leader's, and
//    heartbeats do not wait behind a slow disk.
//  - A follower's append replies whose match index is already durable here (or refusals):
//    heartbeat answers need no fsync, so a slow disk does not depose a healthy leader (§5.1).
void cluster_node::send_ahead(consensus::output& out, bool meta) {
  if (meta || unsettled_meta_ != 0 || out.messages.empty()) return;
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

// The writer completes jobs in order, so `seq` is the oldest stage not yet durable.
void cluster_node::on_persisted(std::uint64_t seq) {
  for (stage& s : pipeline_) {
    if (s.seq != seq) continue;
    s.durable = true;
    if (s.meta) --unsettled_meta_;
    if (s.log.installed != 0) durable_index_ = s.log.installed;
    if (s.log.truncate_from != 0) {
      durable_index_ = std::min(durable_index_, s.log.truncate_from - 1);
    }
    if (s.log.last_entry != 0) {
      durable_index_ = s.log.last_entry;
      core_.stable_to(s.log.last_entry);
    }
  }
  advance_pipeline();
  pump();
  maybe_finish_stop();
}

void cluster_node::advance_pipeline() {
  while (!pipeline_.empty() && pipeline_.front().durable) {
    consensus::output out = std::move(pipeline_.front().out);
    pipeline_.pop_front();
    carry_out(out);
  }
}

void cluster_node::carry_out(consensus::output& out) {
  send_messages(out.messages);
  if (out.install_snapshot) install(*out.install_snapshot);
  for (const auto& e : out.committed) apply(e);
  answer_ready_reads();
  report(out);
}

void cluster_node::send_messages(const std::vector<consensus::envelope>& messages) {
  if (!send_) return;
  for (const auto& e : messages) {
    const std::string endpoint = endpoint_of(e.to);
    if (endpoint.empty()) {
      spdlog::debug("node={} no address for node {}: {} dropped", settings_.id, e.to,
                    consensus::message_type(e.body));
      continue;
    }
    send_(e.to, endpoint, sealed(consensus::encode_envelope(e)));
  }
}

std::string cluster_node::sealed(std::string bytes) const {
  return key_ != nullptr ? key_->seal(bytes, net::unix_now_ms()) : bytes;
}

void cluster_node::install(const consensus::snapshot_install& snap) {
  auto restored = snap.data ? election_state::restore(*snap.data, state_.bounds()) : std::nullopt;
  if (!restored) {
    // The snapshot passed the leader's state machine and our checksums: a broken invariant.
    spdlog::critical("node={} a received snapshot up to {} does not decode", settings_.id,
                     snap.meta.last_index);
    std::abort();
  }
  state_ = std::move(*restored);
  applied_index_ = snapshot_index_ = snap.meta.last_index;
  applied_epoch_ = snap.meta.last_epoch;
  applied_config_ = snap.meta.config;
  for (auto it = pending_.begin(); it != pending_.end() && it->first <= applied_index_;) {
    it->second.reply(unknown_outcome(it->second.request_id));
    it = pending_.erase(it);
  }
  spdlog::info("node={} installed a snapshot up to index {}", settings_.id, applied_index_);
}

void cluster_node::apply(const log_entry& e) {
  if (e.index <= applied_index_) return;  // covered by an installed snapshot
  std::optional<outcome> result;
  std::string request_id;
  if (e.kind == entry_kind::command) {
    if (auto cmd = decode_command(e.payload)) {
      last_timestamp_ms_ = std::max(last_timestamp_ms_, cmd->timestamp_ms);
      request_id = cmd->request_id;
      result = state_.apply(*cmd);
    } else {
      // Every server decodes the same bytes the same way: skipping is deterministic, and one
      // bad entry must not stop every server of the cluster on every restart.
      spdlog::error("node={} committed entry {} does not decode; it changes nothing", settings_.id,
                    e.index);
    }
  } else if (e.kind == entry_kind::config) {
    if (auto c = consensus::decode_configuration(e.payload)) applied_config_ = std::move(*c);
  }
  applied_index_ = e.index;
  applied_epoch_ = e.epoch;
  const auto it = pending_.find(e.index);
  if (it == pending_.end()) return;
  auto p = std::move(it->second);
  pending_.erase(it);
  if (p.epoch != e.epoch || !result || request_id != p.request_id) {
    p.reply(unknown_outcome(p.request_id));  // another leader's entry took this index
  } else {
    p.reply(encode_outcome(p.request_id, *result));
  }
}

void cluster_node::report(consensus::output& out) {
  if (out.role_changed) {
    spdlog::info("node={} role={} epoch={} members={}", settings_.id,
                 consensus::to_string(*out.role_changed), core_.epoch(),
                 describe_members(core_.configuration()));
    if (*out.role_changed != consensus::role::leader) fail_pending("leadership lost");
    if (hello_now_) hello_now_();
  }
  if (out.leader_changed && out.leader_changed->id != 0) {
    if (!out.leader_changed->endpoint.empty())
      spdlog::info("node={} leader={} at {} epoch={}", settings_.id, out.leader_changed->id,
                   out.leader_changed->endpoint, out.leader_changed->epoch);
  }
  for (const auto& lost : out.proposals_lost) {
    const auto it = pending_.find(lost.index);
    if (it == pending_.end()) continue;
    it->second.reply(unknown_outcome(it->second.request_id));
    pending_.erase(it);
  }
  for (const auto& ready : out.reads_ready) {
    const auto it = reads_.find(ready.id);
    if (it != reads_.end()) it->second.index = std::max<std::uint64_t>(ready.index, 1);
  }
  for (const auto id : out.reads_failed) {
    const auto it = reads_.find(id);
    if (it == reads_.end()) continue;
    it->second.reply(read_lost(it->second.request_id));
    reads_.erase(it);
  }
  answer_ready_reads();
  if (out.snapshot_wanted) maybe_snapshot(*out.snapshot_wanted);
  if (out.bootstrap) {
    bootstrapping_ = false;
    if (*out.bootstrap == consensus::bootstrap_result::formed) {
      spdlog::info("node={} formed cluster {} ({})", settings_.id, core_.cluster_uuid(),
                   describe_members(core_.configuration()));
    } else {
      bootstrap_retry_at_ = now() + settings_.hello_interval +
                            milliseconds(static_cast<std::int64_t>(settings_.id % 500));
      spdlog::info("node={} bootstrap refused; rediscovering", settings_.id);
    }
  }
  if (out.stop_ready) handed_over_ = true;
}

void cluster_node::answer_ready_reads() {
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (it->second.index == 0 || it->second.index > applied_index_) {
      ++it;
      continue;
    }
    pending_read r = std::move(it->second);
    it = reads_.erase(it);
    if (r.judged) {
      answer_judged(std::move(*r.judged), r.reply);  // may propose: reads_ is not touched
    } else {
      r.reply(results_reply(state_, r.request_id, r.election_id));
    }
  }
}

void cluster_node::fail_pending(const std::string& why) {
  for (auto& [index, p] : pending_) p.reply(unknown_outcome(p.request_id));
  if (!pending_.empty()) {
    spdlog::info("node={} {}: {} pending requests answered 'outcome unknown'", settings_.id, why,
                 pending_.size());
  }
  pending_.clear();
  for (auto& [id, r] : reads_) {
    r.reply(read_lost(r.request_id));
  }
  reads_.clear();
}

// The state is serialised here, on the node thread, at the applied index (<= commit index).
void cluster_node::maybe_snapshot(std::uint64_t wanted) {
  if (snapshot_in_flight_ || applied_index_ <= snapshot_index_ || wanted <= snapshot_index_) return;
  snapshot_in_flight_ = true;
  consensus::snapshot_meta meta{applied_index_, applied_epoch_, applied_config_};
  auto data = std::make_shared<const std::string>(state_.snapshot());
  storage::snapshot_meta file_meta{meta.last_index, meta.last_epoch,
                                   consensus::encode_configuration(meta.config)};
  spdlog::info("node={} snapshot at index {}", settings_.id, meta.last_index);
  writer_.snapshot(std::move(file_meta), *data, [this, meta, data] {
    snapshot_in_flight_ = false;
    snapshot_index_ = meta.last_index;
    core_.snapshot_taken(meta, data);
    pump();
    maybe_finish_stop();
  });
}

// ---- graceful stop ----------------------------------------------------------------------------

void cluster_node::stop(std::function<void()> done) {
  stopped_ = std::move(done);
  stop_requested_ = true;  // new requests are refused from now on
  stop_started_ = now();
  stop_deadline_ = stop_started_ + settings_.stop_timeout;
  stop_phase_ = stop_phase::leave;
  if (settings_.leave_on_stop && !left_cluster()) send_leave();
  maybe_finish_stop();
}

// leave (--leave) → drain (requests in flight are committed and answered) → hand over → flush
// the pipeline → done. Each wait is bounded by the stop deadline.
void cluster_node::maybe_finish_stop() {
  if (!stopped_) return;
  const bool late = now() >= stop_deadline_;
  if (stop_phase_ == stop_phase::leave) {
    if (settings_.leave_on_stop && !left_cluster() && !late) {
      if (now() >= leave_resend_at_) send_leave();  // the leader may have changed meanwhile
      return;
    }
    if (settings_.leave_on_stop && !left_cluster()) {
      spdlog::warn("node={} could not leave the cluster in time", settings_.id);
    }
    stop_phase_ = stop_phase::drain;
  }
  if (stop_phase_ == stop_phase::drain) {
    if ((!pending_.empty() || !reads_.empty()) && !late) return;
    stop_phase_ = stop_phase::hand_over;
    core_.stop_gracefully();
    pump();
  }
  if (!handed_over_ && !late) return;
  frozen_ = true;  // no more inputs to the core: the pipeline can only shrink now
  if (!pipeline_.empty() || snapshot_in_flight_) return;
  fail_pending("stopping");
  auto done = std::move(stopped_);
  stopped_ = nullptr;
  finished_ = true;
  timer_.cancel();
  done();
}

}  // namespace vote::node
