// Internal to vote_core: the snapshot codecs behind election_state::snapshot() and restore()
// (docs/state-machine.md "Snapshots"). Version 4 is binary (election_snapshot_binary.cpp); versions
// 1 to 3 are JSON (election_snapshot.cpp) and are still restored.
//
// The restores validate every byte as hostile: an election comes back only if every id, setting,
// vote and ballot passes the checks the commands that made it passed, and a closed election's
// stored result equals the recount. On false, `elections` may hold a part of the state: callers
// drop it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "election_impl.hpp"

namespace vote::detail {

using election_map = string_map<shared_election>;

std::string snapshot_binary(const election_map& elections, std::int64_t last_timestamp_ms);
bool restore_binary(std::string_view bytes, const limits& lim, election_map& elections,
                    std::int64_t& last_timestamp_ms);
// True when `bytes` start like a binary snapshot (not JSON).
bool is_binary_snapshot(std::string_view bytes) noexcept;

std::string snapshot_json(const election_map& elections, std::int64_t last_timestamp_ms);
bool restore_json(std::string_view bytes, const limits& lim, election_map& elections,
                  std::int64_t& last_timestamp_ms);

// The elections in id order: both formats write them so.
std::vector<const election_data*> sorted_by_id(const election_map& elections);

// A cast ballot from a snapshot passes the checks a vote's ballot passes.
bool valid_ballot(const election_data& e, const parsed_ballot& b);
// The stored result `j` of a closed election (null: open) must be the recount, closed, of `e`;
// then it is set.
bool restore_result(election_data& e, const nlohmann::json& j);

}  // namespace vote::detail
