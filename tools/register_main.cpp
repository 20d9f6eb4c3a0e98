// register: register an election with the vote-server cluster (DESIGN.md §2, §10;
// docs/clients.md).
#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

#include "vote/client/cli.hpp"
#include "vote/client/output.hpp"
#include "vote/client/registration.hpp"
#include "vote/core/time_text.hpp"

namespace vc = vote::client;

int main(int argc, char** argv) {
  CLI::App app{"Register an election with the vote-server cluster (admin only).", "register"};
  vc::common_options common;
  vote::register_cmd cmd;
  vc::roll_options roll;
  std::string rule = "none";
  std::string method = "plurality";
  std::string opens_at;
  std::string closes_at;
  app.add_option("--id", cmd.election_id, "Election id; unique, never reused")
      ->type_name("ELECTION")
      ->required();
  app.add_option("--candidates", cmd.candidates, "Candidate names, in display order")
      ->type_name("NAME ...")
      ->required();
  vc::add_roll_flags(app, roll);
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
  std::string note;
  if (!roll.codes_file.empty()) {
    std::string error;
    auto made = vc::use_voter_codes(cmd.election_id, cmd.voters, cmd.weights, roll.codes_file,
                                    roll.secret_file, roll.code_url, error);
    if (!made) return vc::usage_error(common, error);
    note = std::move(*made);
    cmd.mode = vote::voter_mode::codes;
  }

  return vc::run_registration(common, std::move(cmd), groups, console,
                              [&](const vc::call_result& result) {
                                if (note.empty() || common.json) return;
                                (result.ok() ? console.out : console.err) << note << "\n";
                              });
}
