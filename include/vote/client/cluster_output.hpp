// How vote-status and `vote-admin members` print a cluster view (docs/clients.md).
//
// Text: a leader line, a summary line, then one aligned row per member:
//   leader: node 3 at 127.0.0.1:7003
//   cluster 6a1f0c2e: epoch 5, commit_index 44, applied_index 43 (as seen by node 3)
//   id  endpoint        role      voter  match  lag  last contact
//   3   127.0.0.1:7003  leader    yes    44     0    -
//   1   127.0.0.1:7001  follower  yes    44     0    12 ms
// Only the leader knows the other members' match_index, lag and last contact: a view answered
// by any other server shows "-" there (never the 0 the wire carries) and ends with a note saying
// so. Without a leader the first line is "leader: none known to node N".
// After the table, the failure tolerance and the health (cluster_health below):
//   voters 3, reachable 2, quorum 2: can lose 0 more server(s)
//   health: degraded: node 1 unreachable (no contact for 1520 ms, more than 1000 ms)
// and a member the leader has not heard from in time shows "unreachable" as its role.
// JSON (--json): the wire's "cluster" object (wire::cluster_to_json) on one line, each member
// with "reachable" (true, false, or null when only the leader knows), plus "ok", "health",
// "reason", "voters", "reachable_voters", "quorum", "failure_tolerance" and
// "unreachable_after_ms".
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vote/client/call.hpp"
#include "vote/wire/messages.hpp"

namespace vote::client {

// How long the leader may go without hearing from a member before vote-status calls it
// unreachable: 1000 ms, five election timeouts and twenty heartbeats at the servers' defaults
// (a live member answers every heartbeat, so its last contact stays below one heartbeat).
inline constexpr std::int64_t default_unreachable_after_ms = 1000;

// What vote-status adds to the view (vote-admin members takes the defaults).
struct status_options {
  // --check: the exit code is the health verdict's (check_exit_code), and a view that is not
  // healthy prints "VERDICT: REASON" on stderr. Without it: 0 when a leader is known, else 3.
  bool check = false;
  std::int64_t unreachable_after_ms = default_unreachable_after_ms;  // --unreachable-after-ms
};

// Whether `m` is reachable. Only the leader hears from every member, so only a view the leader
// answered says: there a member other than the leader is unreachable when the leader has not
// heard from it for more than `unreachable_after_ms`, or not at all since it took the lead
// (last_contact_ms null). The answering server itself is reachable (it answered); in any other
// server's view the others are unknown (nullopt).
std::optional<bool> member_reachable(const wire::cluster_view& v, const wire::member_view& m,
                                     std::int64_t unreachable_after_ms);

// The health rule (docs/clients.md "vote-status"), from the voting members only:
//   no_leader  the answering server knows no leader                        (--check: exit 3)
//   unknown    a follower's view: reachability is known only by the leader (--check: exit 1)
//   no_quorum  the leader's view, fewer than `quorum` voters reachable      (--check: exit 3)
//   degraded   the leader's view, a voter unreachable, the quorum holds     (--check: exit 1)
//   healthy    the leader's view, every voter reachable                     (--check: exit 0)
// An unreachable learner is shown but changes nothing: it is not counted in quorums.
enum class health_verdict : std::uint8_t { healthy, degraded, unknown, no_quorum, no_leader };

// "ok", "degraded", "unknown", "no_quorum", "no_leader" (JSON "health").
std::string_view to_string(health_verdict h) noexcept;

struct cluster_health {
  health_verdict verdict = health_verdict::no_leader;
  std::size_t voters = 0;                        // voting members in the configuration
  std::size_t quorum = 0;                        // voters / 2 + 1
  std::optional<std::size_t> reachable_voters;   // the leader's view only
  std::optional<std::size_t> failure_tolerance;  // reachable_voters - quorum; 0 without quorum
  std::string reason;                            // why it is not healthy, one line; "" if healthy
  bool ok() const noexcept { return verdict == health_verdict::healthy; }
};

cluster_health assess_health(const wire::cluster_view& v,
                             std::int64_t unreachable_after_ms = default_unreachable_after_ms);

// --check's exit code: 0 healthy, 1 degraded or unknown, 3 no_quorum or no_leader.
int check_exit_code(health_verdict h) noexcept;

// The text above, every line ending in '\n'.
std::string format_cluster_view(const wire::cluster_view& v,
                                std::int64_t unreachable_after_ms = default_unreachable_after_ms);

// The JSON above.
nlohmann::json cluster_view_json(const wire::cluster_view& v,
                                 std::int64_t unreachable_after_ms = default_unreachable_after_ms);

// Prints the answer to a cluster_status call and returns the exit code: 0 when the view names a
// leader; 3 when it names none (the view is still printed), when the call failed to reach a
// server, or when the answer carries no view; 1 when the server refused. With `s.check` a view's
// exit code is check_exit_code's instead. Failures are printed as report() prints them (with
// --json the failure object, "ok":false).
int report_cluster_view(const call_result& r, bool json, std::ostream& out, std::ostream& err,
                        const status_options& s = {});

}  // namespace vote::client
