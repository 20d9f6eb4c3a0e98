// Large election states for benchmarks, and the restart bench (issue 12, requirement 5;
// docs/operations.md "Performance").
//
// synthetic_state: elections of `voters` voters each ("voter-<n>"), built through
// election_state::apply() as the log would build them: registrations in chunks, then one vote per
// voter with a client nonce and a CLI-like request id. Used by vote-state-bench (heap, snapshot
// and restore times) and by the restart bench.
//
// run_restart_bench: three servers on loopback (vote::test::cluster, --host 127.0.0.1); once they
// have formed, they are stopped, each server's latest snapshot (an empty election state) is
// replaced by one holding the synthetic state at the same index, epoch and configuration, and the
// three are started together. Measured: the time from their spawn until a `vote` call (the
// client library with the CLI's defaults, discovery by broadcast on loopback) is acknowledged,
// and each server's resident memory then. Building tens of millions of votes through the
// protocol would take the better part of an hour; the snapshot is what a server restores them
// from either way.
//
// Threading: one thread; the bench owns its cluster.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "vote/core/election.hpp"

namespace vote::lab {

struct synthetic_state {
  election_state state{limits{}};
  std::size_t id_bytes = 0;  // bytes of the voter ids and request ids the state holds
  std::uint64_t votes = 0;
};

// `elections` elections "election-<k>" of `voters` voters each; every voter votes except, when
// `one_left`, the last voter of election-0 (so that a vote can still be cast). Every command gets
// `timestamp_ms`. Throws std::runtime_error if a command is refused.
synthetic_state make_synthetic_state(std::uint32_t elections, std::uint32_t voters,
                                     std::uint32_t chunk, std::int64_t timestamp_ms,
                                     bool one_left = false);

struct restart_options {
  std::uint32_t elections = 10;
  std::uint32_t voters = 1'000'000;  // per election
  // Write the state as the version-3 JSON of releases before issue 12, so that their servers
  // (--bin-dir) can be measured on the same state: a before/after pair.
  bool json_v3 = false;
};

struct restart_result {
  std::uint64_t votes = 0;
  double build_ms = 0;               // building the state (not part of the restart)
  std::uint64_t snapshot_bytes = 0;  // the state's part of each server's snapshot file
  double first_vote_ms = 0;          // spawn of the three servers -> the first acknowledged vote
  std::vector<std::uint64_t> rss_bytes;  // each server's resident memory after that vote
};

restart_result run_restart_bench(const restart_options& o, std::ostream& progress);
void print_restart(const restart_result& r, std::ostream& out);
nlohmann::json to_json(const restart_result& r);

}  // namespace vote::lab
