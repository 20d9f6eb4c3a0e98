// The command-line conventions every binary shares: --version, exit 2 on a usage error, and an
// unknown flag named first with the flag that was probably meant.
#include "vote/cli/command_line.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace vote::cli {
namespace {

// A program shaped like `register`: a required multi-value flag, a subcommand with its own flag.
struct program {
  program() {
    app.add_option("--candidates", candidates, "Candidates")->required();
    app.add_option("--election-id,--election_id", election, "Election");
    app.add_option("--authorized-users-file", file, "Roll file");
    app.add_flag("--json", json, "JSON");
    auto* sub = app.add_subcommand("extend", "Move a deadline");
    sub->add_option("--closes-at", closes_at, "When");
  }
  std::optional<int> run(std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/register");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return parse(app, static_cast<int>(argv.size()), argv.data(), out, err);
  }
  CLI::App app{"test program"};
  std::vector<std::string> candidates;
  std::string election, file, closes_at;
  bool json = false;
  std::ostringstream out, err;
};

TEST(CommandLine, VersionNamesTheProgramAndTheBuildAndExitsZero) {
  program p;
  EXPECT_EQ(p.run({"--version"}), std::optional(0));
  EXPECT_EQ(p.out.str(), "register " + std::string(version()) + "\n");
  EXPECT_NE(version().find("(git "), std::string_view::npos) << version();
  EXPECT_TRUE(p.err.str().empty());
}

TEST(CommandLine, HelpListsVersionAndExitsZero) {
  program p;
  EXPECT_EQ(p.run({"--help"}), std::optional(0));
  EXPECT_NE(p.out.str().find("--version"), std::string::npos) << p.out.str();
}

TEST(CommandLine, AGoodCommandLineGoesOn) {
  program p;
  EXPECT_EQ(p.run({"--candidates", "A", "B", "--json"}), std::nullopt);
  EXPECT_EQ(p.candidates, (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(p.json);
}

TEST(CommandLine, AnUnknownFlagIsNamedBeforeAMissingRequiredOneWithASuggestion) {
  program p;
  EXPECT_EQ(p.run({"--candidate", "A", "B"}), std::optional(exit_usage));
  EXPECT_EQ(p.err.str(),
            "Error: unknown flag --candidate; did you mean --candidates?\n"
            "Run with --help for more information.\n");
  EXPECT_EQ(p.err.str().find("required"), std::string::npos);
}

TEST(CommandLine, AnUnknownFlagWithAValueAfterEqualsIsNamedWithoutIt) {
  program p;
  EXPECT_EQ(p.run({"--candidates", "A", "--electionid=e1"}), std::optional(exit_usage));
  EXPECT_NE(p.err.str().find("unknown flag --electionid; did you mean --election-id?"),
            std::string::npos)
      << p.err.str();
}

TEST(CommandLine, AFlagNothingResemblesGetsNoSuggestion) {
  program p;
  EXPECT_EQ(p.run({"--candidates", "A", "--zzzzzzzz"}), std::optional(exit_usage));
  EXPECT_EQ(p.err.str(), "Error: unknown flag --zzzzzzzz\nRun with --help for more information.\n");
}

TEST(CommandLine, OtherUsageErrorsExitTwo) {
  program p;
  EXPECT_EQ(p.run({"--json"}), std::optional(exit_usage));  // --candidates is required
  EXPECT_EQ(p.err.str(),
            "Error: --candidates is required\nRun with --help for more information.\n");
}

TEST(CommandLine, ClosestFlagLooksInSubcommandsAndReadsUnderscoresAsDashes) {
  program p;
  EXPECT_EQ(closest_flag(p.app, "--closes-a"), std::optional<std::string>("--closes-at"));
  EXPECT_EQ(closest_flag(p.app, "--authorized_users_fil"),
            std::optional<std::string>("--authorized-users-file"));
  EXPECT_EQ(closest_flag(p.app, "--jsno"), std::optional<std::string>("--json"));
  EXPECT_EQ(closest_flag(p.app, "--cand"), std::optional<std::string>("--candidates"));
  EXPECT_EQ(closest_flag(p.app, "--x"), std::nullopt);
  EXPECT_EQ(closest_flag(p.app, "--verbose"), std::nullopt);
}

}  // namespace
}  // namespace vote::cli
