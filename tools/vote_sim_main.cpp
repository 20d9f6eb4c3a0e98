// vote-sim: runs the deterministic simulator of the consensus core (include/vote/sim/;
// DESIGN.md §9) over many seeds, or replays one seed with a readable trace.
//
//   vote-sim --seeds 500 [--first 1] [--nodes 5] [--faults mixed]   many seeds, a summary
//   vote-sim --seed 42 --nodes 5 --faults crashes --trace           one seed, every event
//
// Without --nodes the cluster size cycles over 1..7 with the seed (1 + seed % 7); without
// --faults the fault kind cycles over every kind (seed / 7). A failure prints the seed, what
// broke and the command that replays it. Exit code 0: every seed passed; 1: some failed.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "vote/cli/command_line.hpp"
#include "vote/sim/faults.hpp"
#include "vote/sim/simulation.hpp"

namespace {

namespace vs = vote::sim;

struct cli_options {
  std::optional<std::uint64_t> seed;
  std::uint64_t seeds = 100;
  std::uint64_t first = 1;
  std::optional<std::size_t> nodes;
  std::optional<std::string> faults;
  bool trace = false;
  bool fifo = false;
  bool verbose = false;
  std::size_t show = 10;  // violations printed per failing seed
  std::int64_t liveness_ms = vs::run_config{}.liveness_bound_ms;
  std::int64_t chaos_ms = vs::run_config{}.chaos_ms;
  std::int64_t settle_ms = vs::run_config{}.settle_ms;
};

vs::run_config config_for(const cli_options& o, std::uint64_t seed) {
  vs::run_config cfg;
  cfg.seed = seed;
  cfg.nodes = o.nodes.value_or(1 + seed % 7);
  const auto& kinds = vs::all_fault_kinds();
  cfg.faults = o.faults ? *vs::fault_kind_from_string(*o.faults) : kinds[(seed / 7) % kinds.size()];
  cfg.liveness_bound_ms = o.liveness_ms;
  cfg.chaos_ms = o.chaos_ms;
  cfg.settle_ms = o.settle_ms;
  cfg.fifo = o.fifo;
  if (o.trace) cfg.trace = [](const std::string& line) { std::cout << line << '\n'; };
  return cfg;
}

void report_failure(const vs::run_config& cfg, const vs::run_result& r, std::size_t show) {
  std::cout << vs::summary(cfg, r) << '\n';
  for (std::size_t i = 0; i < r.violations.size() && i < show; ++i) {
    std::cout << "  " << r.violations[i] << '\n';
  }
  std::cout << "  replay: " << vs::replay_command(cfg) << '\n';
}

int run_many(const cli_options& o) {
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> per_kind;  // runs, failures
  std::uint64_t failed = 0;
  std::int64_t sim_ms = 0;
  for (std::uint64_t seed = o.first; seed < o.first + o.seeds; ++seed) {
    const auto cfg = config_for(o, seed);
    const auto r = vs::run_simulation(cfg);
    sim_ms += r.end_ms;
    auto& k = per_kind[std::string(vs::to_string(cfg.faults))];
    ++k.first;
    if (!r.ok) {
      ++failed;
      ++k.second;
      report_failure(cfg, r, o.show);
    } else if (o.verbose) {
      std::cout << vs::summary(cfg, r) << '\n';
    }
  }
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
  for (const auto& [kind, counts] : per_kind) {
    std::cout << "  " << kind << ": " << counts.first << " runs, " << counts.second << " failed\n";
  }
  std::cout << o.seeds << " seeds (" << o.first << ".." << o.first + o.seeds - 1 << "), " << failed
            << " failed, " << sim_ms / 1000 << " s simulated in " << wall.count() << " s\n";
  return failed == 0 ? 0 : 1;
}

int run_one(const cli_options& o) {
  const auto cfg = config_for(o, *o.seed);
  const auto r = vs::run_simulation(cfg);
  if (!r.ok) {
    report_failure(cfg, r, r.violations.size());
    return 1;
  }
  std::cout << vs::summary(cfg, r) << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Deterministic simulator of the vote-server consensus core: N cores, a faulty "
      "network, crashes and an adversary, with the safety invariants checked after "
      "every step.",
      "vote-sim"};
  cli_options o;
  std::string kinds;
  for (const auto k : vs::all_fault_kinds())
    kinds += (kinds.empty() ? "" : ", ") + std::string(vs::to_string(k));
  app.add_option("--seed", o.seed, "Run this one seed (see --trace)");
  app.add_option("--seeds", o.seeds, "How many seeds to run")->capture_default_str();
  app.add_option("--first", o.first, "First seed of --seeds")->capture_default_str();
  app.add_option("--nodes", o.nodes, "Cluster size 1..7 (default: 1 + seed % 7)")
      ->check(CLI::Range(1, 7));
  app.add_option("--faults", o.faults, "Fault kind: " + kinds + " (default: cycles with the seed)")
      ->check([](const std::string& v) {
        return vs::fault_kind_from_string(v) ? std::string() : "unknown fault kind " + v;
      });
  app.add_flag("--trace", o.trace, "Print every message, write, crash, partition and commit");
  app.add_flag("--fifo", o.fifo, "Links never reorder or duplicate (triage: like TCP)");
  app.add_flag("--verbose", o.verbose, "Print a summary line for every seed");
  app.add_option("--liveness-ms", o.liveness_ms, "Liveness bound after faults stop (ms)")
      ->capture_default_str();
  app.add_option("--chaos-ms", o.chaos_ms, "Length of the chaos phase (ms)")->capture_default_str();
  app.add_option("--settle-ms", o.settle_ms, "Calm time after the handover tenure (ms)")
      ->capture_default_str();
  app.add_option("--show", o.show, "Violations printed per failing seed")->capture_default_str();
  if (auto rc = vote::cli::parse(app, argc, argv, std::cout, std::cerr)) return *rc;
  return o.seed ? run_one(o) : run_many(o);
}
