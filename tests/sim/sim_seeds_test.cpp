// Thousands of seeded simulation runs (DESIGN.md §9): for every fault kind and every cluster size
// 1..7, a batch of seeds, each checked after every step against the invariants of §5.6 and at the
// end for liveness, convergence and the client history. A failure prints the seed, what broke and
// the command that replays it with a trace.
#include <cstdint>
#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vote/sim/faults.hpp"
#include "vote/sim/simulation.hpp"

namespace vote::sim {
namespace {

struct seed_batch {
  fault_kind kind = fault_kind::none;
  std::size_t nodes = 3;
  std::uint64_t seeds = 10;
  std::uint64_t first = 1;
};

// Seeds per (kind, size): every kind gets every size; the bigger clusters and the richer fault
// kinds get more seeds. Seed numbers differ across batches.
std::vector<seed_batch> batches_for(fault_kind kind, std::uint64_t per_size) {
  std::vector<seed_batch> v;
  const auto k = static_cast<std::uint64_t>(kind);
  for (std::size_t nodes = 1; nodes <= 7; ++nodes) {
    const std::uint64_t seeds = nodes <= 2 ? per_size / 2 : per_size;
    v.push_back(seed_batch{kind, nodes, seeds, 1 + k * 100'000 + nodes * 10'000});
  }
  return v;
}

// Readable test names and parameter dumps: "mixed, 5 nodes, seeds 950001..950060".
void PrintTo(const seed_batch& b, std::ostream* os) {
  *os << to_string(b.kind) << ", " << b.nodes << " nodes, seeds " << b.first << ".."
      << b.first + b.seeds - 1;
}

std::string batch_name(const ::testing::TestParamInfo<seed_batch>& info) {
  std::string kind(to_string(info.param.kind));
  for (auto& c : kind) {
    if (c == '-') c = '_';
  }
  return kind + "_" + std::to_string(info.param.nodes) + "_nodes";
}

class SimSeeds : public ::testing::TestWithParam<seed_batch> {};

// VOTE_SIM_STRIDE=N runs every Nth seed of each batch: the sanitizer stage of scripts/test.sh
// samples the set this way (every kind and size, a tenth of the seeds).
std::uint64_t seed_stride() {
  const char* s = std::getenv("VOTE_SIM_STRIDE");
  if (s == nullptr) return 1;
  const auto n = std::strtoull(s, nullptr, 10);
  return n == 0 ? 1 : n;
}

TEST_P(SimSeeds, InvariantsHoldAndClusterRecovers) {
  const auto& batch = GetParam();
  const auto stride = seed_stride();
  int failures = 0;
  for (std::uint64_t seed = batch.first; seed < batch.first + batch.seeds; seed += stride) {
    run_config cfg;
    cfg.seed = seed;
    cfg.nodes = batch.nodes;
    cfg.faults = batch.kind;
    const auto r = run_simulation(cfg);
    if (r.ok) continue;
    std::string detail;
    for (std::size_t i = 0; i < r.violations.size() && i < 5; ++i) {
      detail += "\n    " + r.violations[i];
    }
    ADD_FAILURE() << summary(cfg, r) << detail << "\n  replay: " << replay_command(cfg);
    if (++failures == 3) break;  // enough to debug; the rest would repeat it
  }
}

#define VOTE_SIM_KIND(name, kind, per_size)                                                  \
  INSTANTIATE_TEST_SUITE_P(name, SimSeeds, ::testing::ValuesIn(batches_for(kind, per_size)), \
                           batch_name)

// 6 batches' worth per kind (sizes 1 and 2 get half): 3,000 seeds in all.
VOTE_SIM_KIND(NoFaults, fault_kind::none, 20);
VOTE_SIM_KIND(Lossy, fault_kind::lossy, 30);
VOTE_SIM_KIND(Partitions, fault_kind::partitions, 40);
VOTE_SIM_KIND(LeaderMinority, fault_kind::leader_minority, 50);
VOTE_SIM_KIND(Bridge, fault_kind::bridge, 40);
VOTE_SIM_KIND(OneWay, fault_kind::one_way, 40);
VOTE_SIM_KIND(Crashes, fault_kind::crashes, 60);
VOTE_SIM_KIND(Takeovers, fault_kind::takeovers, 70);
VOTE_SIM_KIND(Membership, fault_kind::membership, 60);
VOTE_SIM_KIND(Mixed, fault_kind::mixed, 90);

}  // namespace
}  // namespace vote::sim
