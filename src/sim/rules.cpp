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
                        std::optional<leader_view> to_leader,
                        const consensus::leader_info& sender_follows,
                        std::optional<consensus::promise_record> made_under) {
  if (const auto* p = std::get_if<consensus::promise>(&e.body)) {
    check_promise(e, *p, d, sender_follows.id == e.to && sender_follows.epoch == p->epoch,
                  made_under);
  } else if (const auto* a = std::get_if<consensus::append_reply>(&e.body)) {
    if (a->ok) check_ack(e, *a, d, to_leader, made_under);
  } else if (const auto* m = std::get_if<consensus::fetch>(&e.body)) {
    auto& f = fetches_[{e.from, life, m->epoch}];
    f = fetching{e.to, false, f.failed};  // a failure in this epoch is never forgotten
  }
}

// The durable promise when a message of `epoch` to `to` leaves: (epoch, to) itself, or a higher
// one made later in the turn that made the message (rules.hpp). Returns whether the message's
// content is to be checked against the durable state (false: stale but allowed, or failed).
bool rule_checker::promise_covers(const consensus::envelope& e, std::uint64_t epoch, const disk& d,
                                  const std::optional<consensus::promise_record>& made_under,
                                  const std::string& what) {
  const auto& s = d.state();
  const auto& p = s.promise;
  const auto began = made_under ? made_under->epoch : p.epoch;
  if (p.epoch > epoch && began <= epoch) return false;
  if (p.epoch == epoch && p.to == e.to) return true;
  fail(e.from, what + " while its durable promise is " + pair_text(p.epoch, p.to) +
                   (p.epoch > epoch ? " (made after that promise)" : ""));
  return false;
}

void rule_checker::check_promise(const consensus::envelope& e, const consensus::promise& m,
                                 const disk& d, bool follows_recipient,
                                 const std::optional<consensus::promise_record>& made_under) {
  const auto [it, fresh] = promised_.try_emplace({e.from, e.from_incarnation, m.epoch}, e.to);
  if (!fresh && it->second != e.to) {
    fail(e.from, "(R1) promises epoch " + std::to_string(m.epoch) + " to n" + std::to_string(e.to) +
                     " after promising it to n" + std::to_string(it->second));
  }
  if (!promise_covers(
          e, m.epoch, d, made_under,
          "(R1) sends promise{e=" + std::to_string(m.epoch) + "} to n" + std::to_string(e.to))) {
    return;
  }
  // The promise describes durable entries only: its last entry is durable — unless the sender
  // follows the candidate as leader of that epoch already: then the candidate's appends or
  // snapshot (a later input of the same turn) may have rewritten the log since.
  if (follows_recipient) return;
  if (m.last_log_index != 0 && !d.holds(m.last_log_index, m.last_log_epoch)) {
    fail(e.from, "(R1) promise describes last entry " +
                     pair_text(m.last_log_index, m.last_log_epoch) +
                     ", which its durable log does not hold (it ends at " +
                     pair_text(d.last_index(), d.last_epoch()) + ")");
  }
}

void rule_checker::check_ack(const consensus::envelope& e, const consensus::append_reply& m,
                             const disk& d, std::optional<leader_view> to_leader,
                             const std::optional<consensus::promise_record>& made_under) {
  if (!promise_covers(e, m.epoch, d, made_under,
                      "(R2) acks an append of epoch " + std::to_string(m.epoch) + " from n" +
                          std::to_string(e.to))) {
    return;
  }
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
