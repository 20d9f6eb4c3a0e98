// Internal to the node machine: the encoded client replies and the wording shared by its files.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include "vote/core/consensus_config.hpp"
#include "vote/core/election.hpp"
#include "vote/node/machine/machine.hpp"
#include "vote/wire/messages.hpp"

namespace vote::node {

// Peers not heard for this many hello intervals count as silent (and stale for bootstrap).
inline constexpr int silent_after_hellos = 3;

inline std::string encode_outcome(std::string request_id, const outcome& o) {
  wire::client_response r;
  r.request_id = std::move(request_id);
  r.code = o.code;
  r.message = o.message;
  r.result = o.result;
  r.tracker = o.tracker;
  return wire::encode_response(r);
}

inline std::string encode_error(std::string request_id, errc code, std::string message,
                                std::string leader_endpoint = {}) {
  wire::client_response r;
  r.request_id = std::move(request_id);
  r.code = code;
  r.message = std::move(message);
  if (!leader_endpoint.empty()) r.leader_endpoint = std::move(leader_endpoint);
  return wire::encode_response(r);
}

// A proposal whose fate this server cannot know (leadership changed before it committed, a
// snapshot covered it, the server stopped).
inline std::string unknown_outcome(std::string request_id) {
  return encode_error(std::move(request_id), errc::no_quorum,
                      "Error: leadership changed before the request was committed; the outcome "
                      "is unknown. Retry: the same request is applied at most once.");
}

// A read whose leadership changed before it could be answered.
inline std::string read_lost(std::string request_id) {
  return encode_error(std::move(request_id), errc::unavailable,
                      "Error: leadership changed during the read; retry.");
}

// The answer to a results read from `state` (the applied state).
inline std::string results_reply(const election_state& state, std::string request_id,
                                 const std::string& election_id) {
  auto result = state.published_result_of(election_id);
  if (!result) {
    return encode_error(std::move(request_id), errc::unknown_election,
                        "Error: Election id " + election_id + " unknown");
  }
  return encode_outcome(
      std::move(request_id),
      outcome{errc::ok, "Results of election " + election_id + ".", std::move(result)});
}

// The answer to an elections read: one summary per election, sorted by id.
inline std::string elections_reply(const election_state& state, std::string request_id,
                                   std::int64_t now_ms) {
  wire::client_response r;
  r.request_id = std::move(request_id);
  r.elections = state.summaries(now_ms);
  const std::size_t n = r.elections->size();
  r.message = std::to_string(n) + (n == 1 ? " election." : " elections.");
  return wire::encode_response(r);
}

// The answer to the public election read: one election's candidates, settings and turnout.
inline std::string election_reply(const election_state& state, std::string request_id,
                                  const std::string& election_id, std::int64_t now_ms) {
  auto info = state.info_of(election_id, now_ms);
  if (!info) {
    return encode_error(std::move(request_id), errc::unknown_election,
                        "Error: Election id " + election_id + " unknown");
  }
  wire::client_response r;
  r.request_id = std::move(request_id);
  r.message = "Election " + election_id + ".";
  r.election = std::move(*info);
  return wire::encode_response(r);
}

// The answer to a read of `type` (results, elections or election) from the applied state.
inline std::string read_reply(const election_state& state, wire::request_type type,
                              std::string request_id, const std::string& election_id,
                              std::int64_t now_ms) {
  switch (type) {
    case wire::request_type::elections:
      return elections_reply(state, std::move(request_id), now_ms);
    case wire::request_type::election:
      return election_reply(state, std::move(request_id), election_id, now_ms);
    default:
      return results_reply(state, std::move(request_id), election_id);
  }
}

inline std::string describe_members(const consensus::configuration& c) {
  std::string s = "[";
  for (const auto& m : c.voters) s += (s.size() > 1 ? " " : "") + std::to_string(m.id);
  for (const auto& m : c.learners)
    s += (s.size() > 1 ? " " : "") + std::to_string(m.id) + "(learner)";
  return s + "]";
}

// Runs `f` on hostile input; an exception is noted and reported as false, never let out to stop
// the server.
template <class F>
bool node_machine::survive(const std::string& what, F&& f) {
  try {
    f();
    return true;
  } catch (const std::exception& e) {
    note(note_level::error, "dropped " + what + ": " + e.what());
    return false;
  }
}

}  // namespace vote::node
