// What a real vote-server's answers disclose (issue 8, finding 3), through the real clients: the
// roll cannot be listed by probing voter ids, and a retry does not tell how the voter voted.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "vote/lab/harness.hpp"

namespace vote::test {
namespace {

// What a client run shows: exit code, stdout and stderr.
struct answer {
  int code = -1;
  std::string text;
  friend bool operator==(const answer&, const answer&) = default;
};

std::ostream& operator<<(std::ostream& os, const answer& a) {
  return os << "exit " << a.code << ": " << a.text;
}

class DisclosureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    srv_.start();
    auto r = client("register", {"--id", "e", "--candidates", "Alice", "Bob", "--authorized-users",
                                 "u1", "u2", "u3", "u4"});
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_EQ(vote("u1", "Alice").code, 0);  // u1 has voted, u2..u4 have not
  }

  run_result client(const std::string& name, std::vector<std::string> args) {
    const auto flags = srv_.direct_flags();
    args.insert(args.end(), flags.begin(), flags.end());
    return run(name, args);
  }
  answer vote(const std::string& voter, const std::string& candidate,
              const std::string& request_id = "") {
    std::vector<std::string> args = {"--id", voter, "--candidate", candidate, "--election-id", "e"};
    if (!request_id.empty()) args.insert(args.end(), {"--request-id", request_id});
    auto r = client("vote", args);
    return {r.code, r.out + r.err};
  }
  // Voter ids a stranger might try: voted, on the roll and not voted, not on the roll.
  const std::vector<std::string> probed_ = {"u1", "u2", "u4", "mallory", "u99"};

  server srv_;
};

TEST_F(DisclosureTest, ProbingVoterIdsWithABadCandidateGivesIdenticalAnswers) {
  const answer first = vote(probed_.front(), "Nobody");
  EXPECT_EQ(first.code, 1);
  EXPECT_NE(first.text.find("Error: Candidate 'Nobody' is not a valid candidate."),
            std::string::npos)
      << first;
  for (const auto& id : probed_) EXPECT_EQ(vote(id, "Nobody"), first) << "voter id " << id;
  // Nothing was cast by probing: u2 can still vote.
  EXPECT_EQ(vote("u2", "Bob").code, 0);
}

TEST_F(DisclosureTest, ProbingAClosedElectionGivesIdenticalAnswers) {
  ASSERT_EQ(client("close", {"--id", "e"}).code, 0);
  const answer first = vote(probed_.front(), "Bob");
  EXPECT_EQ(first.code, 1);
  EXPECT_NE(first.text.find("Error: Election e is closed."), std::string::npos) << first;
  for (const auto& id : probed_) EXPECT_EQ(vote(id, "Bob"), first) << "voter id " << id;
}

TEST_F(DisclosureTest, ARetryConfirmsTheVoteWithoutNamingTheChoice) {
  const std::string rid = "rid-of-u3-seen-over-a-shoulder";
  const answer cast = vote("u3", "Bob", rid);
  ASSERT_EQ(cast.code, 0) << cast;
  EXPECT_NE(cast.text.find("Vote for 'Bob' by user 'u3' has been registered."), std::string::npos)
      << cast;

  const answer same = vote("u3", "Bob", rid);
  const answer other = vote("u3", "Alice", rid);
  EXPECT_EQ(same.code, 0);
  EXPECT_NE(same.text.find("Vote by user 'u3' has been registered."), std::string::npos) << same;
  EXPECT_EQ(same.text.find("Bob"), std::string::npos) << same;
  EXPECT_EQ(other, same) << "the retry's answer depends on the candidate it names";

  auto r = client("close", {"--id", "e", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tallies"]["Alice"], 1);  // u1
  EXPECT_EQ(j["tallies"]["Bob"], 1);    // u3, once
  // After the close too, the retry is confirmed and names nothing.
  EXPECT_EQ(vote("u3", "Alice", rid), same);
}

}  // namespace
}  // namespace vote::test
