#include "vote/sim/invariants.hpp"

#include <variant>

namespace vote::sim {
namespace {

std::string at(std::uint64_t index, std::uint64_t epoch) {
  return "(" + std::to_string(index) + ", " + std::to_string(epoch) + ")";
}

std::string node_name(std::uint64_t node) {
  return "node " + std::to_string(node);
}

}  // namespace

void invariant_checker::fail(const std::string& what) {
  violations_.push_back("t=" + std::to_string(now_ms_) + "ms: " + what);
}

std::uint64_t invariant_checker::highest_committed() const {
  return committed_.empty() ? 0 : committed_.rbegin()->first;
}

bool invariant_checker::is_committed(std::uint64_t index, std::uint64_t epoch) const {
  const auto it = committed_.find(index);
  return it != committed_.end() && it->second.epoch == epoch;
}

void invariant_checker::leader_elected(std::uint64_t node, std::uint64_t epoch,
                                       const log_model& log) {
  const auto [it, fresh] = leader_of_epoch_.emplace(epoch, node);
  if (!fresh && it->second != node) {
    fail("(1) election safety: " + node_name(it->second) + " and " + node_name(node) +
         " both lead epoch " + std::to_string(epoch));
    return;
  }
  if (!fresh) return;  // checked when it began the epoch
  leader_log record{node, log.base_index(), {}};
  for (const auto& e : log.entries()) record.epochs.push_back(e.epoch);
  for (const auto& [index, c] : committed_) {
    if (c.commit_epoch < epoch && !holds(record, index, c.epoch)) {
      fail("(3) leader completeness: " + node_name(node) + " leads epoch " + std::to_string(epoch) +
           " without committed entry " + at(index, c.epoch));
    }
  }
  leader_logs_.try_emplace(epoch, std::move(record));  // the log it began the epoch with
}

bool invariant_checker::holds(const leader_log& log, std::uint64_t index,
                              std::uint64_t epoch) const {
  if (index <= log.base_index) return true;  // in its snapshot: a committed prefix
  const auto k = index - log.base_index - 1;
  return k < log.epochs.size() && log.epochs[k] == epoch;
}

void invariant_checker::appended(std::uint64_t node, const log_entry& e,
                                 std::optional<std::uint64_t> prev_epoch) {
  const auto digest = entry_digest(e);
  const auto [it, fresh] = shapes_.try_emplace({e.index, e.epoch}, shape{digest, prev_epoch});
  if (fresh) return;
  auto& known = it->second;
  if (known.digest != digest) {
    fail("(2) log matching: " + node_name(node) + " appended a different entry at " +
         at(e.index, e.epoch));
  } else if (known.prev_epoch && prev_epoch && *known.prev_epoch != *prev_epoch) {
    fail("(2) log matching: " + node_name(node) + " holds " + at(e.index, e.epoch) +
         " after an entry of epoch " + std::to_string(*prev_epoch) + ", another node after " +
         std::to_string(*known.prev_epoch));
  } else if (!known.prev_epoch) {
    known.prev_epoch = prev_epoch;
  }
}

void invariant_checker::committed(std::uint64_t node, std::uint64_t node_epoch,
                                  const log_entry& e) {
  const committed_entry entry{e.epoch, entry_digest(e), node_epoch};
  const auto [it, fresh] = committed_.try_emplace(e.index, entry);
  if (!fresh) {
    if (it->second.epoch != e.epoch || it->second.digest != entry.digest) {
      fail("(4) state machine safety: index " + std::to_string(e.index) + " committed as " +
           at(e.index, it->second.epoch) + " and by " + node_name(node) + " as " +
           at(e.index, e.epoch));
    }
    return;
  }
  check_completeness(e.index, entry);
}

void invariant_checker::commit_durable(std::uint64_t node, const log_entry& e, std::size_t holders,
                                       std::size_t voters) {
  if (holders < voters / 2 + 1) {
    fail("(3) commit: leader " + node_name(node) + " commits " + at(e.index, e.epoch) +
         " stored durably on only " + std::to_string(holders) + " of " + std::to_string(voters) +
         " voters");
  }
}

void invariant_checker::check_completeness(std::uint64_t index, const committed_entry& c) {
  for (auto it = leader_logs_.upper_bound(c.commit_epoch); it != leader_logs_.end(); ++it) {
    if (!holds(it->second, index, c.epoch)) {
      fail("(3) leader completeness: entry " + at(index, c.epoch) + " committed in epoch " +
           std::to_string(c.commit_epoch) + " is not in the log of " + node_name(it->second.node) +
           ", leader of epoch " + std::to_string(it->first));
    }
  }
}

void invariant_checker::snapshot_committed(std::uint64_t node, std::uint64_t index,
                                           std::uint64_t epoch) {
  if (index == 0) return;
  const auto it = committed_.find(index);
  if (it != committed_.end() && it->second.epoch != epoch) {
    fail("(4) state machine safety: " + node_name(node) + " holds a snapshot up to " +
         at(index, epoch) + " but that index was committed as " + at(index, it->second.epoch));
  }
}

void invariant_checker::applied(std::uint64_t node, const log_entry& e,
                                std::uint64_t expected_index) {
  if (e.index != expected_index) {
    fail("(4) state machine safety: " + node_name(node) + " applied index " +
         std::to_string(e.index) + " when " + std::to_string(expected_index) + " was next");
  }
  const auto it = committed_.find(e.index);
  if (it == committed_.end()) {
    fail("(4) state machine safety: " + node_name(node) + " applied " + at(e.index, e.epoch) +
         " which no node reported committed");
  } else if (it->second.epoch != e.epoch || it->second.digest != entry_digest(e)) {
    fail("(4) state machine safety: " + node_name(node) + " applied " + at(e.index, e.epoch) +
         " but the committed entry there is " + at(e.index, it->second.epoch));
  }
}

void invariant_checker::check_tallies(std::uint64_t node, const election_state& state,
                                      const std::string& election_id, const vote_table& counted) {
  const auto result = state.result_of(election_id);
  if (!result) {
    if (!counted.empty()) fail("(5) tallies: " + node_name(node) + " lost election " + election_id);
    return;
  }
  std::map<std::string, std::uint64_t> expected;
  for (const auto& [voter, vote] : counted) ++expected[vote.candidate];
  std::uint64_t sum = 0;
  for (const auto& t : result->tallies) {
    sum += t.votes;
    const auto it = expected.find(t.candidate);
    const std::uint64_t want = it == expected.end() ? 0 : it->second;
    if (t.votes != want) {
      fail("(5) tallies: " + node_name(node) + " counts " + std::to_string(t.votes) + " for " +
           t.candidate + ", accepted votes say " + std::to_string(want));
    }
  }
  if (sum != counted.size() || result->votes_cast != counted.size()) {
    fail("(5) tallies: " + node_name(node) + " has " + std::to_string(sum) +
         " votes in its tallies, " + std::to_string(counted.size()) + " accepted votes");
  }
}

}  // namespace vote::sim
