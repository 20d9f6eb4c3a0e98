#include "vote/sim/rules.hpp"

#include <variant>

namespace vote::sim {
namespace {

std::string pair_text(std::uint64_t a, std::uint64_t b) {
  return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
}

}  // namespace

void rule_checker::fail(consensus::node_id id, const std::string& what) {
  sink_.fail("node " + std::to_string(id) + ": " + what);
}

void rule_checker::sent(const consensus::envelope& e, std::uint64_t life, const disk& d,
                        std::optional<leader_view> to_leader) {
  if (const auto* p = std::get_if<consensus::promise>(&e.body)) {
    check_promise(e, *p, d);
  } else if (const auto* a = std::get_if<consensus::append_reply>(&e.body)) {
    if (a->ok) check_ack(e, *a, d, to_leader);
  } else if (const auto* m = std::get_if<consensus::fetch>(&e.body)) {
    auto& f = fetches_[{e.from, life, m->epoch}];
    f = fetching{e.to, false, f.failed};  // a failure in this epoch is never forgotten
  }
}

// The durable promise when a message of `epoch` to `to` leaves: (epoch, to) itself, or a higher
// one. A higher one means the message was made before that promise, in the same batch of inputs
// (a machine's pump gathers the inputs of one turn into one output, whose persist job holds only
// the newest promise): the message is stale but harmless, because the node durably refuses its
// epoch now. A lower one, or the same epoch promised to someone else, is a broken rule.
bool rule_checker::promise_covers(const consensus::envelope& e, std::uint64_t epoch,
                                  const disk& d, const char* rule, const char* what) {
  const auto& s = d.state();
  if (s.promised_epoch > epoch) return false;
  if (s.promised_epoch == epoch && s.promised_to == e.to) return true;
  fail(e.from, std::string(rule) + " sends " + what + " of epoch " + std::to_string(epoch) +
                   " to n" + std::to_string(e.to) + " while its durable promise is " +
                   pair_text(s.promised_epoch, s.promised_to));
  return false;
}

void rule_checker::check_promise(const consensus::envelope& e, const consensus::promise& m,
                                 const disk& d) {
  const auto [it, fresh] = promised_.try_emplace({e.from, e.from_incarnation, m.epoch}, e.to);
  if (!fresh && it->second != e.to) {
    fail(e.from, "(R1) promises epoch " + std::to_string(m.epoch) + " to n" + std::to_string(e.to) +
                     " after promising it to n" + std::to_string(it->second));
  }
  if (!promise_covers(e, m.epoch, d, "(R1)", "a promise")) return;
  // The promise describes durable entries only: its last entry is durable — or the log was
  // rewritten since, which only the candidate, leading that epoch, can have done (a later input of
  // the same batch, after the promise was made).
  const bool holds_last = m.last_log_index == 0 || d.holds(m.last_log_index, m.last_log_epoch);
  if (!holds_last && d.last_epoch() < m.epoch) {
    fail(e.from, "(R1) promise describes last entry " +
                     pair_text(m.last_log_index, m.last_log_epoch) +
                     ", which its durable log does not hold (it ends at " +
                     pair_text(d.last_index(), d.last_epoch()) + ")");
  }
}

void rule_checker::check_ack(const consensus::envelope& e, const consensus::append_reply& m,
                             const disk& d, std::optional<leader_view> to_leader) {
  if (!promise_covers(e, m.epoch, d, "(R2)", "an ok append_reply")) return;
  const auto& s = d.state();
  const auto mine = d.epoch_at(m.match_index);
  const bool compacted = s.snapshot && m.match_index < s.snapshot->last_index;
  if (!mine && !compacted) {
    fail(e.from, "(R2) acks match_index " + std::to_string(m.match_index) +
                     " beyond its durable log (last " + std::to_string(d.last_index()) + ")");
    return;
  }
  if (!mine || !to_leader || to_leader->epoch != m.epoch) return;
  const auto theirs = to_leader->log->epoch_at(m.match_index);
  if (theirs && *theirs != *mine) {
    fail(e.from, "(R2) acks match_index " + std::to_string(m.match_index) +
                     " holding an entry of epoch " + std::to_string(*mine) +
                     ", the leader's is of " + std::to_string(*theirs));
  }
}

void rule_checker::delivered(const consensus::envelope& e, std::uint64_t life) {
  if (const auto* p = std::get_if<consensus::promise>(&e.body)) {
    promises_[{e.to, life, p->epoch}].emplace(e.from, e.from_incarnation);
  } else if (const auto* m = std::get_if<consensus::fetch_reply>(&e.body)) {
    const auto it = fetches_.find({e.to, life, m->epoch});
    if (it == fetches_.end() || it->second.from != e.from) return;
    if (m->ok) {
      it->second.answered_ok = true;
    } else if (!it->second.answered_ok) {
      it->second.failed = true;
    }
  }
}

void rule_checker::began_epoch(consensus::node_id id, std::uint64_t life, std::uint64_t epoch,
                               const consensus::configuration& config) {
  const auto& got = promises_[{id, life, epoch}];
  std::size_t count = 0;
  for (const auto& v : config.voters) {
    if (v.id == id || got.contains({v.id, v.incarnation})) ++count;
  }
  if (count < config.quorum()) {
    fail(id, "(R4) begins epoch " + std::to_string(epoch) + " with promises from " +
                 std::to_string(count) + " of the " + std::to_string(config.voters.size()) +
                 " voters of its configuration");
  }
  const auto f = fetches_.find({id, life, epoch});
  if (f != fetches_.end() && f->second.failed) {
    fail(id, "(R5) begins epoch " + std::to_string(epoch) +
                 " although a fetch of that epoch failed (it must abandon the epoch)");
  }
}

void rule_checker::leader_committed(consensus::node_id id, std::uint64_t epoch,
                                    const log_entry& last) {
  if (last.epoch != epoch) {
    fail(id, "(R3) the leader of epoch " + std::to_string(epoch) + " commits up to " +
                 pair_text(last.index, last.epoch) + ", an entry of an earlier epoch");
  }
}

}  // namespace vote::sim
