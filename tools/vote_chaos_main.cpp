// vote-chaos: seeded chaos runs of a vote-server cluster in network namespaces, checked against
// the recorded client history; and the failover and restart benches on loopback
// (docs/testing.md, docs/operations.md "Performance").
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <random>

#include "vote/cli/command_line.hpp"
#include "vote/lab/chaos.hpp"
#include "vote/lab/restart_bench.hpp"

namespace {

constexpr int exit_passed = 0;
constexpr int exit_failed = 1;
constexpr int exit_unavailable = 3;

std::string own_directory() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.parent_path().string();
}

int run_bench(std::size_t rounds, bool json) {
  vote::lab::failover_options o;
  o.rounds = rounds;
  const auto samples = vote::lab::run_failover_bench(o, std::cerr);
  if (json) {
    std::cout << vote::lab::to_json(samples).dump() << "\n";
  } else {
    vote::lab::print_failover(samples, std::cout);
  }
  for (const auto& s : samples) {
    if (s.unmeasured) return exit_failed;
  }
  return exit_passed;
}

int run_restart(std::uint64_t votes, bool json_v3, bool json) {
  vote::lab::restart_options o;
  o.json_v3 = json_v3;
  o.voters = static_cast<std::uint32_t>(std::min<std::uint64_t>(votes, 1'000'000));
  o.elections = static_cast<std::uint32_t>((votes + o.voters - 1) / o.voters);
  const auto r = vote::lab::run_restart_bench(o, std::cerr);
  if (json) {
    std::cout << vote::lab::to_json(r).dump() << "\n";
  } else {
    vote::lab::print_restart(r, std::cout);
  }
  return exit_passed;
}

int run_chaos(const vote::lab::chaos_options& o, bool json) {
  if (auto why = vote::lab::netns_unavailable_reason()) {
    std::cerr << "Error: cannot run: " << *why << "\n";
    return exit_unavailable;
  }
  const auto report = vote::lab::run_chaos(o, std::cerr);
  if (json) {
    std::cout << vote::lab::to_json(report).dump() << "\n";
  } else {
    vote::lab::print_summary(report, std::cout);
  }
  if (!report.passed()) {
    std::cerr << "reproduce with: vote-chaos --seed " << o.seed << " --duration "
              << o.duration.count() << " --servers " << o.servers << " --clients " << o.clients
              << "\n";
  }
  return report.passed() ? exit_passed : exit_failed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "vote-chaos: kill, pause and partition a vote-server cluster in network namespaces "
      "while recorded clients vote; then check the history"};
  app.footer(
      "A chaos run needs root and iproute2 (network namespaces made and removed by the tool; "
      "nothing is added to the root namespace); the benches run on loopback without.\nExit codes: "
      "0 every check passed; 1 a check failed or the cluster "
      "did not recover; 2 usage; 3 namespaces unavailable.");
  vote::lab::chaos_options o;
  std::optional<std::uint64_t> seed;
  long duration = 20;
  std::size_t bench_rounds = 0;
  bool json = false;
  app.add_option("--seed", seed, "Seed of the nemesis and the clients (default: random)");
  app.add_option("--duration", duration, "Seconds of chaos")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--servers", o.servers, "Servers")->capture_default_str()->check(CLI::Range(3, 9));
  app.add_option("--clients", o.clients, "Concurrent client threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--voters", o.voters, "Authorized voters of the election")
      ->capture_default_str()
      ->check(CLI::Range(10, 50000));
  app.add_flag("--keep", o.keep, "Keep the namespaces, data and logs for debugging");
  app.add_option("--bin-dir", o.bin_dir, "Directory holding vote-server (default: this tool's)");
  app.add_flag("--json", json, "Print the report as one JSON object");
  app.add_option("--failover-bench", bench_rounds,
                 "Instead: N rounds each of kill -9, SIGSTOP and SIGTERM of the leader of 3 "
                 "servers on loopback; print the time to the next acknowledged vote")
      ->check(CLI::Range(1, 100));
  std::uint64_t restart_votes = 0;
  app.add_option("--restart-bench", restart_votes,
                 "Instead: 3 servers on loopback restarted holding N recorded votes (elections of "
                 "up to 1,000,000 voters, written into their snapshots); print the time to the "
                 "first acknowledged vote and their memory")
      ->check(CLI::Range(1, 100'000'000))
      ->excludes("--failover-bench");
  bool snapshot_v3 = false;
  app.add_flag("--snapshot-v3", snapshot_v3,
               "With --restart-bench: write the snapshots as version-3 JSON, for servers of "
               "releases before version 4 (--bin-dir): a before/after pair")
      ->needs("--restart-bench");
  if (auto rc = vote::cli::parse(app, argc, argv, std::cout, std::cerr)) {
    return *rc;
  }
  o.seed = seed ? *seed : std::random_device{}() * 4294967296ull + std::random_device{}();
  o.duration = std::chrono::seconds(duration);
  if (o.bin_dir.empty()) o.bin_dir = own_directory();
  ::setenv("VOTE_BIN_DIR", o.bin_dir.c_str(), 1);  // for the loopback harness of the bench
  std::cout << "seed: " << o.seed << std::endl;
  try {
    if (restart_votes > 0) return run_restart(restart_votes, snapshot_v3, json);
    return bench_rounds > 0 ? run_bench(bench_rounds, json) : run_chaos(o, json);
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return exit_failed;
  }
}
