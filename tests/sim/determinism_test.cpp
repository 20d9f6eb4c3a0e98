// A seed replays exactly (DESIGN.md §9): the same seed gives the same trace, line for line;
// other seeds give other runs. Also the simulator's own parts: rng, topology, network.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vote/sim/log_model.hpp"
#include "vote/sim/network.hpp"
#include "vote/sim/rng.hpp"
#include "vote/sim/simulation.hpp"
#include "vote/sim/topology.hpp"

namespace vote::sim {
namespace {

std::uint64_t trace_digest(std::uint64_t seed, fault_kind kind, std::size_t& lines) {
  std::uint64_t h = 0;
  lines = 0;
  run_config cfg;
  cfg.seed = seed;
  cfg.nodes = 5;
  cfg.faults = kind;
  cfg.trace = [&](const std::string& line) {
    ++lines;
    h = h * 1'000'003 + entry_digest(log_entry{0, 0, entry_kind::command, line});
  };
  run_simulation(cfg);
  return h;
}

TEST(Determinism, SameSeedReplaysTheSameTrace) {
  std::size_t a_lines = 0;
  std::size_t b_lines = 0;
  const auto a = trace_digest(42, fault_kind::mixed, a_lines);
  const auto b = trace_digest(42, fault_kind::mixed, b_lines);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a_lines, b_lines);
  EXPECT_GT(a_lines, 1000u);
  std::size_t c_lines = 0;
  EXPECT_NE(trace_digest(43, fault_kind::mixed, c_lines), a);
}

TEST(Determinism, TracingDoesNotChangeTheRun) {
  run_config cfg;
  cfg.seed = 7;
  cfg.nodes = 3;
  cfg.faults = fault_kind::crashes;
  const auto quiet = run_simulation(cfg);
  cfg.trace = [](const std::string&) {};
  const auto traced = run_simulation(cfg);
  EXPECT_EQ(summary(cfg, quiet), summary(cfg, traced));
}

TEST(Rng, BoundedDrawsStayInRangeAndReplay) {
  rng a(5);
  rng b(5);
  for (int i = 0; i < 1000; ++i) {
    const auto x = a.between(-3, 3);
    EXPECT_GE(x, -3);
    EXPECT_LE(x, 3);
    EXPECT_EQ(x, b.between(-3, 3));
  }
  EXPECT_FALSE(a.chance(0.0));
  EXPECT_TRUE(a.chance(1.0));
}

TEST(Topology, SplitBridgeAndOneWay) {
  topology t(4);
  t.split({{0, 1}, {2, 3}});
  EXPECT_TRUE(t.connected(0, 1));
  EXPECT_FALSE(t.can_send(1, 2));
  t.open_all(1);  // node 1 bridges both sides
  EXPECT_TRUE(t.connected(1, 3));
  EXPECT_FALSE(t.can_send(0, 3));
  t.heal();
  t.cut(2, 0);
  EXPECT_TRUE(t.can_send(0, 2));
  EXPECT_FALSE(t.can_send(2, 0));
  EXPECT_FALSE(t.healed());
}

TEST(Network, DeliversInTimeOrderAndDropsOrDuplicatesByProfile) {
  rng random(1);
  network net(random);
  fault_profile p;
  p.late = 0.0;
  consensus::envelope e;
  for (int i = 0; i < 100; ++i) net.send(0, 0, 1, e, p);
  std::int64_t last = 0;
  int delivered = 0;
  while (auto got = net.pop_due(1000)) {
    EXPECT_GE(got->deliver_at_ms, last);
    last = got->deliver_at_ms;
    ++delivered;
  }
  EXPECT_EQ(delivered, 100);
  p.drop = 1.0;
  net.send(0, 0, 1, e, p);
  EXPECT_EQ(net.in_flight(), 0u);
  p.drop = 0.0;
  p.duplicate = 1.0;
  net.send(0, 0, 1, e, p);
  EXPECT_EQ(net.in_flight(), 2u);
}

}  // namespace
}  // namespace vote::sim
