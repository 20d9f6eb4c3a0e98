// vote: cast one vote in an open election (DESIGN.md §2, §10; docs/clients.md).
#include <algorithm>
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/client/cli.hpp"
#include "vote/client/codes.hpp"
#include "vote/client/output.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/unicode.hpp"

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
  std::vector<std::string> ranking;
  std::vector<std::string> approved;
  std::vector<std::string> scored;
  auto* candidate =
      app.add_option("--candidate", cmd.candidate, "The candidate you vote for (plurality)")
          ->type_name("NAME");
  auto* rank = app.add_option("--rank", ranking,
                              "irv, schulze, stv: the candidates in your order of preference, "
                              "most preferred first; you may rank fewer than all")
                   ->type_name("NAME ...")
                   ->excludes(candidate);
  auto* approve = app.add_option("--approve", approved, "approval: every candidate you approve of")
                      ->type_name("NAME ...")
                      ->excludes(candidate)
                      ->excludes(rank);
  auto* score = app.add_option("--score", scored,
                               "score, star: NAME=SCORE for the candidates you score (0 to the "
                               "election's highest score, 5 unless set); unscored ones get 0")
                    ->type_name("NAME=N ...")
                    ->excludes(candidate)
                    ->excludes(rank)
                    ->excludes(approve);
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
  // count() is the number of values given (three for --rank A B C): count the flags instead.
  const auto given = [](const CLI::Option* opt) { return opt->count() > 0 ? 1 : 0; };
  if (given(candidate) + given(rank) + given(approve) + given(score) != 1) {
    return vc::usage_error(common,
                           "give your ballot: --candidate NAME, --rank A B C, --approve A C or "
                           "--score A=5 B=3 (as the election's counting method asks)");
  }
  // Names as the server keeps them (NFC), and the ballot the receipt records (docs/record.md).
  const auto normalised_names = [&](std::vector<std::string>& names) -> bool {
    for (std::string& n : names) {
      auto v = vote::nfc(n);
      if (!v) return false;
      n = std::move(*v);
    }
    return true;
  };
  nlohmann::json ballot;
  if (candidate->count() > 0) {
    std::vector<std::string> one{cmd.candidate};
    if (!normalised_names(one)) return vc::usage_error(common, "--candidate is not valid UTF-8");
    cmd.candidate = one.front();
    ballot = {{"candidate", cmd.candidate}};
  } else if (score->count() > 0) {
    nlohmann::json scores = nlohmann::json::object();
    for (const std::string& item : scored) {
      const auto eq = item.rfind('=');
      unsigned long value = 0;
      std::size_t used = 0;
      try {
        value = eq == std::string::npos ? 0 : std::stoul(item.substr(eq + 1), &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (eq == std::string::npos || eq == 0 || used == 0 || used != item.size() - eq - 1 ||
          value > 100) {
        return vc::usage_error(
            common, "--score: '" + item + "' is not NAME=SCORE with a score from 0 to 100");
      }
      cmd.choices.push_back(item.substr(0, eq));
      cmd.scores.push_back(static_cast<std::uint16_t>(value));
    }
    if (!normalised_names(cmd.choices)) return vc::usage_error(common, "--score: invalid UTF-8");
    for (std::size_t i = 0; i < cmd.choices.size(); ++i) scores[cmd.choices[i]] = cmd.scores[i];
    ballot = {{"scores", scores}};
  } else {
    cmd.choices = rank->count() > 0 ? ranking : approved;
    if (!normalised_names(cmd.choices)) return vc::usage_error(common, "a name is not valid UTF-8");
    if (rank->count() > 0) {
      ballot = {{"rank", cmd.choices}};
    } else {
      std::vector<std::string> sorted = cmd.choices;
      std::sort(sorted.begin(), sorted.end());
      ballot = {{"approve", sorted}};
    }
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
  request.body = std::move(cmd);

  const auto console = vc::standard_console();
  const auto save_receipt = [&](const vc::call_result& result) {
    if (receipt.empty() || !result.ok()) return;
    if (!result.response || result.response->tracker.empty()) {
      console.err << "Warning: the server sent no tracker for this answer (a retry of a vote "
                     "recorded earlier); no receipt was written\n";
      return;
    }
    const std::string problem = vc::write_private_file(
        receipt, vc::ballot_receipt_json(election, nonce, ballot, result.response->tracker) + "\n");
    if (!problem.empty()) {
      console.err << "Warning: your vote counted, but the receipt was not saved: " << problem
                  << "\n";
    }
  };
  return vc::run_command(common, std::move(request), groups,
                         "the vote may or may not have been counted", console, save_receipt);
}
