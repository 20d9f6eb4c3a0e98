#include "vote/cli/command_line.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

namespace vote::cli {
namespace {

// Edit distance (insertions, deletions, substitutions) between two short strings.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

void collect_flags(const CLI::App& app, std::vector<std::string>& out) {
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& name : o->get_lnames()) out.push_back("--" + name);
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    collect_flags(*sub, out);
  }
}

// The flags of the command line that no option took: "--name" or "--name=value" → "--name",
// short ones as given.
std::vector<std::string> unknown_flags(const CLI::App& app) {
  std::vector<std::string> unknown;
  for (const std::string& arg : app.remaining(true)) {
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") continue;
    if (arg[1] != '-' && std::isdigit(static_cast<unsigned char>(arg[1]))) continue;  // -5
    unknown.push_back(arg.substr(0, arg.find('=')));
  }
  return unknown;
}

std::string program_name(const CLI::App& app) {
  return std::filesystem::path(app.get_name()).filename().string();
}

}  // namespace

void add_version_flag(CLI::App& app) {
  app.set_version_flag(
      "--version", [&app] { return program_name(app) + " " + std::string(version()); },
      "Print the version (from the build's git describe) and exit");
}

std::optional<std::string> closest_flag(const CLI::App& app, std::string_view unknown) {
  std::vector<std::string> flags;
  collect_flags(app, flags);
  std::string given(unknown);
  std::replace(given.begin(), given.end(), '_', '-');
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const std::string& flag : flags) {
    std::size_t d = distance(given, flag);
    // "--cand" for "--candidates": a prefix of at least three letters is a likely meaning.
    if (given.size() >= 5 && flag.starts_with(given)) d = std::min<std::size_t>(d, 1);
    if (!best || d < best_distance) {
      best = flag;
      best_distance = d;
    }
  }
  // Close enough to be a typo: a third of the name's letters, at least two.
  const std::size_t letters = given.size() > 2 ? given.size() - 2 : 0;
  if (!best || best_distance > std::max<std::size_t>(2, letters / 3)) return std::nullopt;
  return best;
}

std::optional<int> parse(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
                         std::ostream& err) {
  if (app.get_option_no_throw("--version") == nullptr) add_version_flag(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    const auto unknown = unknown_flags(app);
    if (unknown.empty()) {  // CLI11's message ("--id is required"), in the one prefix style
      err << "Error: " << e.what() << "\nRun with --help for more information.\n";
      return exit_usage;
    }
    for (const std::string& flag : unknown) {
      err << "Error: unknown flag " << flag;
      if (const auto near = closest_flag(app, flag)) err << "; did you mean " << *near << "?";
      err << "\n";
    }
    err << "Run with --help for more information.\n";
    return exit_usage;
  }
  return std::nullopt;
}

}  // namespace vote::cli
