// register: register an election with the vote-server cluster (DESIGN.md §2; docs/clients.md).
#include <string>
#include <vector>

#include "vote/client/cli.hpp"
#include "vote/client/output.hpp"

int main(int argc, char** argv) {
  namespace vc = vote::client;
  CLI::App app{"Register an election with the vote-server cluster (admin only).", "register"};
  vc::common_options common;
  vote::register_cmd cmd;
  std::vector<std::string> listed;
  std::string voters_file;
  std::string rule = "none";
  app.add_option("--id", cmd.election_id, "Election id; unique, never reused")
      ->type_name("ELECTION")
      ->required();
  app.add_option("--candidates", cmd.candidates, "Candidate names, in display order")
      ->type_name("NAME ...")
      ->required();
  app.add_option("--authorized-users,--authorized_users", listed,
                 "Voter ids allowed to vote (combines with --authorized-users-file)")
      ->type_name("VOTER ...");
  app.add_option("--authorized-users-file,--authorized_users_file", voters_file,
                 "File with one voter id per line; blank lines and '#' comments are ignored")
      ->type_name("FILE");
  app.add_option("--tie-break,--tie_break", rule,
                 "What a tie means: none (no winner, the tie is reported) or first_listed (the "
                 "tied candidate listed first wins, reported as such)")
      ->check(CLI::IsMember({"none", "first_listed"}))
      ->capture_default_str();
  const vc::flag_groups groups{.admin = true, .request_id = true};
  vc::add_common_flags(app, common, groups);
  if (auto rc = vc::parse_command_line(app, argc, argv)) return *rc;

  auto voters = vc::collect_voters(listed, voters_file);
  if (auto* error = std::get_if<std::string>(&voters)) return vc::usage_error(common, *error);
  cmd.voters = std::move(std::get<std::vector<std::string>>(voters));
  cmd.rule = *vote::tie_break_from_string(rule);

  vote::wire::client_request request;
  request.type = vote::wire::request_type::register_election;
  request.body = std::move(cmd);
  return vc::run_command(common, std::move(request), groups,
                         "the election may or may not have been registered");
}
