// What the command-line clients print, and their exit codes (DESIGN.md §2; docs/clients.md).
//
// Text: on success the server's message on stdout (close adds a tally table and a turnout line);
// on failure one line on stderr: the server's message for a refusal, else "error: ..." saying
// whether the outcome is unknown (and how to retry safely) or the request was not applied.
// JSON (--json): exactly one object on stdout, success or failure.
// Pure functions of their inputs, so they are unit-tested without a server.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vote/client/call.hpp"
#include "vote/core/election.hpp"
#include "vote/core/error.hpp"

namespace vote::client {

// Exit codes (binding, DESIGN.md §2).
inline constexpr int exit_ok = 0;
inline constexpr int exit_refused = 1;      // the cluster refused the request
inline constexpr int exit_usage = 2;        // bad flags, unreadable file, empty list
inline constexpr int exit_unavailable = 3;  // no leader / no quorum / timeout: maybe unknown

// ok -> 0; not_leader, no_quorum, unavailable, timeout, internal -> 3; every other code -> 1.
int exit_code_for(errc code) noexcept;
// 0 for outcome::ok, 1 for outcome::refused, 3 otherwise.
int exit_code(const call_result& r) noexcept;

// The JSON `error.code`: the server's code name (e.g. "already_voted"), or for client-side
// failures "no_leader", "cluster_conflict" or "timeout".
std::string error_code_name(const call_result& r);

// One line per candidate in registration order: name (aligned), a bar of '#' scaled so the
// largest count fills `bar_width`, the count and its share of the votes cast.
std::string format_tally_table(const election_result& r, std::size_t bar_width = 40);
// "N of M authorized voters voted."
std::string format_turnout(const election_result& r);
// The human text of a successful answer: the server's message, plus table and turnout when the
// answer carries a result.
std::string format_success(const wire::client_response& r);
// The human text of a failure (one line). For a command, `unknown_effect` completes "…; the
// outcome is unknown: <effect>. Retrying with --request-id ID is safe." (e.g. "the vote may or
// may not have been counted"), and a request that certainly was not applied ends in "…; it was
// not applied.". For a read, `unknown_effect` is empty and neither is added.
std::string format_failure(const call_result& r, std::string_view unknown_effect);

// The --json object for a result (success or failure).
nlohmann::ordered_json to_json(const call_result& r, std::string_view unknown_effect);
// The close/results fields of the success object (election_id, winner, tie, tied, tie_break,
// tallies, candidates, votes_cast, eligible_voters).
nlohmann::ordered_json result_fields(const election_result& r);
// {"ok":false,"error":{"code":code,"message":message},"outcome":"not_sent","request_id":id}
nlohmann::ordered_json usage_error_json(std::string_view code, std::string_view message,
                                        std::string_view request_id);

// Prints a result as text or JSON and returns its exit code.
int report(const call_result& r, bool json, std::string_view unknown_effect, std::ostream& out,
           std::ostream& err);

}  // namespace vote::client
