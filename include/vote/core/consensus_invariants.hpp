// Per-node invariants of one consensus core (DESIGN.md §5.6), as an executable checker
// (STYLE.md 8; LogCabin's RaftConsensusInvariants). The simulator calls it after every step and
// adds the cross-node checks (one leader per epoch, log matching across nodes, leader
// completeness, state machine safety).
// Pure: reads the core through its public accessors only.
#pragma once

#include <string>
#include <vector>

#include "vote/core/consensus.hpp"

namespace vote::consensus {

// Every violated invariant as one human-readable line; empty when all hold:
//   - snapshot last_index <= commit_index <= last_index;
//   - the log is dense from first_index() and its epochs are non-decreasing, none above the
//     promised epoch;
//   - a candidate or leader leads only the epoch it promised itself (promised == {epoch, id});
//   - a leader's configuration lists it (or it is stepping down after its own removal);
//   - the configuration is the latest config entry in the log, else the snapshot's.
std::vector<std::string> check_invariants(const core& c);

}  // namespace vote::consensus
