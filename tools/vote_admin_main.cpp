// vote-admin: cluster membership and election administration (DESIGN.md §2, §4, §11;
// docs/clients.md).
//
//   vote-admin elections [--csv] | results --id E [--csv] | extend --id E --closes-at WHEN |
//              close-now --id E | add-voters --id E [--authorized-users-file F] ... |
//              members | remove --node N | transfer [--node N] |
//              force-new-cluster --i-understand-this-may-lose-votes --server HOST:PORT |
//              init DIR --servers IP1,IP2,IP3 [--port N] [--cluster NAME] [--force]
#include <cstdint>
#include <iostream>
#include <limits>
#include <string>

#include "vote/client/admin.hpp"
#include "vote/client/init.hpp"
#include "vote/client/registration.hpp"
#include "vote/core/election.hpp"

namespace {

namespace vc = vote::client;

CLI::Option* add_node_option(CLI::App& sub, std::uint64_t& node, const std::string& meaning) {
  return sub.add_option("--node", node, meaning)
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()));
}

CLI::Option* add_id_option(CLI::App& sub, std::string& id) {
  return sub.add_option("--id", id, "The election's id")->type_name("ELECTION")->required();
}

// --csv, exclusive with the --json of add_common_flags (call after it).
void add_csv_flag(CLI::App& sub, vc::read_format& f, const std::string& columns) {
  sub.add_flag("--csv", f.csv, "Print CSV (RFC 4180) instead of text: " + columns)
      ->excludes("--json");
}

// vote-admin add-voters: reads the roll as register does, then sends it in chunks.
int run_add_voters(const vc::common_options& common, const std::string& election_id,
                   const vc::roll_options& roll) {
  const auto console = vc::standard_console();
  auto collected = vc::collect_roll(roll);
  if (auto* error = std::get_if<std::string>(&collected)) return vc::usage_error(common, *error);
  auto& read = std::get<vc::collected_roll>(collected);
  for (const std::string& line : read.notes) console.err << line << "\n";
  vote::add_voters_cmd cmd;
  cmd.election_id = election_id;
  cmd.voters = std::move(read.voters);
  cmd.weights = std::move(read.weights);
  std::string note;
  if (!roll.codes_file.empty()) {
    std::string error;
    auto made = vc::use_voter_codes(election_id, cmd.voters, cmd.weights, roll.codes_file,
                                    roll.secret_file, roll.code_url, error);
    if (!made) return vc::usage_error(common, error);
    note = std::move(*made);
  }
  return vc::run_add_voters(common, std::move(cmd), console, [&](const vc::call_result& result) {
    if (note.empty() || common.json) return;
    (result.ok() ? console.out : console.err) << note << "\n";
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Administer the elections and the members of a vote-server cluster. Every subcommand takes "
      "the flags of "
      "the other clients; see 'vote-admin SUBCOMMAND --help' for them and for the exit codes.",
      "vote-admin"};
  app.require_subcommand(1);
  vc::common_options common;
  vc::admin_command cmd;

  vc::read_format format;
  std::string election_id;
  auto* elections = app.add_subcommand(
      "elections",
      "List every election (admin): id, state, method, turnout, opening and closing time");
  vc::add_common_flags(*elections, common, vc::admin_read_flags);
  add_csv_flag(*elections, format,
               "election_id,state,method,seats,voters,eligible_voters,votes_cast,opens_at,"
               "closes_at,closed_at,close_when_all_voted");

  auto* results = app.add_subcommand(
      "results",
      "Print an election's result (admin): the live tally while open (only the turnout when "
      "sealed), the full count once closed (rounds, pairwise matrix, elected candidates)");
  add_id_option(*results, election_id);
  vc::add_common_flags(*results, common, vc::admin_read_flags);
  add_csv_flag(*results, format, "round,candidate,total,status");

  std::string when;
  auto* extend = app.add_subcommand("extend", "Move an open election's deadline (admin)");
  add_id_option(*extend, election_id);
  extend
      ->add_option("--closes-at,--closes_at", when,
                   "The new deadline: RFC 3339 (2026-12-04T18:00:00Z) or from now (+30m, +2h, "
                   "+1d, +1h30m; the client's clock)")
      ->type_name("WHEN")
      ->required();
  vc::add_common_flags(*extend, common, vc::admin_flags);

  auto* close_now = app.add_subcommand(
      "close-now", "End an election now and print its result, as the close tool does (admin)");
  add_id_option(*close_now, election_id);
  vc::add_common_flags(*close_now, common, vc::admin_flags);

  vc::roll_options roll;
  auto* add_voters = app.add_subcommand(
      "add-voters",
      "Add voters to an election's roll (admin): while it is being registered, or before it opens "
      "if nobody has voted. Takes the roll flags of register; with --voter-codes for an election "
      "registered with voting codes. A large roll is sent in chunks; the election takes no vote "
      "until the last has arrived");
  add_id_option(*add_voters, election_id);
  vc::add_roll_flags(*add_voters, roll);
  vc::add_common_flags(*add_voters, common, vc::admin_flags);

  auto* members = app.add_subcommand(
      "members",
      "Print the leader and the members (as vote-status does); exit 3 when no leader is known");
  vc::add_common_flags(*members, common, vc::status_flags);

  auto* remove = app.add_subcommand(
      "remove",
      "Remove a member from the cluster's configuration for good (admin). Use it for a server "
      "that is dead and will not come back; a stopped server that will return stays a member.");
  add_node_option(*remove, cmd.node_id, "Id of the member to remove")->required();
  vc::add_common_flags(*remove, common, vc::admin_flags);

  auto* transfer =
      app.add_subcommand("transfer", "Hand leadership over to another voting member (admin).");
  add_node_option(*transfer, cmd.node_id,
                  "Id of the member to hand over to (default: the highest caught-up member)");
  vc::add_common_flags(*transfer, common, vc::admin_flags);

  auto* force = app.add_subcommand(
      "force-new-cluster",
      "UNSAFE, last resort (admin): make the server given with --server the only voting member "
      "of a new configuration built from its own log, after a majority of the members is lost "
      "for good. Acknowledged votes that server never received are lost; the other servers "
      "must rejoin with empty data directories. Refused without " +
          std::string(vc::force_confirmation_flag) + ".");
  force->add_flag(std::string(vc::force_confirmation_flag), cmd.unsafe_acknowledged,
                  "Confirm that you accept losing acknowledged votes the server never received");
  vc::add_common_flags(*force, common, vc::admin_flags);

  vc::init_options init_opts;
  auto* init = app.add_subcommand(
      "init",
      "Write everything a secure cluster needs into DIR (no server is contacted): a cluster key, "
      "an admin token, a CA, and per server a key, a certificate for its IP address and a "
      "vote-server --config file; then print what to copy where. Exit 0 written, 2 bad flags or "
      "files that exist (without --force), 1 a failure while writing.");
  init->add_option("DIR", init_opts.dir, "Directory to write (created when missing)")->required();
  init->add_option("--servers", init_opts.servers,
                   "The servers' IPv4 addresses, comma-separated (server i is the i-th)")
      ->delimiter(',')
      ->required();
  init->add_option("--port", init_opts.port, "Every server's TCP port")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  init->add_option("--cluster", init_opts.cluster, "The servers' --cluster name")
      ->capture_default_str();
  init->add_flag("--force", init_opts.force,
                 "Replace files that exist in DIR (a new CA, new keys and a new token)");

  if (auto rc = vc::parse_command_line(app, argc, argv)) return *rc;
  if (init->parsed()) return vc::run_init(init_opts, std::cout, std::cerr);
  if (elections->parsed()) return vc::run_elections(common, format);
  if (results->parsed()) return vc::run_results(common, election_id, format);
  if (extend->parsed()) return vc::run_extend(common, election_id, when, vc::wall_clock_ms());
  if (close_now->parsed()) return vc::run_close_now(common, election_id);
  if (add_voters->parsed()) return run_add_voters(common, election_id, roll);
  if (members->parsed()) return vc::run_cluster_status(common);
  if (remove->parsed()) cmd.action = vc::admin_action::remove_member;
  if (transfer->parsed()) cmd.action = vc::admin_action::transfer_leadership;
  if (force->parsed()) cmd.action = vc::admin_action::force_new_cluster;
  return vc::run_admin_command(common, cmd);
}
