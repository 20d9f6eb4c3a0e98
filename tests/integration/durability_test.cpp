// Durability and concurrency of a real vote-server: kill -9 in a burst, restart, 200 voters.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "vote/core/election.hpp"
#include "vote/lab/harness.hpp"
#include "vote/storage/file_system.hpp"
#include "vote/storage/snapshot.hpp"

namespace vote::test {
namespace {

using namespace std::chrono_literals;

// Voter v<n> votes A if n is odd, else B.
wire::client_request vote_request(const std::string& election, int voter,
                                  const std::string& request_id) {
  return test::vote_request(election, "v" + std::to_string(voter), voter % 2 ? "A" : "B",
                            request_id);
}

std::optional<election_result> results(std::uint16_t port, const std::string& election) {
  wire::client_request r;
  r.type = wire::request_type::results;
  r.election_id = election;
  auto resp = request(port, r);
  if (!resp || !resp->ok()) return std::nullopt;
  return resp->result;
}

TEST(DurabilityTest, KillNineInABurstKeepsEveryAcknowledgedVoteAndDoublesNone) {
  server srv;
  srv.start();
  constexpr int voters = 4000;
  ASSERT_TRUE(request(srv.port(), register_request("burst", voters)).value().ok());

  std::atomic<int> next{0};
  std::mutex mu;
  std::set<int> acknowledged;
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      for (int v = next++; v < voters; v = next++) {
        auto resp = request(srv.port(), vote_request("burst", v, "r" + std::to_string(v)), 2s);
        if (!resp) return;  // the server died: outcome unknown from here on
        ASSERT_TRUE(resp->ok()) << resp->message;
        std::lock_guard lock(mu);
        acknowledged.insert(v);
      }
    });
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return acknowledged.size() >= 500;
  }));
  srv.kill9();
  for (auto& c : clients) c.join();
  ASSERT_LT(acknowledged.size(), static_cast<std::size_t>(voters)) << "the kill came too late";

  srv.start();
  auto tally = results(srv.port(), "burst");
  ASSERT_TRUE(tally);
  EXPECT_GE(tally->votes_cast, acknowledged.size());
  // Every acknowledged voter is counted: voting again is refused, retrying is recognised.
  std::uint64_t counted = 0;
  for (int v = 0; v < voters; ++v) {
    auto again = request(srv.port(), vote_request("burst", v, "second-" + std::to_string(v)));
    ASSERT_TRUE(again);
    if (again->code == errc::already_voted) ++counted;
    if (acknowledged.count(v)) {
      EXPECT_EQ(again->code, errc::already_voted) << "voter " << v;
    }
  }
  // Nothing doubled: the tally equals the number of distinct voters with a recorded vote, and the
  // second round's new votes (for voters whose first outcome was lost) are counted once each.
  auto final_tally = results(srv.port(), "burst");
  ASSERT_TRUE(final_tally);
  EXPECT_EQ(tally->votes_cast, counted);
  EXPECT_EQ(final_tally->votes_cast, static_cast<std::uint64_t>(voters));
}

TEST(DurabilityTest, RetryOfAnAcknowledgedVoteAfterRestartReturnsTheOriginalSuccess) {
  server srv;
  srv.start();
  ASSERT_TRUE(request(srv.port(), register_request("retry", 3)).value().ok());
  ASSERT_TRUE(request(srv.port(), vote_request("retry", 1, "req-1")).value().ok());
  srv.kill9();
  srv.start();
  auto again = request(srv.port(), vote_request("retry", 1, "req-1"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->ok()) << again->message;
  auto other = request(srv.port(), vote_request("retry", 1, "req-other"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->code, errc::already_voted);
  EXPECT_EQ(results(srv.port(), "retry")->votes_cast, 1u);
}

TEST(DurabilityTest, GracefulStopExitsZeroAndKeepsEverything) {
  server srv;
  srv.start();
  ASSERT_TRUE(request(srv.port(), register_request("graceful", 10)).value().ok());
  for (int v = 0; v < 10; ++v)
    ASSERT_TRUE(request(srv.port(), vote_request("graceful", v, "g" + std::to_string(v)))->ok());
  EXPECT_EQ(srv.stop(), 0);
  srv.start();
  EXPECT_EQ(results(srv.port(), "graceful")->votes_cast, 10u);
}

TEST(ConcurrencyTest, TwoHundredVotersVotingAtOnceAreEachCountedOnce) {
  server srv;
  srv.start();
  constexpr int voters = 200;
  ASSERT_TRUE(request(srv.port(), register_request("crowd", voters)).value().ok());
  // Real client processes, 50 at a time (the machine has two cores).
  std::atomic<int> ok{0};
  for (int wave = 0; wave < voters / 50; ++wave) {
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i) {
      const int v = wave * 50 + i;
      threads.emplace_back([&, v] {
        auto r =
            run("vote", {"--id", "v" + std::to_string(v), "--candidate", v % 2 ? "A" : "B",
                         "--election-id", "crowd", "--server", srv.endpoint(), "--timeout", "20"});
        if (r.code == 0) ++ok;
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(ok.load(), voters);
  auto tally = results(srv.port(), "crowd");
  ASSERT_TRUE(tally);
  EXPECT_EQ(tally->votes_cast, static_cast<std::uint64_t>(voters));
  EXPECT_EQ(tally->tallies.at(0).votes + tally->tallies.at(1).votes, 200u);
  EXPECT_EQ(tally->tallies.at(0).votes, 100u);
}

}  // namespace
}  // namespace vote::test

namespace vote::test {
namespace {

TEST(DurabilityTest, RestartAfterSnapshotsAndLogCompactionKeepsEveryVote) {
  server srv(server::options{"", {"--snapshot-every", "50"}});
  srv.start();
  ASSERT_TRUE(request(srv.port(), register_request("snap", 300)).value().ok());
  for (int v = 0; v < 300; ++v)
    ASSERT_TRUE(request(srv.port(), vote_request("snap", v, "s" + std::to_string(v)))->ok());
  srv.kill9();
  std::size_t snapshots = 0;
  for (auto& f : std::filesystem::directory_iterator(srv.data_dir() / "data"))
    snapshots += f.path().extension() == ".snap";
  EXPECT_GE(snapshots, 1u);
  srv.start();
  auto tally = results(srv.port(), "snap");
  ASSERT_TRUE(tally);
  EXPECT_EQ(tally->votes_cast, 300u);
  EXPECT_EQ(request(srv.port(), vote_request("snap", 7, "again"))->code, errc::already_voted);
  EXPECT_TRUE(request(srv.port(), vote_request("snap", 7, "s7"))->ok());
}

// A data directory written by a release before the binary snapshots (version-3 JSON state)
// loads, keeps every vote and its dedup, and the next snapshot is written in version 4.
TEST(DurabilityTest, ASnapshotOfAnOlderReleaseLoadsAndTheNextOneIsBinary) {
  server srv(server::options{"", {"--snapshot-every", "50"}});
  srv.start();
  ASSERT_TRUE(request(srv.port(), register_request("old", 160)).value().ok());
  for (int v = 0; v < 100; ++v)
    ASSERT_TRUE(request(srv.port(), vote_request("old", v, "o" + std::to_string(v)))->ok());
  EXPECT_EQ(srv.stop(), 0);
  const std::string dir = (srv.data_dir() / "data").string();
  const auto fs = storage::make_posix_file_system();
  auto snap = storage::load_latest_snapshot(*fs, dir);
  ASSERT_TRUE(snap);
  const auto state = election_state::restore(snap->state);
  ASSERT_TRUE(state);
  ASSERT_EQ(snap->state.substr(0, 10), "vote-state");
  const std::string v3 = state->snapshot_v3();
  ASSERT_EQ(v3.front(), '{');
  ASSERT_FALSE(storage::write_snapshot(*fs, dir, snap->meta, v3));
  ASSERT_EQ(storage::load_latest_snapshot(*fs, dir)->state, v3);

  srv.start();
  ASSERT_EQ(results(srv.port(), "old")->votes_cast, 100u);
  EXPECT_TRUE(request(srv.port(), vote_request("old", 7, "o7"))->ok());  // its retry
  EXPECT_EQ(request(srv.port(), vote_request("old", 7, "again"))->code, errc::already_voted);
  for (int v = 100; v < 160; ++v)
    ASSERT_TRUE(request(srv.port(), vote_request("old", v, "o" + std::to_string(v)))->ok());
  EXPECT_EQ(srv.stop(), 0);
  snap = storage::load_latest_snapshot(*fs, dir);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->state.substr(0, 10), "vote-state");
  const auto after = election_state::restore(snap->state);
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->result_of("old").has_value());
}

}  // namespace
}  // namespace vote::test
