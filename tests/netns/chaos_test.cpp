// A short seeded chaos run through the real tool: five servers in namespaces, kills, pauses,
// partitions and isolation for 20 s, then every history check must pass. Needs root; skipped
// otherwise. On failure the tool's report (with the violated checks and where the server logs
// were kept) is printed.
#include <gtest/gtest.h>

#include "vote/lab/netns.hpp"

namespace vote::lab {
namespace {

TEST(ChaosTest, SeededTwentySecondRunPassesEveryHistoryCheck) {
  if (auto why = netns_unavailable_reason()) GTEST_SKIP() << *why;
  const auto r =
      test::run("vote-chaos", {"--seed", "20240501", "--duration", "20"}, std::chrono::minutes(4));
  EXPECT_EQ(r.code, 0) << r.out << "\n" << r.err;
  EXPECT_NE(r.out.find("seed: 20240501"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASSED"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace vote::lab
