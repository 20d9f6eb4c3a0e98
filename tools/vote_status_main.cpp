// vote-status: print the cluster's members as one server sees them (DESIGN.md §2, §4;
// docs/clients.md).
#include "vote/client/admin.hpp"

int main(int argc, char** argv) {
  namespace vc = vote::client;
  CLI::App app{
      "Print who leads the vote-server cluster and its members: endpoint, role, voter or "
      "learner, replicated log index (match), entries behind the leader (lag) and time since the "
      "leader last heard from each. Without --server it asks the leader found by broadcast; "
      "with --server it prints that server's own view (only the leader knows the others' match, "
      "lag and last contact). --json prints the view as one JSON object. Exits 3 when no leader "
      "is known.",
      "vote-status"};
  vc::common_options common;
  vc::add_common_flags(app, common, vc::status_flags);
  if (auto rc = vc::parse_command_line(app, argc, argv)) return *rc;
  return vc::run_cluster_status(common);
}
