// Client histories and their checker (include/vote/history/history.hpp, docs/testing.md).
#include "vote/history/history.hpp"

#include <algorithm>
#include <limits>
#include <set>

namespace vote::history {
namespace {

constexpr std::size_t max_reported = 10;

// Collects the violations of one check, keeping the first few and counting the rest.
class verdict {
 public:
  explicit verdict(std::string check) { r_.check = std::move(check); }
  void fail(std::string what) {
    if (r_.violations.size() < max_reported) r_.violations.push_back(std::move(what));
    ++total_;
  }
  check_result done() && {
    if (total_ > max_reported)
      r_.violations.push_back("... and " + std::to_string(total_ - max_reported) + " more");
    return std::move(r_);
  }

 private:
  check_result r_;
  std::size_t total_ = 0;
};

tally_map tallies_of(const election_result& r) {
  tally_map m;
  for (const auto& t : r.tallies) m[t.candidate] = t.votes;
  return m;
}

std::string node_name(const server_state& s) {
  return "node " + std::to_string(s.node_id);
}

// A vote that may have been applied: acknowledged, or without a definite answer.
bool may_apply(const operation& op) {
  return op.status == completion::ok || op.status == completion::unknown ||
         op.status == completion::pending;
}

// The votes of one election, indexed for the checks.
struct vote_index {
  std::map<std::string, std::vector<const operation*>> by_voter;  // in invocation order
  std::map<std::string, std::string> counted_for;  // voter -> candidate of its first ok vote
  std::set<std::string> candidates;                // named by any vote

  explicit vote_index(const std::vector<const operation*>& votes) {
    for (const auto* op : votes) {
      by_voter[op->voter].push_back(op);
      candidates.insert(op->candidate);
    }
    for (auto& [voter, ops] : by_voter) {
      std::sort(ops.begin(), ops.end(),
                [](auto* a, auto* b) { return a->invoked_us < b->invoked_us; });
      for (const auto* op : ops) {
        if (op->status == completion::ok) {
          counted_for.emplace(voter, op->candidate);
          break;
        }
      }
    }
  }

  std::map<std::string, std::uint64_t> acknowledged_per_candidate() const {
    std::map<std::string, std::uint64_t> n;
    for (const auto& [voter, candidate] : counted_for) ++n[candidate];
    return n;
  }
};

// Assigns each counted-but-unacknowledged vote of one server to a distinct voter that has no
// acknowledged vote and a possibly-applied vote for that candidate (bipartite matching, Kuhn's
// augmenting paths, candidates with capacities). Voters in `must` are tried first, so the
// matching covers as many of them as any maximum matching can.
class count_matching {
 public:
  count_matching(const vote_index& idx, const std::map<std::string, std::uint64_t>& surplus)
      : capacity_(surplus) {
    for (const auto& [voter, ops] : idx.by_voter) {
      if (idx.counted_for.contains(voter)) continue;
      std::set<std::string> options;
      for (const auto* op : ops) {
        if (may_apply(*op)) options.insert(op->candidate);
      }
      if (!options.empty()) options_[voter].assign(options.begin(), options.end());
    }
  }

  // Returns the voters of `must` left unmatched.
  std::vector<std::string> run(const std::set<std::string>& must) {
    std::vector<std::string> unmatched_must;
    for (const auto& voter : must) {
      visited_.clear();
      if (!options_.contains(voter) || !augment(voter)) unmatched_must.push_back(voter);
    }
    for (const auto& [voter, opts] : options_) {
      if (must.contains(voter)) continue;
      visited_.clear();
      augment(voter);
    }
    return unmatched_must;
  }

  // Candidates whose counted surplus found no voter: (candidate, unfilled, filled).
  std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> unfilled() const {
    std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> out;
    for (const auto& [c, cap] : capacity_) {
      const auto it = assigned_.find(c);
      const std::uint64_t got = it == assigned_.end() ? 0 : it->second.size();
      if (got < cap) out.emplace_back(c, cap - got, got);
    }
    return out;
  }

 private:
  bool augment(const std::string& voter) {
    for (const auto& c : options_[voter]) {
      if (visited_.contains(c)) continue;
      visited_.insert(c);
      auto& slots = assigned_[c];
      if (slots.size() < capacity_[c]) {
        slots.insert(voter);
        return true;
      }
      for (const auto& other : std::vector<std::string>(slots.begin(), slots.end())) {
        if (augment(other)) {
          slots.erase(other);
          slots.insert(voter);
          return true;
        }
      }
    }
    return false;
  }

  std::map<std::string, std::uint64_t> capacity_;
  std::map<std::string, std::vector<std::string>> options_;
  std::map<std::string, std::set<std::string>> assigned_;
  std::set<std::string> visited_;
};

check_result check_identical(const std::vector<server_state>& finals) {
  verdict v("final_states_identical");
  if (finals.empty()) v.fail("no server's final state was read");
  for (const auto& s : finals) {
    if (!(s.result == finals.front().result)) {
      v.fail(node_name(s) + " differs from " + node_name(finals.front()) + " (votes_cast " +
             std::to_string(s.result.votes_cast) + " vs " +
             std::to_string(finals.front().result.votes_cast) + ")");
    }
  }
  return std::move(v).done();
}

check_result check_votes_cast(const std::vector<server_state>& finals) {
  verdict v("votes_cast_is_sum_of_tallies");
  for (const auto& s : finals) {
    std::uint64_t sum = 0;
    for (const auto& t : s.result.tallies) sum += t.votes;
    if (sum != s.result.votes_cast)
      v.fail(node_name(s) + ": votes_cast " + std::to_string(s.result.votes_cast) +
             " but the tallies sum to " + std::to_string(sum));
  }
  return std::move(v).done();
}

check_result check_acknowledged_once(const vote_index& idx) {
  verdict v("acknowledged_once");
  for (const auto& [voter, ops] : idx.by_voter) {
    const operation* first = nullptr;
    for (const auto* op : ops) {
      if (op->status != completion::ok) continue;
      if (!first) {
        first = op;
      } else if (op->request_id != first->request_id) {
        v.fail("voter " + voter + " acknowledged twice: request " + first->request_id + " (" +
               first->candidate + ") and request " + op->request_id + " (" + op->candidate + ")");
      }
    }
  }
  return std::move(v).done();
}

check_result check_ok_counted(const vote_index& idx, const std::vector<server_state>& finals) {
  verdict v("every_ok_vote_counted");
  const auto acked = idx.acknowledged_per_candidate();
  for (const auto& s : finals) {
    const auto counted = tallies_of(s.result);
    for (const auto& [candidate, n] : acked) {
      const auto it = counted.find(candidate);
      const std::uint64_t got = it == counted.end() ? 0 : it->second;
      if (got < n)
        v.fail(node_name(s) + ": " + candidate + " has " + std::to_string(n) +
               " acknowledged votes but a tally of " + std::to_string(got));
    }
  }
  return std::move(v).done();
}

// Checks 5 and 6 share one matching per server.
void check_counts(const vote_index& idx, const std::vector<server_state>& finals,
                  const std::set<std::string>& refused_already, verdict& phantom,
                  verdict& already) {
  const auto acked = idx.acknowledged_per_candidate();
  std::set<std::string> must;  // refused already_voted, no acknowledged vote: must be counted
  for (const auto& voter : refused_already) {
    if (!idx.counted_for.contains(voter)) must.insert(voter);
  }
  for (const auto& s : finals) {
    std::map<std::string, std::uint64_t> surplus;
    for (const auto& t : s.result.tallies) {
      const auto it = acked.find(t.candidate);
      const std::uint64_t base = it == acked.end() ? 0 : it->second;
      if (t.votes > base) surplus[t.candidate] = t.votes - base;
    }
    count_matching m(idx, surplus);
    for (const auto& voter : m.run(must)) {
      already.fail(node_name(s) + ": voter " + voter +
                   " was refused as already_voted, but no vote of it is counted");
    }
    for (const auto& [c, missing, found] : m.unfilled()) {
      phantom.fail(node_name(s) + ": " + c + " counts " + std::to_string(missing) +
                   " votes more than its acknowledged votes plus the " + std::to_string(found) +
                   " possibly-applied votes of voters not counted elsewhere");
    }
  }
}

void check_already_voted_had_cause(const vote_index& idx, verdict& already,
                                   std::set<std::string>& refused_already) {
  for (const auto& [voter, ops] : idx.by_voter) {
    for (const auto* op : ops) {
      if (op->status != completion::refused || op->code != errc::already_voted) continue;
      refused_already.insert(voter);
      const bool cause = std::any_of(ops.begin(), ops.end(), [&](const operation* other) {
        return other->request_id != op->request_id && may_apply(*other) &&
               other->invoked_us < op->completed_us;
      });
      if (!cause)
        already.fail("voter " + voter + " refused as already_voted (request " + op->request_id +
                     ") with no other possibly-applied vote invoked before that refusal");
    }
  }
}

// Sorted times per candidate, one per voter: earliest ok completion / earliest possible invoke.
struct read_bounds {
  std::map<std::string, std::vector<std::int64_t>> acked_done, possible_invoked;

  explicit read_bounds(const vote_index& idx) {
    for (const auto& [voter, ops] : idx.by_voter) {
      std::map<std::string, std::int64_t> done, invoked;
      for (const auto* op : ops) {
        if (op->status == completion::ok) {
          auto [it, fresh] = done.emplace(op->candidate, op->completed_us);
          if (!fresh) it->second = std::min(it->second, op->completed_us);
        }
        if (may_apply(*op)) invoked.emplace(op->candidate, op->invoked_us);  // sorted ops
      }
      for (const auto& [c, t] : done) acked_done[c].push_back(t);
      for (const auto& [c, t] : invoked) possible_invoked[c].push_back(t);
    }
    for (auto& [c, ts] : acked_done) std::sort(ts.begin(), ts.end());
    for (auto& [c, ts] : possible_invoked) std::sort(ts.begin(), ts.end());
  }

  static std::uint64_t before(const std::map<std::string, std::vector<std::int64_t>>& m,
                              const std::string& c, std::int64_t t) {
    const auto it = m.find(c);
    if (it == m.end()) return 0;
    return static_cast<std::uint64_t>(std::lower_bound(it->second.begin(), it->second.end(), t) -
                                      it->second.begin());
  }
};

std::string read_name(const operation& r) {
  return "read " + std::to_string(r.id) + " [" + std::to_string(r.invoked_us) + "us, " +
         std::to_string(r.completed_us) + "us]";
}

check_result check_reads(const vote_index& idx, std::vector<const operation*> reads,
                         const std::vector<server_state>& finals) {
  verdict v("reads_linearizable");
  const read_bounds bounds(idx);
  for (const auto* r : reads) {
    for (const auto& [c, n] : r->tallies) {
      const auto lo = read_bounds::before(bounds.acked_done, c, r->invoked_us);
      const auto hi = read_bounds::before(bounds.possible_invoked, c, r->completed_us);
      if (n < lo)
        v.fail(read_name(*r) + ": " + c + " = " + std::to_string(n) + " but " + std::to_string(lo) +
               " votes for it were acknowledged before the read began");
      if (n > hi)
        v.fail(read_name(*r) + ": " + c + " = " + std::to_string(n) + " but only " +
               std::to_string(hi) + " possibly-applied votes for it began before it ended");
    }
  }
  // Monotonic: a read that began after another ended sees at least what that one saw.
  auto by_done = reads;
  std::sort(by_done.begin(), by_done.end(),
            [](auto* a, auto* b) { return a->completed_us < b->completed_us; });
  std::sort(reads.begin(), reads.end(),
            [](auto* a, auto* b) { return a->invoked_us < b->invoked_us; });
  std::map<std::string, std::pair<std::uint64_t, const operation*>> seen;  // max so far
  std::size_t next = 0;
  const auto absorb_until = [&](std::int64_t t) {
    for (; next < by_done.size() && by_done[next]->completed_us < t; ++next) {
      for (const auto& [c, n] : by_done[next]->tallies) {
        auto& best = seen[c];
        if (n > best.first || !best.second) best = {n, by_done[next]};
      }
    }
  };
  for (const auto* r : reads) {
    absorb_until(r->invoked_us);
    for (const auto& [c, best] : seen) {
      const auto it = r->tallies.find(c);
      const std::uint64_t n = it == r->tallies.end() ? 0 : it->second;
      if (n < best.first)
        v.fail(read_name(*r) + ": " + c + " = " + std::to_string(n) + " went back from " +
               std::to_string(best.first) + " seen by the earlier " + read_name(*best.second));
    }
  }
  absorb_until(std::numeric_limits<std::int64_t>::max());
  for (const auto& s : finals) {  // final states are read after every operation ended
    const auto counted = tallies_of(s.result);
    for (const auto& [c, best] : seen) {
      const auto it = counted.find(c);
      const std::uint64_t n = it == counted.end() ? 0 : it->second;
      if (n < best.first)
        v.fail(node_name(s) + ": final " + c + " = " + std::to_string(n) + " is below " +
               std::to_string(best.first) + " seen by " + read_name(*best.second));
    }
  }
  return std::move(v).done();
}

}  // namespace

std::string_view to_string(completion c) noexcept {
  switch (c) {
    case completion::pending:
      return "pending";
    case completion::ok:
      return "ok";
    case completion::refused:
      return "refused";
    case completion::unknown:
      return "unknown";
  }
  return "pending";
}

recorder::recorder(std::function<std::int64_t()> clock)
    : clock_(std::move(clock)), start_(std::chrono::steady_clock::now()) {}

std::int64_t recorder::now_us() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start_)
      .count();
}

std::uint64_t recorder::invoke(operation op) {
  std::lock_guard lock(mutex_);
  op.id = ops_.size();
  op.invoked_us = now_us();
  op.completed_us = -1;
  op.status = completion::pending;
  ops_.push_back(std::move(op));
  return ops_.back().id;
}

void recorder::complete(std::uint64_t id, completion status, errc code, tally_map tallies,
                        std::string detail) {
  std::lock_guard lock(mutex_);
  auto& op = ops_.at(id);
  if (op.status != completion::pending) return;
  op.completed_us = now_us();
  op.status = status;
  op.code = code;
  op.tallies = std::move(tallies);
  op.detail = std::move(detail);
}

operation recorder::at(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  return ops_.at(id);
}

void recorder::add(operation op) {
  std::lock_guard lock(mutex_);
  op.id = ops_.size();
  ops_.push_back(std::move(op));
}

std::vector<operation> recorder::operations() const {
  std::lock_guard lock(mutex_);
  return ops_;
}

std::size_t recorder::count(op_type type, completion status) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(ops_.begin(), ops_.end(), [&](const auto& op) {
    return op.type == type && op.status == status;
  }));
}

std::vector<check_result> check_history(const std::vector<operation>& ops,
                                        const std::string& election_id,
                                        const std::vector<server_state>& finals) {
  std::vector<const operation*> votes, reads;
  for (const auto& op : ops) {
    if (op.election_id != election_id) continue;
    if (op.type == op_type::vote) votes.push_back(&op);
    if (op.type == op_type::read && op.status == completion::ok) reads.push_back(&op);
  }
  const vote_index idx(votes);
  std::vector<check_result> out;
  out.push_back(check_identical(finals));
  out.push_back(check_votes_cast(finals));
  out.push_back(check_acknowledged_once(idx));
  out.push_back(check_ok_counted(idx, finals));
  verdict phantom("no_phantom_or_double_count"), already("already_voted_justified");
  std::set<std::string> refused_already;
  check_already_voted_had_cause(idx, already, refused_already);
  check_counts(idx, finals, refused_already, phantom, already);
  out.push_back(std::move(phantom).done());
  out.push_back(std::move(already).done());
  out.push_back(check_reads(idx, std::move(reads), finals));
  return out;
}

bool all_passed(const std::vector<check_result>& checks) noexcept {
  return std::all_of(checks.begin(), checks.end(), [](const auto& c) { return c.passed(); });
}

}  // namespace vote::history
