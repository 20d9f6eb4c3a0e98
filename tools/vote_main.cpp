// vote: cast one vote in an open election (DESIGN.md §2, §10; docs/clients.md).
#include <iostream>
#include <string>

#include "vote/client/cli.hpp"
#include "vote/client/codes.hpp"
#include "vote/client/output.hpp"
#include "vote/core/credentials.hpp"

int main(int argc, char** argv) {
  namespace vc = vote::client;
  CLI::App app{
      "Cast one vote in an open election. The answer carries your ballot's tracker: keep "
      "it (or save a receipt with --receipt) to check after the close that your ballot "
      "was counted as cast.",
      "vote"};
  vc::common_options common;
  vote::vote_cmd cmd;
  std::string code;
  std::string receipt;
  auto* id = app.add_option("--id", cmd.voter, "Your voter id, as authorized at registration")
                 ->type_name("VOTER");
  auto* by_code = app.add_option("--code", code,
                                 "Your voting code (elections registered with --voter-codes), "
                                 "e.g. K7QF-9MZD-3XTA-PW2R; case and dashes do not matter")
                      ->type_name("CODE")
                      ->excludes(id);
  id->excludes(by_code);
  app.add_option("--candidate", cmd.candidate, "The candidate you vote for")
      ->type_name("NAME")
      ->required();
  app.add_option("--election-id,--election_id", cmd.election_id, "The election's id")
      ->type_name("ELECTION")
      ->required();
  app.add_option("--receipt", receipt,
                 "Save your receipt (election, ballot, nonce, tracker) to this new file, mode "
                 "0600; vote-verify --receipt FILE checks it against the published record")
      ->type_name("FILE");
  const vc::flag_groups groups{.admin = false, .request_id = true};
  vc::add_common_flags(app, common, groups);
  if (auto rc = vc::parse_command_line(app, argc, argv)) return *rc;
  if (id->count() + by_code->count() != 1) {
    return vc::usage_error(common, "give your voter id (--id) or your voting code (--code)");
  }

  vote::wire::client_request request;
  request.type = vote::wire::request_type::vote;
  if (by_code->count() > 0) {
    auto normalised = vote::credentials::normalize_code(code);
    if (!normalised) {
      return vc::usage_error(common, "--code: a voting code is 16 characters of " +
                                         std::string(vote::credentials::alphabet) +
                                         " (dashes and spaces are ignored)");
    }
    request.code = *normalised;
    cmd.voter = vote::credentials::credential_of(cmd.election_id, *normalised);
    cmd.by_code = true;
  }
  cmd.nonce = vc::random_nonce();
  const std::string nonce = cmd.nonce;
  const std::string election = cmd.election_id;
  const std::string candidate = cmd.candidate;
  request.body = std::move(cmd);

  const auto console = vc::standard_console();
  const auto save_receipt = [&](const vc::call_result& result) {
    if (receipt.empty() || !result.ok()) return;
    if (!result.response || result.response->tracker.empty()) {
      console.err << "warning: the server sent no tracker for this answer (a retry of a vote "
                     "recorded earlier); no receipt was written\n";
      return;
    }
    const std::string problem = vc::write_private_file(
        receipt, vc::receipt_json(election, nonce, candidate, result.response->tracker) + "\n");
    if (!problem.empty()) {
      console.err << "warning: your vote counted, but the receipt was not saved: " << problem
                  << "\n";
    }
  };
  return vc::run_command(common, std::move(request), groups,
                         "the vote may or may not have been counted", console, save_receipt);
}
