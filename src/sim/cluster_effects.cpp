// What a simulated server's machine does to the world — writes, sends, applies, replies — carried
// out by its sim_host and checked by the cluster against the invariants and rules (DESIGN.md
// §5.6, rules.hpp) and the client history.
#include <algorithm>
#include <utility>
#include <variant>

#include "vote/sim/clients.hpp"
#include "vote/sim/cluster.hpp"
#include "vote/wire/messages.hpp"

namespace vote::sim {
namespace {

std::string name(const sim_node& n) {
  return "n" + std::to_string(n.id);
}

// What a command is, whoever proposes it and whenever: the key of applied_commands_.
std::string command_key(const std::string& request_id, const std::string& election_id,
                        const std::string& voter) {
  return request_id + '\n' + election_id + '\n' + voter;
}

std::string command_key(const command& c) {
  if (const auto* v = std::get_if<vote_cmd>(&c.body)) {
    return command_key(c.request_id, v->election_id, v->voter);
  }
  if (const auto* r = std::get_if<register_cmd>(&c.body)) {
    return command_key(c.request_id, r->election_id, "");
  }
  if (const auto* x = std::get_if<close_cmd>(&c.body)) {
    return command_key(c.request_id, x->election_id, "");
  }
  return command_key(c.request_id, "", "");
}

}  // namespace

// ---- sim_host: the node_effects of one lifetime --------------------------------------------

sim_host::sim_host(cluster& c, sim_node& n, node::node_settings settings,
                   node::recovered_state recovered, std::uint64_t seed)
    : c_(c),
      n_(n),
      machine_(std::make_unique<node::node_machine>(std::move(settings), std::move(recovered),
                                                    node::admin_policy(c.cfg_.admin_token), *this,
                                                    seed)) {}

sim_host::~sim_host() = default;

node::milliseconds sim_host::now() const {
  return node::milliseconds(c_.now_);
}

// Every server's wall clock is off by its own skew: entry timestamps stay monotonic anyway.
std::int64_t sim_host::unix_now_ms() const {
  return sim_unix_epoch_ms + c_.now_ + n_.clock_skew_ms;
}

void sim_host::queue(disk_job job) {
  job.ready_at_ms = c_.now_ + c_.draw_disk_latency();
  if (!disk_queue.empty())
    job.ready_at_ms = std::max(job.ready_at_ms, disk_queue.back().ready_at_ms);
  disk_queue.push_back(std::move(job));
}

void sim_host::persist(std::uint64_t seq, consensus::persist_job job) {
  if (c_.tracing()) {
    c_.trace(name(n_) + " write #" + std::to_string(seq) + " " + describe(job));
  }
  queue(disk_job{0, seq, std::move(job), std::nullopt});
}

// The product's log writer serialises the frozen state on a thread of its own and then queues
// its write behind the log writes made meanwhile. Here the bytes are made when the job is handed
// over (the same bytes, deterministically), and the write is queued after a drawn delay.
void sim_host::save_snapshot(const node::snapshot_job& job) {
  auto bytes = node::serialise(job);
  c_.on_snapshot_saved(n_, job.meta, *bytes);
  serialising.push_back(
      disk_job{c_.now_ + c_.draw_serialise_latency(), 0, std::nullopt, job, std::move(bytes)});
}

void sim_host::queue_serialised(std::int64_t now_ms) {
  while (!serialising.empty() && serialising.front().ready_at_ms <= now_ms) {
    queue(std::move(serialising.front()));
    serialising.pop_front();
  }
}

void sim_host::send(consensus::node_id peer, const std::string&, const consensus::envelope& e) {
  c_.on_send(n_, peer, e);
}

void sim_host::send(consensus::node_id peer, const std::string&, const wire::leave_request& r) {
  c_.on_send(n_, peer, r);
}

bool sim_host::noting(node::note_level level) const {
  return c_.tracing() && level != node::note_level::debug;
}

void sim_host::note(node::note_level level, const std::string& text) {
  if (noting(level)) c_.trace("note " + text);
}

void sim_host::fatal(const std::string& message) {
  failure = message;
}

void sim_host::stopped() {
  has_stopped = true;
}

void sim_host::observe_output(const consensus::output& out) {
  c_.on_output(n_, out);
}

void sim_host::observe_applied(const log_entry& e, const command* cmd, const outcome* result) {
  c_.on_applied(n_, e, cmd, result);
}

void sim_host::observe_installed(const consensus::snapshot_install& snap) {
  c_.on_installed(n_, snap);
}

// ---- the cluster's side ----------------------------------------------------------------------

std::int64_t cluster::draw_disk_latency() {
  if (rng_.chance(cfg_.slow_disk))
    return rng_.between(cfg_.disk_latency_max_ms, cfg_.slow_disk_max_ms);
  return rng_.between(0, cfg_.disk_latency_max_ms);
}

std::int64_t cluster::draw_serialise_latency() {
  return rng_.between(0, cfg_.serialise_latency_max_ms);
}

void cluster::on_send(sim_node& n, consensus::node_id to, const sim_message& m) {
  if (const auto* e = std::get_if<consensus::envelope>(&m)) {
    std::optional<consensus::promise_record> made_under;
    const auto it = std::find_if(n.unsent.begin(), n.unsent.end(),
                                 [&](const auto& u) { return u.first == *e; });
    if (it != n.unsent.end()) {
      made_under = it->second;
      n.unsent.erase(it);
    } else {
      violation(n, "sends " + describe(*e) + ", which no output of its core holds");
    }
    rules_.sent(*e, n.lifetimes, n.storage, leader_view_of(e->to), n.core().leader(), made_under);
  }
  const auto to_slot = slot_of(to);
  const bool cut = !to_slot || !links_.can_send(n.slot, *to_slot);
  const auto* e = std::get_if<consensus::envelope>(&m);
  if (cut) {
    if (trace_ && e != nullptr) trace("cut " + describe(*e));
    return;
  }
  const auto sent = net_.send(now_, n.slot, *to_slot, m, profile_);
  if (!trace_ || e == nullptr) return;
  trace("send " + describe(*e) +
        (sent.dropped ? " (dropped)"
                      : " (+" + std::to_string(sent.delay_ms) + "ms" +
                            (sent.duplicated ? ", duplicated)" : ")")));
}

void cluster::on_output(sim_node& n, const consensus::output& out) {
  const auto& core = n.core();
  // Commits of this output were made in the role held before it: a leader that removed itself
  // commits its removal and steps down in one output.
  const bool leading = leads(n);
  if (out.role_changed) {
    n.role = *out.role_changed;
    trace(name(n) + " role=" + std::string(consensus::to_string(n.role)) +
          " epoch=" + std::to_string(core.epoch()));
    if (n.role == consensus::role::leader) checker_.leader_elected(n.id, core.epoch(), n.log);
  }
  const auto& p = out.persist;
  if (p.cluster_uuid && !uuid_.empty() && *p.cluster_uuid != uuid_) {
    violation(n, "persists cluster " + *p.cluster_uuid + " but the cluster formed as " + uuid_);
  }
  if (out.bootstrap == consensus::bootstrap_result::formed) {
    if (!uuid_.empty() && uuid_ != core.cluster_uuid()) {
      violation(n, "formed a second cluster " + core.cluster_uuid() + " beside " + uuid_);
    }
    uuid_ = core.cluster_uuid();
    trace(name(n) + " formed cluster " + uuid_);
  }
  if (p.install_snapshot) {
    const auto& meta = p.install_snapshot->meta;
    n.log.reset(meta.last_index, meta.last_epoch);
    checker_.snapshot_committed(n.id, meta.last_index, meta.last_epoch);
    ++stats_.snapshots;
  }
  if (p.truncate_from && !n.log.truncate_from(*p.truncate_from)) {
    violation(n, "truncates from " + std::to_string(*p.truncate_from) + " into its snapshot");
  }
  for (const auto& e : p.entries) {
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
      rules_.began_epoch(n.id, n.lifetimes, e.epoch, core.configuration());
    }
  }
  const auto known_epoch = std::max(core.epoch(), core.promised().epoch);
  if (leading && !out.committed.empty()) {
    rules_.leader_committed(n.id, core.epoch(), out.committed.back());
  }
  // A leader at the start of the turn or after it commits only what is durable on a majority.
  const bool may_lead = n.led_last_output || leading;
  for (const auto& e : out.committed) {
    if (trace_) trace(name(n) + " commit " + describe(e));
    checker_.committed(n.id, known_epoch, e);
    if (may_lead) check_commit_durable(n, e);
  }
  n.led_last_output = leads(n);
  n.last_voters = core.configuration().voters;
  for (const auto& m : out.messages) n.unsent.emplace_back(m, n.promise_seen);
  // A message to a node without a known address is never sent: forget the oldest ones.
  constexpr std::size_t max_unsent = 4096;
  while (n.unsent.size() > max_unsent) n.unsent.pop_front();
  n.promise_seen = core.promised();
}

// An entry a leader commits is durable on a majority of the configuration it was committed in:
// the leader's configuration before this output or after it (the inputs of one output may have
// changed it after the commit, e.g. a leader that committed, then proposed a member's removal in
// the same turn).
void cluster::check_commit_durable(sim_node& n, const log_entry& e) {
  const auto& before = n.last_voters;
  const auto& after = n.core().configuration().voters;
  const auto held_before = durable_holders(before, e.index, e.epoch);
  const auto held_after = durable_holders(after, e.index, e.epoch);
  if (held_before >= before.size() / 2 + 1 && !before.empty()) {
    checker_.commit_durable(n.id, e, held_before, before.size());
  } else {
    checker_.commit_durable(n.id, e, held_after, after.size());
  }
}

void cluster::on_applied(sim_node& n, const log_entry& e, const command* cmd,
                         const outcome* result) {
  checker_.applied(n.id, e, n.machine().applied_index() + 1);
  ++stats_.commits;
  if (cmd == nullptr || result == nullptr) return;
  applied_commands_.try_emplace(command_key(*cmd), consensus::entry_id{e.index, e.epoch});
  if (const auto error = n.votes.count(cfg_.election_id, *cmd, *result); !error.empty()) {
    violation(n, error);
  }
  if (std::holds_alternative<vote_cmd>(cmd->body)) {
    checker_.check_tallies(n.id, n.machine().state(), cfg_.election_id, n.votes.table());
  }
  check_deadline(n, *cmd, *result);
}

// DESIGN.md §11: no vote stamped at or after the deadline is counted, and the election closes
// at its deadline (the sim's clients never close it by hand).
void cluster::check_deadline(const sim_node& n, const command& cmd, const outcome& result) {
  if (cfg_.deadline_unix_ms == 0 || !result.ok()) return;
  if (const auto* v = std::get_if<vote_cmd>(&cmd.body);
      v != nullptr && v->election_id == deadline_election &&
      result.message.rfind("Vote for", 0) == 0 && cmd.timestamp_ms >= cfg_.deadline_unix_ms) {
    violation(n, "a vote stamped " + std::to_string(cmd.timestamp_ms - cfg_.deadline_unix_ms) +
                     "ms after the deadline was counted");
  }
  if (const auto* c = std::get_if<close_cmd>(&cmd.body);
      c != nullptr && c->election_id == deadline_election && result.result &&
      result.result->closed_at_ms != cfg_.deadline_unix_ms) {
    violation(n, "the deadline election closed at " + std::to_string(result.result->closed_at_ms) +
                     ", not at its deadline " + std::to_string(cfg_.deadline_unix_ms));
  }
}

// The machine's state became the snapshot's: so does the checker's table of its votes.
void cluster::on_installed(sim_node& n, const consensus::snapshot_install& snap) {
  if (!snap.data || !n.votes.restore(snap.meta.last_index, *snap.data, registry_)) {
    violation(n, "installs a snapshot up to " + std::to_string(snap.meta.last_index) +
                     " that no node took");
  }
}

void cluster::on_snapshot_saved(sim_node& n, const consensus::snapshot_meta& meta,
                                const std::string& bytes) {
  registry_.remember(meta.last_index, bytes, n.votes.table());
  checker_.snapshot_committed(n.id, meta.last_index, meta.last_epoch);
  trace(name(n) + " snapshot up to " + std::to_string(meta.last_index));
  ++stats_.snapshots;
}

// A machine answers a request. Exactly once, and an ok only for what is durably committed.
void cluster::on_reply(std::size_t slot, std::uint64_t lifetime, std::uint64_t op,
                       const std::string& json) {
  auto& n = nodes_[slot];
  if (!n.up() || n.lifetimes != lifetime) {
    violation(n, "a machine of an earlier lifetime answered request " + history_.at(op).request_id);
    return;
  }
  const auto it = n.host->open.find(op);
  if (it == n.host->open.end()) {
    violation(n, "answers request " + history_.at(op).request_id + " a second time");
    return;
  }
  const open_request r = it->second;
  n.host->open.erase(it);
  ++stats_.replies;
  const auto decoded = wire::decode_response(json);
  if (const auto* bad = std::get_if<wire::decode_error>(&decoded)) {
    violation(n, "answers with a response that does not decode: " + bad->message);
    return;
  }
  const auto& resp = std::get<wire::client_response>(decoded);
  const auto rec = history_.at(op);
  using history::completion;
  using history::op_type;
  if (resp.ok()) {
    if (rec.type == op_type::read) {
      if (!resp.result) {
        violation(n, "answers a read without a result");
        return;
      }
      check_read(n, rec, r, *resp.result);
      history::tally_map seen;
      for (const auto& t : resp.result->tallies) seen[t.candidate] = t.votes;
      history_.complete(op, completion::ok, errc::ok, std::move(seen), "read");
      return;
    }
    check_durable_before_ok(n, rec);
    if (rec.status == completion::pending || rec.status == completion::unknown) {
      // Reads count the main election only; the deadline election's votes are checked at the end.
      if (rec.type == op_type::vote && rec.election_id == cfg_.election_id &&
          acked_.emplace(rec.voter, rec.candidate).second) {
        acked_voters_.push_back(rec.voter);
      }
      if (rec.type == op_type::register_election && rec.election_id == cfg_.election_id) {
        registered_ = true;
      }
    }
    history_.complete(op, completion::ok, errc::ok, {}, resp.message);
    write_acks_.emplace_back(now_, n.id);
    return;
  }
  const auto code = resp.code;
  const auto detail = std::string(to_string(code)) + ": " + resp.message;
  switch (code) {
    case errc::not_leader:
    case errc::unavailable:
      // Definitely not applied: refused before proposing, or a proposal the core never took.
      history_.complete(op, completion::refused, code, {}, detail);
      return;
    case errc::no_quorum:  // "no leader known" or "outcome unknown": the client cannot tell
    case errc::internal:
    case errc::timeout:
      history_.complete(op, completion::unknown, code, {}, detail);
      return;
    case errc::unknown_election:
      if (rec.type == op_type::vote && registered_) {
        violation(n, "refuses the vote " + rec.request_id +
                         " for an unknown election after its registration was acknowledged");
      }
      history_.complete(op, completion::refused, code, {}, detail);
      return;
    case errc::election_closed:
      // A vote for the deadline election stamped at or after its deadline is refused; that the
      // election closed exactly then is checked by check_deadline.
      if (rec.type == op_type::vote && rec.election_id == deadline_election) {
        history_.complete(op, completion::refused, code, {}, detail);
        return;
      }
      [[fallthrough]];
    default:
      // The simulated clients send only valid requests, and a retry with its request id must be
      // answered with the original outcome: "already voted", "exists" and the like are bugs.
      violation(n, "refuses " + rec.request_id + " with " + detail);
      history_.complete(op, completion::refused, code, {}, detail);
      return;
  }
}

void cluster::check_durable_before_ok(const sim_node& n, const history::operation& op) {
  const auto key = command_key(op.request_id, op.election_id, op.voter);
  const auto it = applied_commands_.find(key);
  if (it == applied_commands_.end()) {
    violation(n, "answers ok to " + op.request_id + ", which no node has applied");
    return;
  }
  if (!checker_.is_committed(it->second.index, it->second.epoch)) {
    violation(n, "answers ok to " + op.request_id + " while its entry (" +
                     std::to_string(it->second.index) + "," + std::to_string(it->second.epoch) +
                     ") is not committed");
  }
}

void cluster::check_read(const sim_node& n, const history::operation& op, const open_request& r,
                         const election_result& result) {
  std::map<std::string, std::uint64_t> expected;
  for (std::size_t k = 0; k < r.acked_before && k < acked_voters_.size(); ++k) {
    ++expected[acked_.at(acked_voters_[k])];
  }
  for (const auto& t : result.tallies) {
    const auto it = expected.find(t.candidate);
    if (it != expected.end() && t.votes < it->second) {
      violation(n, "read " + std::to_string(op.id) + " counts " + std::to_string(t.votes) +
                       " votes for " + t.candidate + ", but " + std::to_string(it->second) +
                       " were acknowledged before it began (a stale read)");
      return;
    }
  }
}

bool cluster::begins_epoch(const sim_node& n, const log_entry& e) const {
  const auto& core = n.core();
  const auto promised = core.promised();
  return core.role() != consensus::role::follower && core.epoch() == e.epoch &&
         promised.epoch == e.epoch && promised.to == n.id;
}

bool cluster::leads(const sim_node& n) const {
  return n.up() && n.began_epoch != 0 && n.role != consensus::role::follower &&
         n.core().epoch() == n.began_epoch;
}

std::optional<leader_view> cluster::leader_view_of(consensus::node_id id) const {
  const auto slot = slot_of(id);
  if (!slot || !leads(nodes_[*slot])) return std::nullopt;
  const auto& n = nodes_[*slot];
  return leader_view{n.core().epoch(), &n.log};
}

std::size_t cluster::durable_holders(const std::vector<consensus::member>& voters,
                                     std::uint64_t index, std::uint64_t epoch) const {
  std::size_t holders = 0;
  for (const auto& v : voters) {
    const auto slot = slot_of(v.id);
    if (!slot) continue;
    const auto& d = nodes_[*slot].storage;
    if (d.incarnation() == v.incarnation && d.holds(index, epoch)) ++holders;
  }
  return holders;
}

}  // namespace vote::sim
