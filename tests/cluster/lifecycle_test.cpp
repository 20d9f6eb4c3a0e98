// Elections with a lifecycle on real servers (DESIGN.md §11, issue 11): a deadline closes the
// election exactly once, at the deadline, even when the leader dies at that moment; a server that
// was down learns the close from the log; --close-when-all-voted closes once; a roll of a million
// voters goes in by chunks and every voter on it can vote.
#include <chrono>
#include <fstream>
#include <thread>

#include "cluster/cluster_fixture.hpp"
#include "vote/core/time_text.hpp"

namespace vote::test {
namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class LifecycleTest : public ClusterTest {
 protected:
  // The summary of election `id` in `vote-admin elections --json`, nullopt when not listed.
  std::optional<nlohmann::json> summary(const std::string& id,
                                        std::vector<std::string> flags = {}) {
    if (flags.empty()) flags = c().discovery_flags();
    auto r = client("vote-admin", {"elections", "--json"}, flags);
    last_listing_ = "exit " + std::to_string(r.code) + ": " + r.out + r.err;
    if (r.code != 0) return std::nullopt;
    const auto listing = nlohmann::json::parse(r.out);  // named: a range-for over a member of a
                                                        // temporary would dangle
    for (const auto& e : listing.at("elections")) {
      if (e.at("election_id") == id) return e;
    }
    return std::nullopt;
  }

  // Polls until election `id` is listed as closed; its summary.
  std::optional<nlohmann::json> wait_closed(const std::string& id) {
    std::optional<nlohmann::json> s;
    const bool closed = eventually(
        [&] {
          s = summary(id);
          return s.has_value() && s->at("state").get<std::string>() == "closed";
        },
        converge);
    if (!closed) return std::nullopt;
    return s;
  }

  std::string last_listing_;  // for failure messages

  // One vote attempt with a short timeout: exit 0 acknowledged, 1 refused, 3/4 unknown.
  int try_vote(const std::string& election, int i) {
    return client("vote",
                  {"--id", ballot::voter(i), "--candidate", ballot::candidate_for(i),
                   "--election-id", election},
                  c().discovery_flags(2))
        .code;
  }
};

TEST_F(LifecycleTest, TheDeadlineClosesOnceAtItsTimeWhileTheLeaderDiesAndTheDeadServerAgrees) {
  make(3);
  ASSERT_TRUE(form_at_once());
  const std::int64_t deadline = (unix_ms() / 1000 + 8) * 1000;  // RFC 3339 has whole seconds
  std::vector<std::string> args = {"--id",
                                   "dl",
                                   "--candidates",
                                   "Alice",
                                   "Bob",
                                   "Carol",
                                   "--closes-at",
                                   rfc3339(deadline),
                                   "--authorized-users"};
  for (int i = 0; i < 60; ++i) args.push_back(ballot::voter(i));
  auto reg = client("register", args, c().discovery_flags());
  ASSERT_EQ(reg.code, 0) << reg.err << reg.out;

  // Vote until shortly before the deadline, then kill the leader, and keep voting through it.
  std::map<std::string, std::string> acked;
  int unknown = 0;
  int refused_after = 0;
  bool killed = false;
  for (int i = 0; i < 60; ++i) {
    // Vote i is due at deadline - 3 s + i * 100 ms: the votes straddle the deadline. Waiting
    // for a wall-clock time is what this test is about, not a stand-in for an event.
    const std::int64_t due = deadline - 3000 + i * 100;
    if (unix_ms() < due) std::this_thread::sleep_for(std::chrono::milliseconds(due - unix_ms()));
    if (!killed && unix_ms() >= deadline - 400) {
      c().kill9(3);
      killed = true;
    }
    const std::int64_t sent_at = unix_ms();
    const int rc = try_vote("dl", i);
    if (rc == 0) {
      acked[ballot::voter(i)] = ballot::candidate_for(i);
      EXPECT_LT(sent_at, deadline) << "a vote sent after the deadline was acknowledged";
    } else if (rc == 1) {
      if (sent_at >= deadline) ++refused_after;
    } else {
      ++unknown;
    }
  }
  ASSERT_TRUE(killed);
  EXPECT_GT(refused_after, 0) << "no vote was tried (and refused) after the deadline";

  auto closed = wait_closed("dl");
  ASSERT_TRUE(closed) << "the surviving servers did not close the election at its deadline: "
                      << last_listing_;
  EXPECT_EQ(closed->at("closed_at_ms").get<std::int64_t>(), deadline) << closed->dump();
  EXPECT_EQ(closed->at("closes_at_ms").get<std::int64_t>(), deadline);
  const auto counted = closed->at("votes_cast").get<std::uint64_t>();
  EXPECT_GE(counted, acked.size());
  EXPECT_LE(counted, acked.size() + static_cast<std::size_t>(unknown));

  // The server that was down at the deadline learns the close from the log: once it leads
  // again (the highest id, after its tenure), it reports the same close and the same count.
  c().restart(3);
  ASSERT_TRUE(c().wait_until_leader_is(3, tenure));
  auto again = summary("dl", c().direct_flags(3));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at("state"), "closed");
  EXPECT_EQ(again->at("closed_at_ms").get<std::int64_t>(), deadline);
  EXPECT_EQ(again->at("votes_cast").get<std::uint64_t>(), counted);

  // Closing by hand afterwards changes nothing and says when it was closed.
  auto close = client("close", {"--id", "dl"}, c().discovery_flags());
  EXPECT_EQ(close.code, 0) << close.err;
  EXPECT_NE(close.out.find("It was closed at " + rfc3339(deadline)), std::string::npos)
      << close.out;
  EXPECT_EQ(summary("dl")->at("closed_at_ms").get<std::int64_t>(), deadline);
}

TEST_F(LifecycleTest, CloseWhenAllVotedClosesOnceWithTheLastVote) {
  make(3);
  ASSERT_TRUE(form());
  auto reg = client("register",
                    {"--id", "all", "--candidates", "Alice", "Bob", "Carol", "--authorized-users",
                     "v0", "v1", "v2", "--close-when-all-voted"},
                    c().discovery_flags());
  ASSERT_EQ(reg.code, 0) << reg.err;
  ballot b{"all", 3, {}};
  ASSERT_TRUE(cast_range(b, 0, 2));
  EXPECT_EQ(summary("all")->at("state"), "open");
  ASSERT_TRUE(cast(b, 2));
  auto s = summary("all");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->at("state"), "closed") << s->dump();
  EXPECT_GT(s->at("closed_at_ms").get<std::int64_t>(), 0);
  auto close = client("close", {"--id", "all", "--json"}, c().discovery_flags());
  ASSERT_EQ(close.code, 0) << close.err;
  expect_exact_tally(b, nlohmann::json::parse(close.out));
  EXPECT_EQ(summary("all")->at("closed_at_ms"), s->at("closed_at_ms"));  // not closed twice
}

TEST_F(LifecycleTest, AMillionVoterRollFromCsvRegistersInChunksAndItsLastVoterVotes) {
  make(3);
  ASSERT_TRUE(form());
  const auto roll = c().write_file("roll.csv", [] {
    std::string text = "\xEF\xBB\xBFvoter,weight\n";  // with a BOM, as spreadsheets write it
    for (int i = 0; i < 1'000'000; ++i)
      text += "member-" + std::to_string(i) + "," + (i % 10 == 0 ? "3" : "1") + "\n";
    return text;
  }());
  auto reg = client("register",
                    {"--id", "agm", "--candidates", "Alice", "Bob", "Carol", "--method", "irv",
                     "--authorized-users-file", roll.string()},
                    c().discovery_flags(60));
  ASSERT_EQ(reg.code, 0) << reg.err << reg.out;
  EXPECT_NE(reg.err.find("1000000 voters (weighted"), std::string::npos) << reg.err;
  EXPECT_NE(reg.out.find("requests"), std::string::npos) << reg.out;  // it went in chunks

  auto s = summary("agm");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->at("eligible_voters").get<std::uint64_t>(), 1'000'000u);
  EXPECT_EQ(s->at("method"), "irv");
  for (const std::string voter : {"member-0", "member-999999"}) {
    auto v = client("vote", {"--id", voter, "--rank", "Carol", "Alice", "--election-id", "agm"},
                    c().discovery_flags());
    EXPECT_EQ(v.code, 0) << voter << ": " << v.err;
  }
  auto stranger =
      client("vote", {"--id", "member-1000000", "--rank", "Bob", "--election-id", "agm"},
             c().discovery_flags());
  EXPECT_EQ(stranger.code, 1) << stranger.err;
  auto close = client("close", {"--id", "agm", "--json"}, c().discovery_flags());
  ASSERT_EQ(close.code, 0) << close.err;
  const auto result = nlohmann::json::parse(close.out);
  EXPECT_EQ(result.at("votes_cast").get<std::uint64_t>(), 2u);
  EXPECT_EQ(result.at("winner"), "Carol") << result.dump();
}

}  // namespace
}  // namespace vote::test
