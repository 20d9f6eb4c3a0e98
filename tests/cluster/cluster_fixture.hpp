// Helper verbs for the loopback cluster tests, so that each test reads like what an operator
// does: form a cluster, register an election, vote, kill a server, check the tally.
//
// Every wait is a poll with a deadline. Deadlines are generous because ctest runs these suites
// in parallel with the others on a small machine; a healthy cluster meets them in well under a
// second (a leader's tenure, 5 s, is the only long wait, and only where a test needs it).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/lab/cluster.hpp"

namespace vote::test {

using namespace std::chrono_literals;
using node_id = cluster::node_id;

inline constexpr auto converge = 15s;  // a leader agreed on, a member caught up
inline constexpr auto tenure = 25s;    // the 5 s tenure of the highest id, then convergence

// The voters of one election and the votes the cluster acknowledged (exit code 0).
struct ballot {
  std::string election;
  int voters = 0;
  std::map<std::string, std::string> acknowledged;  // voter -> candidate
  static std::string voter(int i) { return "v" + std::to_string(i); }
  static std::string candidate_for(int i) { return i % 3 == 0 ? "Carol" : i % 2 ? "Alice" : "Bob"; }
  std::map<std::string, std::uint64_t> expected_tallies() const {
    std::map<std::string, std::uint64_t> t{{"Alice", 0}, {"Bob", 0}, {"Carol", 0}};
    for (const auto& [v, c] : acknowledged) ++t[c];
    return t;
  }
};

class ClusterTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && c_) std::cerr << "---- server logs (tail) ----\n" << c_->logs() << "----\n";
  }

  cluster& make(node_id size, cluster::options o = {}) {
    o.size = size;
    c_ = std::make_unique<cluster>(std::move(o));
    return *c_;
  }
  cluster& c() { return *c_; }

  // Starts server 1 alone and waits until it leads, then starts the others at once; succeeds once
  // every server follows one leader and (when cluster_status is served) all are voters.
  ::testing::AssertionResult form(const std::vector<std::string>& extra = {}) {
    c().start(1, extra);
    if (!c().wait_until_leader_is(1, converge)) {
      return ::testing::AssertionFailure() << "server 1, started alone, did not lead";
    }
    std::vector<node_id> rest;
    for (node_id id = 2; id <= c().size(); ++id) rest.push_back(id);
    c().start_all(extra, rest);
    if (!c().wait_for_leader(converge)) {
      return ::testing::AssertionFailure() << "the servers did not agree on one leader";
    }
    return all_voters(c().size());
  }

  // Starts every server at once with --bootstrap-expect <size> and waits until the highest id
  // leads with every server a voter: a settled cluster whose leader will not hand over.
  ::testing::AssertionResult form_at_once(std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"--bootstrap-expect", std::to_string(c().size())});
    c().start_all(extra);
    if (!c().wait_until_leader_is(c().size(), tenure)) {
      return ::testing::AssertionFailure() << "server " << c().size() << " did not come to lead";
    }
    return all_voters(c().size());
  }

  // The voting members that server `id` lists in cluster_status; nullopt when it does not serve
  // that request (then the test relies on status alone).
  std::optional<std::set<node_id>> voters_seen_by(node_id id) {
    auto j = c().cluster_status(id);
    if (!j || !j->value("ok", false)) return std::nullopt;
    std::set<node_id> voters;
    for (const auto& m : j->at("cluster").at("members")) {
      if (m.value("voter", false)) voters.insert(m.at("id").get<node_id>());
    }
    return voters;
  }

  bool cluster_status_served() {
    auto j = c().cluster_status(c().live().front());
    return j && j->value("ok", false);
  }

  // Every server 1..n is a voter in the leader's cluster_status (skipped when not served).
  ::testing::AssertionResult all_voters(node_id n) {
    if (!cluster_status_served()) {
      std::cerr << "note: cluster_status not served; membership checked through status only\n";
      return ::testing::AssertionSuccess();
    }
    std::set<node_id> want;
    for (node_id id = 1; id <= n; ++id) want.insert(id);
    return voters_become(want);
  }

  // Polls until the agreed leader's cluster_status lists exactly `want` as voters.
  ::testing::AssertionResult voters_become(const std::set<node_id>& want) {
    std::optional<std::set<node_id>> seen;
    const bool ok = eventually(
        [&] {
          auto leader = c().agreed_leader(c().live());
          return leader && (seen = voters_seen_by(*leader)) == want;
        },
        converge);
    if (ok) return ::testing::AssertionSuccess();
    auto r = ::testing::AssertionFailure() << "leader's cluster_status voters:";
    if (seen) {
      for (auto id : *seen) r << " " << id;
    }
    r << " (want";
    for (auto id : want) r << " " << id;
    return r << ")";
  }

  // Polls until server `id` is a follower of the leader that all the other live servers agree on
  // (a returning old leader, say).
  ::testing::AssertionResult follows_the_others(node_id id) {
    std::vector<node_id> others;
    for (auto other : c().live()) {
      if (other != id) others.push_back(other);
    }
    std::optional<wire::server_status> seen;
    const bool ok = eventually(
        [&] {
          seen = c().status(id);
          return seen && seen->role == "follower" && c().agreed_leader(others) == seen->leader.id;
        },
        converge);
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "server " << id << " does not follow the others' leader; it says role "
           << (seen ? seen->role + ", leader_id " + std::to_string(seen->leader.id)
                    : "(no answer)");
  }

  run_result client(const std::string& name, std::vector<std::string> args,
                    std::vector<std::string> flags) {
    args.insert(args.end(), flags.begin(), flags.end());
    return run(name, args, 60s);
  }

  // Registers an election with candidates Alice, Bob, Carol and voters v0..v<voters-1>.
  ::testing::AssertionResult register_election(ballot& b, const std::string& election, int voters) {
    b = ballot{election, voters, {}};
    std::vector<std::string> args = {"--id", election, "--candidates",      "Alice",
                                     "Bob",  "Carol",  "--authorized-users"};
    for (int i = 0; i < voters; ++i) args.push_back(ballot::voter(i));
    auto r = client("register", args, c().discovery_flags());
    if (r.code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "register exit " << r.code << ": " << r.err << r.out;
  }

  // Casts voter i's vote through `flags` (broadcast discovery by default); records it when the
  // cluster acknowledges it.
  ::testing::AssertionResult cast(ballot& b, int i, std::vector<std::string> flags = {}) {
    if (flags.empty()) flags = c().discovery_flags();
    auto r = client("vote",
                    {"--id", ballot::voter(i), "--candidate", ballot::candidate_for(i),
                     "--election-id", b.election},
                    flags);
    if (r.code != 0) {
      return ::testing::AssertionFailure()
             << "vote by " << ballot::voter(i) << " exit " << r.code << ": " << r.err << r.out;
    }
    b.acknowledged[ballot::voter(i)] = ballot::candidate_for(i);
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult cast_range(ballot& b, int from, int to) {
    for (int i = from; i < to; ++i) {
      if (auto r = cast(b, i); !r) return r;
    }
    return ::testing::AssertionSuccess();
  }

  // Closes the election through broadcast discovery; the result as `close --json` prints it.
  std::optional<nlohmann::json> close(const ballot& b) {
    auto r = client("close", {"--id", b.election, "--json"}, c().discovery_flags());
    if (r.code != 0) {
      ADD_FAILURE() << "close exit " << r.code << ": " << r.err << r.out;
      return std::nullopt;
    }
    return nlohmann::json::parse(r.out);
  }

  // Closes the election; its tally counts exactly the acknowledged votes.
  void close_and_expect_exact_tally(const ballot& b) {
    auto result = close(b);
    ASSERT_TRUE(result);
    expect_exact_tally(b, *result);
  }

  // The tally counts exactly the acknowledged votes: each one, nothing else.
  void expect_exact_tally(const ballot& b, const nlohmann::json& result) {
    std::map<std::string, std::uint64_t> tallies;
    for (auto& [name, votes] : result.at("tallies").items())
      tallies[name] = votes.get<std::uint64_t>();
    EXPECT_EQ(tallies, b.expected_tallies()) << result.dump();
    EXPECT_EQ(result.at("votes_cast").get<std::uint64_t>(), b.acknowledged.size());
  }

  std::unique_ptr<cluster> c_;
};

}  // namespace vote::test
