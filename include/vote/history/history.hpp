// The client history of a run, and its checker (DESIGN.md §9 "History checking"; what exactly is
// checked is listed in docs/testing.md). One record for every test lab: the chaos tool and the
// cluster tests against real servers (vote_lab), and the deterministic simulator (vote_sim).
//
// Every client operation is recorded twice: when it is invoked (time, what) and when it
// completes (time, how). A vote completes ok (the cluster applied it), refused (it certainly did
// not change anything: a state-machine refusal, or a call that never handed its bytes to a
// server) or unknown (it may or may not have been applied). A retry with the same request_id is
// part of the same operation (the client library retries inside one call). A results read
// completes ok with the tallies it saw, or refused/unknown (then it says nothing).
//
// Times are microseconds of one clock since the history began, so "A completed before B was
// invoked" is comparable across client threads: the steady clock for real servers, the simulated
// clock in the simulator (recorder's `clock`).
//
// Threading: invoke() and complete() may be called from any thread; operations() returns a
// snapshot copy. check_history() is a pure function of its arguments. Pure: no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "vote/core/election.hpp"
#include "vote/core/error.hpp"

namespace vote::history {

enum class op_type : std::uint8_t { vote, read, register_election };
enum class completion : std::uint8_t { pending, ok, refused, unknown };
std::string_view to_string(completion c) noexcept;

using tally_map = std::map<std::string, std::uint64_t>;  // candidate -> votes

struct operation {
  std::uint64_t id = 0;
  std::size_t client = 0;
  op_type type = op_type::vote;
  std::string election_id;
  std::string voter;       // votes
  std::string candidate;   // votes
  std::string request_id;  // votes
  std::int64_t invoked_us = 0;
  std::int64_t completed_us = -1;  // -1 while pending
  completion status = completion::pending;
  errc code = errc::ok;    // refused / unknown: the reason
  tally_map tallies;       // ok reads: what the read returned
  std::uint64_t node = 0;  // the server the attempt went to, when one (the simulator)
  std::string detail;      // why refused / unknown, or the outcome message (traces)
};

class recorder {
 public:
  // `clock`: microseconds since the history began; empty: the steady clock since construction.
  explicit recorder(std::function<std::int64_t()> clock = {});
  std::int64_t now_us() const;
  // Records an invocation now; returns the operation's id. Thread-safe.
  std::uint64_t invoke(operation op);
  // Records the completion of `id` now, unless it has completed already (the first completion
  // wins). Thread-safe.
  void complete(std::uint64_t id, completion status, errc code = errc::ok, tally_map tallies = {},
                std::string detail = {});
  // The operation `id` as it stands now (a copy). Thread-safe.
  operation at(std::uint64_t id) const;
  // Adds an operation exactly as given (times included): for hand-written histories.
  void add(operation op);
  std::vector<operation> operations() const;
  std::size_t count(op_type type, completion status) const;

 private:
  std::function<std::int64_t()> clock_;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  std::vector<operation> ops_;
};

// One server's final view of the election, read locally from that server after the run.
struct server_state {
  std::uint64_t node_id = 0;
  election_result result;
};

// The outcome of one named check; `violations` describe the first offences (bounded).
struct check_result {
  std::string check;
  std::vector<std::string> violations;
  bool passed() const noexcept { return violations.empty(); }
};

// Names of the checks, in the order check_history() returns them.
inline constexpr const char* check_names[] = {
    "final_states_identical", "votes_cast_is_sum_of_tallies", "acknowledged_once",
    "every_ok_vote_counted",  "no_phantom_or_double_count",   "already_voted_justified",
    "reads_linearizable",
};

// Checks `ops` (votes and reads of `election_id`) against the final states of all servers.
// Every check named in check_names appears once in the result, passed or not.
std::vector<check_result> check_history(const std::vector<operation>& ops,
                                        const std::string& election_id,
                                        const std::vector<server_state>& finals);

bool all_passed(const std::vector<check_result>& checks) noexcept;

}  // namespace vote::history
