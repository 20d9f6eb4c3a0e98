// vote-status health on three real servers (issue 13): healthy, then a follower SIGKILLed and
// marked unreachable with no failure tolerance left, then healthy again once it is back on the
// same data directory. Every wait is a poll with a deadline: a dead member shows up only once
// the leader's last contact with it ages past --unreachable-after-ms (1000 ms by default).
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/lab/cluster.hpp"

namespace vote::test {
namespace {

using namespace std::chrono_literals;

class StatusHealthTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- server logs (tail) ----\n" << c_.logs() << "----\n";
  }

  // vote-status with `args`, by broadcast discovery on the cluster's loopback port (--quiet: a
  // slow discovery on a loaded machine prints no progress line before the error line).
  run_result status(std::vector<std::string> args) {
    args.emplace_back("--quiet");
    const auto flags = c_.discovery_flags(5);
    args.insert(args.end(), flags.begin(), flags.end());
    return run("vote-status", args, 30s);
  }

  // Polls `vote-status --check` (plus `args`) until `done` holds for its result or 20 s pass;
  // the last result either way.
  template <class Pred>
  run_result check_until(Pred done, std::vector<std::string> args = {}) {
    args.insert(args.begin(), "--check");
    run_result last;
    eventually([&] { return done(last = status(args)); }, 20s, 100ms);
    return last;
  }

  static std::optional<nlohmann::json> member(const nlohmann::json& view, std::uint64_t id) {
    for (const auto& m : view.at("members")) {
      if (m.at("id") == id) return m;
    }
    return std::nullopt;
  }

  cluster c_;
};

TEST_F(StatusHealthTest, AKilledFollowerIsUnreachableUntilItComesBack) {
  c_.start_all({"--bootstrap-expect", "3"});
  ASSERT_TRUE(c_.wait_until_leader_is(3, 25s)) << "server 3 did not come to lead";

  // Healthy: every voter heard from, one more server may be lost.
  auto r = check_until([](const run_result& x) { return x.code == 0; }, {"--json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("ok"), true);
  EXPECT_EQ(j.at("health"), "ok");
  EXPECT_EQ(j.at("voters"), 3);
  EXPECT_EQ(j.at("reachable_voters"), 3);
  EXPECT_EQ(j.at("quorum"), 2);
  EXPECT_EQ(j.at("failure_tolerance"), 1);

  // A follower's own view: health is known only by the leader.
  auto follower =
      run("vote-status", {"--check", "--quiet", "--server", c_.endpoint(2), "--timeout", "5"});
  EXPECT_EQ(follower.code, 1) << follower.out << follower.err;
  EXPECT_NE(follower.err.find("only the leader knows which members are reachable"),
            std::string::npos)
      << follower.err;

  // Server 1 killed: once the leader's last contact ages past the threshold it is unreachable,
  // the cluster degraded (exit 1), and no more server may be lost.
  c_.kill9(1);
  r = check_until([](const run_result& x) { return x.code == 1; });
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("Error: degraded: node 1 unreachable", 0), 0U) << r.err;
  EXPECT_NE(r.out.find("unreachable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("voters 3, reachable 2, quorum 2: can lose 0 more server(s)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("health: degraded: node 1 unreachable"), std::string::npos) << r.out;
  // Without --check (polled: a follower starved for a second on a loaded machine would count
  // as unreachable too, for a moment).
  run_result degraded;
  eventually(
      [&] {
        degraded = status({"--json"});
        const auto view = nlohmann::json::parse(degraded.out, nullptr, false);
        return view.is_object() && view.value("reachable_voters", nlohmann::json()) == 2;
      },
      20s, 100ms);
  EXPECT_EQ(degraded.code, 0) << "without --check a known leader still exits 0";
  j = nlohmann::json::parse(degraded.out);
  EXPECT_EQ(j.at("ok"), false);
  EXPECT_EQ(j.at("failure_tolerance"), 0);
  EXPECT_EQ(j.at("reachable_voters"), 2);
  ASSERT_TRUE(member(j, 1));
  EXPECT_EQ(member(j, 1)->at("reachable"), false);

  // Back on the same data directory: healthy again.
  c_.restart(1);
  r = check_until([](const run_result& x) { return x.code == 0; }, {"--json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("ok"), true);
  EXPECT_EQ(j.at("failure_tolerance"), 1);
  EXPECT_EQ(member(j, 1)->at("reachable"), true);
}

}  // namespace
}  // namespace vote::test
