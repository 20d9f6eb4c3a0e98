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
// JSON (--json): the wire's "cluster" object (wire::cluster_to_json) on one line.
#pragma once

#include <iosfwd>
#include <string>

#include "vote/client/call.hpp"
#include "vote/wire/messages.hpp"

namespace vote::client {

// The text above, every line ending in '\n'.
std::string format_cluster_view(const wire::cluster_view& v);

// Prints the answer to a cluster_status call and returns the exit code: 0 when the view names a
// leader; 3 when it names none (the view is still printed), when the call failed to reach a
// server, or when the answer carries no view; 1 when the server refused. Failures are printed
// as report() prints them.
int report_cluster_view(const call_result& r, bool json, std::ostream& out, std::ostream& err);

}  // namespace vote::client
