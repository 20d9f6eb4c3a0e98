// register: register an election with the vote-server cluster (DESIGN.md §2, §10;
// docs/clients.md).
#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vote/client/cli.hpp"
#include "vote/client/codes.hpp"
#include "vote/client/output.hpp"
#include "vote/core/credentials.hpp"

namespace {

namespace vc = vote::client;

// The codes of `voters` for election `id`: those already in `path` (a retry of a registration
// whose outcome was unknown), else new ones written there before anything is sent.
std::optional<std::vector<vc::voter_code>> codes_for(const std::vector<std::string>& voters,
                                                     const std::string& id, const std::string& path,
                                                     const std::optional<std::string>& secret,
                                                     std::string& error, std::string& note) {
  if (std::filesystem::exists(path)) {
    auto text = vc::read_small_file(path, std::size_t{1} << 30);
    if (!text) {
      error = "cannot read " + path;
      return std::nullopt;
    }
    auto parsed = vc::parse_codes_csv(*text);
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      error = path + ": " + *problem;
      return std::nullopt;
    }
    auto codes = std::get<std::vector<vc::voter_code>>(std::move(parsed));
    std::set<std::string> listed(voters.begin(), voters.end());
    std::set<std::string> in_file;
    for (const auto& c : codes) in_file.insert(c.voter);
    if (listed != in_file || codes.size() != voters.size()) {
      error = path +
              " exists and holds codes for other voters; it is never overwritten (give a "
              "new file, or the same voters to retry)";
      return std::nullopt;
    }
    note = "Reusing the voting codes in " + path + " (a retry of the same registration).";
    return codes;
  }
  auto codes = vc::make_codes(voters, id, secret);
  if (auto problem = vc::write_private_file(path, vc::codes_csv(codes)); !problem.empty()) {
    error = problem;
    return std::nullopt;
  }
  return codes;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Register an election with the vote-server cluster (admin only).", "register"};
  vc::common_options common;
  vote::register_cmd cmd;
  std::vector<std::string> listed;
  std::string voters_file;
  std::string rule = "none";
  std::string codes_file;
  std::string secret_file;
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
  app.add_option("--voter-codes", codes_file,
                 "Voting codes: make a secret code per voter here, write them to this new CSV "
                 "(voter,code; mode 0600) and send the servers only the codes' public "
                 "credentials: no server ever learns a voter's name. Voters vote with --code. "
                 "If the file exists with codes for the same voters, they are reused (a retry)")
      ->type_name("OUT.csv");
  app.add_option("--code-secret", secret_file,
                 "With --voter-codes: derive each code from this secret file, the election id "
                 "and the voter (HMAC-SHA-256), so a lost code can be printed again with the "
                 "same command; without it codes are random")
      ->type_name("FILE");
  app.add_flag("--live-results", cmd.live_results,
               "Let the admin read the tallies while the election is open (a public setting, "
               "shown in the record); without it results show turnout only until the close");
  const vc::flag_groups groups{.admin = true, .request_id = true};
  vc::add_common_flags(app, common, groups);
  if (auto rc = vc::parse_command_line(app, argc, argv)) return *rc;

  auto voters = vc::collect_voters(listed, voters_file);
  if (auto* error = std::get_if<std::string>(&voters)) return vc::usage_error(common, *error);
  cmd.voters = std::move(std::get<std::vector<std::string>>(voters));
  cmd.rule = *vote::tie_break_from_string(rule);
  if (!secret_file.empty() && codes_file.empty()) {
    return vc::usage_error(common, "--code-secret goes with --voter-codes");
  }
  std::string note;
  if (!codes_file.empty()) {
    std::optional<std::string> secret;
    std::string error;
    if (!secret_file.empty()) {
      secret = vc::read_code_secret(secret_file, error);
      if (!secret) return vc::usage_error(common, error);
    }
    auto codes = codes_for(cmd.voters, cmd.election_id, codes_file, secret, error, note);
    if (!codes) return vc::usage_error(common, error);
    cmd.voters.clear();
    for (const auto& c : *codes) {
      cmd.voters.push_back(vote::credentials::credential_of(cmd.election_id, c.code));
    }
    std::sort(cmd.voters.begin(), cmd.voters.end());  // the order tells nothing of the names
    cmd.mode = vote::voter_mode::codes;
    if (note.empty()) {
      note = "Wrote " + std::to_string(codes->size()) + " voting codes to " + codes_file +
             ": give each voter their own code; only the codes' public credentials were sent.";
    }
  }

  vote::wire::client_request request;
  request.type = vote::wire::request_type::register_election;
  request.body = std::move(cmd);
  const auto console = vc::standard_console();
  return vc::run_command(common, std::move(request), groups,
                         "the election may or may not have been registered", console,
                         [&](const vc::call_result& result) {
                           if (note.empty() || common.json) return;
                           (result.ok() ? console.out : console.err) << note << "\n";
                         });
}
