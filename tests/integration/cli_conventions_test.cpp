// Every binary follows the same command-line conventions (README "Command-line conventions"):
// --version names the program and the build and exits 0; an unknown flag is a usage error (exit
// 2) that names the flag and the one probably meant, even where a required flag is missing too.
#include <gtest/gtest.h>

#include "vote/lab/harness.hpp"

namespace vote::test {
namespace {

struct binary {
  std::string name;
  std::string typo;   // an unknown flag close to one the program has
  std::string meant;  // that flag
};

const binary binaries[] = {
    {"vote-server", "--prot", "--port"},
    {"register", "--candidate", "--candidates"},
    {"vote", "--electionid", "--election-id"},
    {"close", "--idd", "--id"},
    {"vote-status", "--jsn", "--json"},
    {"vote-admin", "--timout", "--timeout"},
    {"vote-bench", "--conections", "--connections"},
    {"vote-verify", "--recrd", "--record"},
    {"vote-chaos", "--voter", "--voters"},
    {"vote-sim", "--nodez", "--nodes"},
    {"vote-count-bench", "--ballot", "--ballots"},
    {"vote-state-bench", "--voter", "--voters"},
};

TEST(CliConventions, EveryBinaryAnswersVersion) {
  for (const auto& b : binaries) {
    const auto r = run(b.name, {"--version"});
    EXPECT_EQ(r.code, 0) << b.name << ": " << r.err;
    EXPECT_EQ(r.out.rfind(b.name + " ", 0), 0U) << b.name << ": " << r.out;
    EXPECT_NE(r.out.find("(git "), std::string::npos) << b.name << ": " << r.out;
  }
}

TEST(CliConventions, EveryBinarySuggestsTheFlagATypoMeantAndExitsTwo) {
  for (const auto& b : binaries) {
    // No other flag: several programs have required ones, which must not be reported instead.
    const auto r = run(b.name, {b.typo, "x"});
    EXPECT_EQ(r.code, 2) << b.name << ": " << r.err;
    EXPECT_NE(r.err.find("unknown flag " + b.typo + "; did you mean " + b.meant + "?"),
              std::string::npos)
        << b.name << ": " << r.err;
  }
}

}  // namespace
}  // namespace vote::test
