// What vote-status and vote-admin do once their flags are parsed (DESIGN.md §2, §4;
// docs/clients.md). The mains only declare flags; everything that decides what is sent, to whom,
// and what is printed is here, so it is unit-tested against a fake server.
//
//   cluster status   -> {"type":"cluster_status"} to --server (its own view) or, by discovery, to
//                       the leader; printed by report_cluster_view (exit 3 without a leader)
//   remove           -> {"type":"remove_member","node_id":N}         to the leader
//   transfer         -> {"type":"transfer_leadership","node_id":N|0}  to the leader
//   force-new-cluster-> {"type":"force_new_cluster","confirm":true}   to --server only, never
//                       redirected; refused here (exit 2) unless the operator acknowledged that
//                       it may lose acknowledged votes
//   elections        -> {"type":"elections"}                     read, admin token; a table, --json
//                       or --csv (elections_csv)
//   results          -> {"type":"results","election_id":E}       read, admin token; the result
//                       as close prints it (format_success), --json or --csv (results_csv)
//   extend           -> {"type":"extend","election_id":E,"closes_at_ms":T}  to the leader
//   close-now        -> {"type":"close","election_id":E}          to the leader, as `close`
// The admin commands carry a request_id (reused on every retry) and the admin token.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vote/client/cli.hpp"
#include "vote/client/cluster_output.hpp"

namespace vote::client {

// The flag an operator must give before force-new-cluster is sent.
inline constexpr std::string_view force_confirmation_flag = "--i-understand-this-may-lose-votes";

// The flag groups of the cluster-status read and of the admin commands.
inline constexpr flag_groups status_flags{.admin = false, .request_id = false};
inline constexpr flag_groups admin_flags{.admin = true, .request_id = true};
// The admin reads (elections, results): the admin token, no request id.
inline constexpr flag_groups admin_read_flags{.admin = true, .request_id = false};

// vote-status and `vote-admin members`: asks for the cluster view and prints it
// (report_cluster_view; `s`: vote-status's --check and --unreachable-after-ms).
int run_cluster_status(const common_options& o, const console& c = standard_console(),
                       const status_options& s = {});

// vote-status --election ID: the public election read (anyone may ask; the same answer the
// voters' web page draws its ballot and turnout from): state, method, turnout, times, candidates.
int run_election_info(const common_options& o, const std::string& election_id,
                      const console& c = standard_console());

enum class admin_action : std::uint8_t { remove_member, transfer_leadership, force_new_cluster };

struct admin_command {
  admin_action action = admin_action::transfer_leadership;
  // remove_member: the member to remove (required, non-zero). transfer_leadership: the member to
  // hand leadership to; 0 = the highest caught-up voting member. Unused by force_new_cluster.
  std::uint64_t node_id = 0;
  bool unsafe_acknowledged = false;  // force_new_cluster: force_confirmation_flag was given
};

// Checks `cmd` (usage errors exit 2 before anything is sent), sends it with retries, prints the
// outcome as report() does and returns the exit code (0/1/2/3).
int run_admin_command(const common_options& o, const admin_command& cmd,
                      const console& c = standard_console());

// How `vote-admin elections` and `vote-admin results` print a success: text (default), --json
// (common_options::json) or --csv. Failures print as for every client (text or JSON).
struct read_format {
  bool csv = false;  // excludes common_options::json (the main makes them exclusive)
};

// `vote-admin elections`: every election, one line each.
int run_elections(const common_options& o, read_format f, const console& c = standard_console());

// `vote-admin results --id E`: turnout while sealed, the live or final result otherwise.
int run_results(const common_options& o, const std::string& election_id, read_format f,
                const console& c = standard_console());

// `vote-admin extend --id E --closes-at WHEN`: WHEN is RFC 3339 or relative to `now_ms` (the
// client's clock) as "+2h" (parse_when); anything else is a usage error (exit 2, nothing sent).
int run_extend(const common_options& o, const std::string& election_id, const std::string& when,
               std::int64_t now_ms, const console& c = standard_console());

// `vote-admin close-now --id E`: the close command of the `close` tool.
int run_close_now(const common_options& o, const std::string& election_id,
                  const console& c = standard_console());

}  // namespace vote::client
