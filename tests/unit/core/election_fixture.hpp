// Test fixture for the election state machine: helper verbs so that tests read like traces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vote/core/election.hpp"

namespace vote::test {

class election_fixture : public ::testing::Test {
 protected:
  outcome register_election(const std::string& id, std::vector<std::string> candidates,
                            std::vector<std::string> voters, tie_break rule = tie_break::none,
                            const std::string& request_id = "") {
    return submit(request_id, register_cmd{id, std::move(candidates), std::move(voters), rule});
  }
  outcome vote(const std::string& election_id, const std::string& voter,
               const std::string& candidate, const std::string& request_id = "") {
    return submit(request_id, vote_cmd{election_id, voter, candidate});
  }
  outcome close(const std::string& election_id, const std::string& request_id = "") {
    return submit(request_id, close_cmd{election_id});
  }
  // Registers "e1" with candidates A, B, C and voters v1..v5.
  void given_open_election(tie_break rule = tie_break::none) {
    ASSERT_TRUE(
        register_election("e1", {"A", "B", "C"}, {"v1", "v2", "v3", "v4", "v5"}, rule).ok());
  }
  std::uint64_t votes_for(const std::string& election_id, const std::string& candidate) const {
    const auto r = state_.result_of(election_id);
    if (!r) return 0;
    for (const tally& t : r->tallies) {
      if (t.candidate == candidate) return t.votes;
    }
    return 0;
  }

  outcome submit(const std::string& request_id, command_body body) {
    now_ms_ += 10;  // the leader's timestamps are monotonic
    return state_.apply(command{request_id, now_ms_, std::move(body)});
  }

  election_state state_;
  std::int64_t now_ms_ = 1'000;
};

}  // namespace vote::test
