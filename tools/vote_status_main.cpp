// vote-status: print the cluster's members as one server sees them, its failure tolerance and
// health (DESIGN.md §2, §4; docs/clients.md).
#include <cstdint>
#include <string>

#include "vote/client/admin.hpp"
#include "vote/client/cluster_output.hpp"

int main(int argc, char** argv) {
  namespace vc = vote::client;
  CLI::App app{
      "Print who leads the vote-server cluster and its members: endpoint, role, voter or "
      "learner, replicated log index (match), entries behind the leader (lag) and time since the "
      "leader last heard from each; a member silent for more than --unreachable-after-ms shows "
      "as unreachable. Then the failure tolerance (voters, reachable voters, quorum, how many "
      "more servers the cluster can lose) and the health. Without --server it asks the leader "
      "found by broadcast; with --server it prints that server's own view (only the leader knows "
      "the others' match, lag, last contact and reachability). --json prints the view as one "
      "JSON object with \"ok\". Exits 3 when no leader is known; with --check: 0 healthy (a "
      "leader answered and every voter is reachable), 1 degraded (a voter unreachable, the "
      "quorum holds) or unknown (a follower's view), 3 no leader or no quorum, with the reason "
      "on stderr. With --election ID it prints that election instead, as anyone may see it: "
      "state, counting method, turnout, times and candidates (what the voters' web page "
      "shows).",
      "vote-status"};
  vc::common_options common;
  vc::status_options status;
  vc::add_common_flags(app, common, vc::status_flags);
  app.add_flag("--check", status.check,
               "Exit with the health: 0 healthy, 1 degraded or unknown, 3 no leader or no quorum "
               "(one line on stderr says why)");
  app.add_option("--unreachable-after-ms", status.unreachable_after_ms,
                 "A member the leader has not heard from for longer is unreachable")
      ->type_name("MS")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3'600'000}))
      ->capture_default_str();
  std::string election;
  app.add_option("--election", election,
                 "Print this election's public state instead: state, method, turnout, times, "
                 "candidates (no admin needed)")
      ->type_name("ID")
      ->excludes("--check");
  if (auto rc = vc::parse_command_line(app, argc, argv)) return *rc;
  if (app.count("--election") > 0) return vc::run_election_info(common, election);
  return vc::run_cluster_status(common, vc::standard_console(), status);
}
