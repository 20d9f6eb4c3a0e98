// vote: cast one vote in an open election (DESIGN.md §2; docs/clients.md).
#include <string>

#include "vote/client/cli.hpp"

int main(int argc, char** argv) {
  namespace vc = vote::client;
  CLI::App app{"Cast one vote in an open election.", "vote"};
  vc::common_options common;
  vote::vote_cmd cmd;
  app.add_option("--id", cmd.voter, "Your voter id, as authorized at registration")
      ->type_name("VOTER")
      ->required();
  app.add_option("--candidate", cmd.candidate, "The candidate you vote for")
      ->type_name("NAME")
      ->required();
  app.add_option("--election-id,--election_id", cmd.election_id, "The election's id")
      ->type_name("ELECTION")
      ->required();
  const vc::flag_groups groups{.admin = false, .request_id = true};
  vc::add_common_flags(app, common, groups);
  if (auto rc = vc::parse_command_line(app, argc, argv)) return *rc;

  vote::wire::client_request request;
  request.type = vote::wire::request_type::vote;
  request.body = std::move(cmd);
  return vc::run_command(common, std::move(request), groups,
                         "the vote may or may not have been counted");
}
