// Command-line conventions shared by every binary (README "Command-line conventions"): --version,
// usage errors exit 2, and an unknown flag is named before anything else, with the closest flag
// the program knows ("did you mean --candidates?").
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace vote::cli {

inline constexpr int exit_usage = 2;

// "0.1.0 (git v0.1.0-12-g731acc3)": the project version and `git describe` of the tree this
// binary was built from (generated at build time by cmake/vote_version.cmake).
std::string_view version() noexcept;

// Adds --version to `app`: it prints "<program> <version>" on stdout, and the program exits 0.
void add_version_flag(CLI::App& app);

// The long flag of `app` or of its subcommands closest to `unknown` ("--candidate" →
// "--candidates", "--electionid" → "--election-id"), when one is close enough to be meant.
std::optional<std::string> closest_flag(const CLI::App& app, std::string_view unknown);

// Parses the command line, with --version added. nullopt: the program goes on. Otherwise the
// process's exit code: 0 after --help or --version (printed to `out`), exit_usage after a usage
// error (printed to `err`, with a pointer to --help). An unknown flag is reported first, even when
// CLI11 would have complained of a missing required one.
std::optional<int> parse(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
                         std::ostream& err);

}  // namespace vote::cli
