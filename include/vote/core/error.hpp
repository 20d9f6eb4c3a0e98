// Error codes: the one mechanism for *expected* outcomes (STYLE.md 11).
//
// Every refusal a client can see is one of these values. The snake_case name returned by
// to_string() is the `code` field of a wire error and is part of the protocol: never rename one.
// I/O failures stay std::error_code at the adapter edge; corruption and broken invariants abort.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vote {

enum class errc : std::uint8_t {
  ok = 0,
  // Request shape (client's fault; nothing changed).
  bad_request,  // malformed JSON, wrong types, missing or unknown fields
  too_large,    // a frame, list or string over its limit
  unsupported,  // unknown request type or protocol version
  // Authorization.
  unauthorized,  // admin operation without a valid admin token / not from the server host
  // Election state machine (DESIGN.md §6, wording from SEED.md).
  election_exists,
  unknown_election,
  election_closed,
  voter_not_authorized,
  invalid_candidate,
  already_voted,
  invalid_election,  // empty or duplicate candidates/voters, bad ids
  election_open,     // the record of an election that has not closed yet
  not_open,          // a vote before the election opens, or while its roll is being registered
  // Cluster and transport (the outcome may be unknown: the client must say so).
  not_leader,
  no_quorum,
  unavailable,  // shutting down, overloaded, connection cap reached
  timeout,
  internal,
};

// The stable wire name of a code, e.g. "already_voted".
std::string_view to_string(errc code) noexcept;
// Inverse of to_string(); nullopt for an unknown name.
std::optional<errc> errc_from_string(std::string_view name) noexcept;
// True for codes where the request may or may not have taken effect (client must say "unknown").
// Not `unavailable`: a server answers it only for a request it did not propose (an election or
// hand-over in progress, forming, shutting down, at its connection cap).
bool outcome_may_be_unknown(errc code) noexcept;

}  // namespace vote
