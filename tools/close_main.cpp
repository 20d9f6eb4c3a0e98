// close: end an election and print its result, with the count of its method (DESIGN.md §2, §11;
// docs/clients.md). `vote-admin close-now` sends the same request.
#include <string>

#include "vote/client/cli.hpp"

int main(int argc, char** argv) {
  namespace vc = vote::client;
  CLI::App app{
      "End an election and print the winner and the tally (admin only). Closing an "
      "election again prints the stored result.",
      "close"};
  vc::common_options common;
  vote::close_cmd cmd;
  app.add_option("--id", cmd.election_id, "The election's id")->type_name("ELECTION")->required();
  const vc::flag_groups groups{.admin = true, .request_id = true};
  vc::add_common_flags(app, common, groups);
  if (auto rc = vc::parse_command_line(app, argc, argv)) return *rc;

  vote::wire::client_request request;
  request.type = vote::wire::request_type::close;
  request.body = std::move(cmd);
  return vc::run_command(common, std::move(request), groups,
                         "the election may or may not have been closed");
}
