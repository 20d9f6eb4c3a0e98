// register: register an election with the vote-server cluster (DESIGN.md §2, §10;
// docs/clients.md).
#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>
#include <utility>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vote/client/cli.hpp"
#include "vote/client/codes.hpp"
#include "vote/client/output.hpp"
#include "vote/client/registration.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/time_text.hpp"

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
  vc::roll_options roll;
  std::string rule = "none";
  std::string method = "plurality";
  std::string opens_at;
  std::string closes_at;
  std::string codes_file;
  std::string secret_file;
  app.add_option("--id", cmd.election_id, "Election id; unique, never reused")
      ->type_name("ELECTION")
      ->required();
  app.add_option("--candidates", cmd.candidates, "Candidate names, in display order")
      ->type_name("NAME ...")
      ->required();
  app.add_option("--authorized-users,--authorized_users", roll.listed,
                 "Voter ids allowed to vote, separated by spaces (combines with "
                 "--authorized-users-file)")
      ->type_name("VOTER ...");
  app.add_option("--authorized-users-file,--authorized_users_file", roll.file,
                 "The roll: one voter id per line, or CSV with a header line 'voter' or "
                 "'voter,weight' (weighted voters, e.g. delegates). A UTF-8 BOM, blank lines and "
                 "'#' comments are ignored, ids are trimmed and NFC-normalised; every rejected or "
                 "duplicate line is reported with its number (docs/rolls.md). Any size: a large "
                 "roll is sent in chunks")
      ->type_name("FILE");
  app.add_flag("--skip-invalid-lines", roll.skip_invalid,
               "Register without the roll's rejected lines (they are still listed) instead of "
               "refusing the roll");
  app.add_option("--method", method,
                 "Counting method (docs/counting.md): plurality (vote --candidate), approval "
                 "(vote --approve), irv, schulze or stv (vote --rank), score or star "
                 "(vote --score)")
      ->check(CLI::IsMember({"plurality", "approval", "irv", "schulze", "stv", "score", "star"}))
      ->capture_default_str();
  app.add_option("--seats", cmd.seats, "stv: the number of seats to fill (1 <= K < candidates)")
      ->type_name("K")
      ->check(CLI::Range(1, 1000));
  app.add_option("--max-score", cmd.max_score, "score, star: the highest score (1..100)")
      ->type_name("N")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--opens-at", opens_at,
                 "When voting opens: RFC 3339 (2026-12-04T09:00:00Z, 2026-12-04 10:00+01:00) or "
                 "relative to now (+30m, +2h, +1d). Voters can be added until then")
      ->type_name("WHEN");
  app.add_option("--closes-at", closes_at,
                 "The deadline, as --opens-at: the cluster closes the election exactly once "
                 "when it passes and refuses every vote after it")
      ->type_name("WHEN");
  app.add_flag("--close-when-all-voted", cmd.close_when_all_voted,
               "Close the election as soon as every authorized voter has voted");
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

  const auto console = vc::standard_console();
  auto collected = vc::collect_roll(roll);
  if (auto* error = std::get_if<std::string>(&collected)) return vc::usage_error(common, *error);
  auto& roll_read = std::get<vc::collected_roll>(collected);
  for (const std::string& line : roll_read.notes) console.err << line << "\n";
  cmd.voters = std::move(roll_read.voters);
  cmd.weights = std::move(roll_read.weights);
  cmd.rule = *vote::tie_break_from_string(rule);
  cmd.method = *vote::counting::method_from_string(method);
  if (cmd.method != vote::counting::method::stv && cmd.seats != 1) {
    return vc::usage_error(common, "--seats goes with --method stv");
  }
  if (!vote::counting::is_scored(cmd.method) && cmd.max_score != 5) {
    return vc::usage_error(common, "--max-score goes with --method score or star");
  }
  const std::int64_t now = vc::wall_clock_ms();
  for (auto [text, out, flag] : {std::tuple{&opens_at, &cmd.opens_at_ms, "--opens-at"},
                                 std::tuple{&closes_at, &cmd.closes_at_ms, "--closes-at"}}) {
    if (text->empty()) continue;
    const auto when = vote::parse_when(*text, now);
    if (!when) {
      return vc::usage_error(common, std::string(flag) + ": '" + *text +
                                         "' is neither RFC 3339 (2026-12-04T18:00:00Z) nor "
                                         "relative (+2h)");
    }
    *out = *when;
  }
  if (cmd.closes_at_ms != 0 && cmd.closes_at_ms <= std::max(now, cmd.opens_at_ms)) {
    return vc::usage_error(common, "--closes-at must be later than now and than --opens-at");
  }
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
    std::map<std::string, std::uint64_t> weight_of;
    for (std::size_t i = 0; i < cmd.weights.size(); ++i) weight_of[cmd.voters[i]] = cmd.weights[i];
    // Sorted by credential: the order tells nothing of the names.
    std::vector<std::pair<std::string, std::uint64_t>> roll_entries;
    for (const auto& c : *codes) {
      const auto w = weight_of.find(c.voter);
      roll_entries.emplace_back(vote::credentials::credential_of(cmd.election_id, c.code),
                                w == weight_of.end() ? 1 : w->second);
    }
    std::sort(roll_entries.begin(), roll_entries.end());
    cmd.voters.clear();
    const bool weighted = !cmd.weights.empty();
    cmd.weights.clear();
    for (auto& [credential, weight] : roll_entries) {
      cmd.voters.push_back(std::move(credential));
      if (weighted) cmd.weights.push_back(weight);
    }
    cmd.mode = vote::voter_mode::codes;
    if (note.empty()) {
      note = "Wrote " + std::to_string(codes->size()) + " voting codes to " + codes_file +
             ": give each voter their own code; only the codes' public credentials were sent.";
    }
  }

  return vc::run_registration(common, std::move(cmd), groups, console,
                         [&](const vc::call_result& result) {
                           if (note.empty() || common.json) return;
                           (result.ok() ? console.out : console.err) << note << "\n";
                         });
}
