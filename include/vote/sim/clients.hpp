// Simulated clients (DESIGN.md §5.5, §9): they register one election, then vote (each voter
// once, with one request_id reused on every retry and every leader) and now and then read the
// live results, always at the node they believe leads. Requests are the product's JSON requests,
// handed to the node machines as a client connection would. Every attempt goes into the history:
// invoke, then ok / refused / unknown. A refused attempt moves to the leader the node names (or a
// random node); an unknown one (timeout, leadership lost, crash) is retried later with the same
// request_id — so a vote that was in fact counted must come back as the original success, never
// as "already voted". Once every voter has voted, the writes are registrations of small probe
// elections, so the liveness checks always have writes to wait for.
//
// Request ids are chosen by clients, so the server may not trust them to be unique across
// voters: with `shared_request_ids` the votes of different voters reuse a few request ids (what
// a client with a poor random generator would do); a reply must still answer the proposal it was
// made for, matched by index and epoch, not by request id alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vote/history/history.hpp"
#include "vote/sim/cluster.hpp"
#include "vote/sim/rng.hpp"

namespace vote::sim {

struct client_config {
  std::size_t clients = 3;
  std::size_t voters = 300;  // authorized voters of the election (v0, v1, ...)
  std::vector<std::string> candidates{"A", "B", "C"};
  std::int64_t think_min_ms = 2;
  std::int64_t think_max_ms = 40;
  std::int64_t timeout_ms = 1200;  // no answer for this long: outcome unknown, retry
  double read_chance = 0.1;
  bool shared_request_ids = false;  // votes of different voters reuse request ids
  // A second election with a deadline at this simulated time (0: none), registered with
  // `voters` voters d0, d1, ... and voted in alongside the main one; the leader closes it when
  // the deadline passes, whatever leader changes, partitions and clock skews the run has.
  std::int64_t deadline_ms = 0;
};

// The simulated wall clock: unix ms at simulated time 0 (every server adds its own skew).
inline constexpr std::int64_t sim_unix_epoch_ms = 1'767'225'600'000;
// The id of the deadline election (client_config::deadline_ms).
inline constexpr const char* deadline_election = "d1";

class client_pool {
 public:
  client_pool(client_config cfg, std::string election_id, std::string admin_token);

  // Lets every client act whose next moment has come (at c.now()).
  void step(cluster& c, history::recorder& h, rng& random);
  // Stops starting new operations (attempts in flight still complete).
  void stop() noexcept { active_ = false; }
  bool registered() const noexcept { return registered_; }
  std::size_t voters_used() const noexcept { return next_voter_; }

 private:
  struct work {
    history::op_type type = history::op_type::vote;
    std::string election_id;
    std::string request_id;
    std::string voter;
    std::string candidate;
  };
  struct client {
    std::size_t index = 0;
    std::size_t target = 0;
    std::optional<std::uint64_t> op;  // the attempt in flight
    std::int64_t deadline_ms = 0;
    std::int64_t next_ms = 0;
    std::optional<work> job;  // the logical operation, kept across retries
  };

  void poll(client& cl, cluster& c, history::recorder& h, rng& random);
  void start(client& cl, cluster& c, history::recorder& h, rng& random);
  std::optional<work> next_job(const client& cl, rng& random);
  void retarget(client& cl, const cluster& c, rng& random, bool follow_hint);
  std::string payload(const work& w) const;

  client_config cfg_;
  std::string election_id_;
  std::string admin_token_;
  std::vector<client> clients_;
  bool active_ = true;
  bool registered_ = false;
  bool deadline_registered_ = false;
  std::size_t next_voter_ = 0;
  std::size_t next_deadline_voter_ = 0;
  std::size_t next_probe_ = 0;
};

}  // namespace vote::sim
