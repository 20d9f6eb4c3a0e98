// What the command-line clients print, and their exit codes (DESIGN.md §2; docs/clients.md).
//
// Text: on success the server's message on stdout (close and results add a tally table, a turnout
// line and the count of the method: rounds, pairwise matrices, the elected);
// on failure one line on stderr: the server's message for a refusal, else "Error: ..." saying
// whether the outcome is unknown (and how to retry safely) or the request was not applied.
// JSON (--json): exactly one object on stdout, success or failure.
// Pure functions of their inputs, so they are unit-tested without a server.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/cli/command_line.hpp"
#include "vote/client/call.hpp"
#include "vote/core/election.hpp"
#include "vote/core/error.hpp"

namespace vote::client {

// Every message about a failure starts with this, whoever found it: the server's refusals
// ("Error: User 'u1' has already voted.", SEED.md's wording) and the client's own findings
// ("Error: no leader known: ..."); warnings start with "Warning: ".
inline constexpr std::string_view error_prefix = "Error: ";
inline constexpr std::string_view warning_prefix = "Warning: ";

// Exit codes (binding, DESIGN.md §2).
inline constexpr int exit_ok = 0;
inline constexpr int exit_refused = 1;              // the cluster refused the request
inline constexpr int exit_usage = cli::exit_usage;  // bad flags, unreadable file, empty list
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
// The method-specific part of a result's text (empty for plurality, approval, score and while
// sealed): format_rounds for irv/stv/star, format_pairwise for schulze, format_winners for stv.
std::string format_result_detail(const election_result& r);
// One line per round: each candidate's total (stv: votes with 5 decimals, e.g. 1234.56789), then
// what the round decided: "elected X", "eliminated Y", "transferred X", "exhausted N" (when not
// 0) and "tie (A, B): NOTE". Empty without rounds.
std::string format_rounds(const election_result& r);
// schulze: the pairwise matrix (row over column) and the strongest-path matrix below it, rows and
// columns the candidates, '-' on the diagonal. Empty without a matrix.
std::string format_pairwise(const election_result& r);
// stv: "Elected: A, B, C" (empty for the other methods).
std::string format_winners(const election_result& r);
// `units` of counting::stv_scale as votes with 5 decimals: 123456789 -> "1234.56789".
std::string format_stv_units(std::uint64_t units);
// "plurality", "irv", ..., "stv(3)" for stv with 3 seats.
std::string method_label(counting::method m, std::uint32_t seats);
// "12/40 (30.0%)"; "0/0 (0.0%)" for an empty roll.
std::string format_turnout_short(std::uint64_t votes_cast, std::uint64_t eligible_voters);
// `vote-admin elections`: an aligned table, one line per election (id, state, method, turnout,
// opens, closes or closed for a closed election; RFC 3339, "-" when unset).
std::string format_elections(const std::vector<election_summary>& list);

// RFC 4180: `field` as is, or quoted (inner quotes doubled) when it holds a comma, a quote, CR
// or LF.
std::string csv_field(std::string_view field);
// `vote-admin elections --csv`: header election_id,state,method,seats,voters,eligible_voters,
// votes_cast,opens_at,closes_at,closed_at,close_when_all_voted, one row per election; times RFC
// 3339, empty when unset; CRLF line ends are not used (LF).
std::string elections_csv(const std::vector<election_summary>& list);
// `vote-admin results --csv`: header round,candidate,total,status. Methods with rounds: one row
// per round and candidate (the round's totals; stv in votes with 5 decimals); the others: round 1
// with the first-step totals. status is "elected" or "eliminated" in the round that decided it,
// else empty (without rounds: "elected" for the winners). A sealed result has the header only.
std::string results_csv(const election_result& r);
// One election summary as the --json object of `vote-admin elections` (summary_to_json's fields
// in its order, plus opens_at/closes_at/closed_at as RFC 3339 or null).
nlohmann::ordered_json summary_fields(const election_summary& s);

// The human text of a successful answer: the server's message, plus table and turnout when the
// answer carries a result (and format_result_detail), the elections table when it carries a list.
std::string format_success(const wire::client_response& r);
// The human text of a failure (one line). For a command, `unknown_effect` completes "…; the
// outcome is unknown: <effect>. Retrying with --request-id ID is safe." (e.g. "the vote may or
// may not have been counted"), and a request that certainly was not applied ends in "…; it was
// not applied.". For a read, `unknown_effect` is empty and neither is added.
std::string format_failure(const call_result& r, std::string_view unknown_effect);

// The --json object for a result (success or failure).
nlohmann::ordered_json to_json(const call_result& r, std::string_view unknown_effect);
// The close/results fields of the success object (election_id, winner, tie, tied, tie_break,
// tallies, candidates, votes_cast, eligible_voters). Every method but plurality adds method,
// seats, winners and, unless sealed, count: {total_weight, quota and scale (stv), rounds [{totals
// {name: n}, exhausted, elected, eliminated, transferred?, tied?, tie_note?}], pairwise and
// strongest (schulze, rows and columns in candidate order)}. stv counts are integers in units of
// "scale" (100000 per vote). A count above 2^53 is written as a decimal string so that no JSON
// reader loses precision.
nlohmann::ordered_json result_fields(const election_result& r);
// {"ok":false,"error":{"code":code,"message":message},"outcome":"not_sent","request_id":id}
nlohmann::ordered_json usage_error_json(std::string_view code, std::string_view message,
                                        std::string_view request_id);

// Prints a result as text or JSON and returns its exit code.
int report(const call_result& r, bool json, std::string_view unknown_effect, std::ostream& out,
           std::ostream& err);

}  // namespace vote::client
