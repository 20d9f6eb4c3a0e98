// What the election's answers disclose (issue 8, finding 3) and judge(), which tells the node
// which requests the applied state already settles (finding 4): the vote check order, retries
// that name no candidate, and judge() agreeing with apply() now and, for `forever`, later.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/core/election_fixture.hpp"
#include "vote/core/election.hpp"

namespace vote::test {
namespace {

class ElectionDisclosureTest : public election_fixture {
 protected:
  // e1: candidates A, B, C; voters v1..v5. v1 has voted for A with request "req-v1".
  void SetUp() override {
    given_open_election();
    ASSERT_TRUE(vote("e1", "v1", "A", "req-v1").ok());
  }
  static command vote_command(const std::string& election, const std::string& voter,
                              const std::string& candidate, const std::string& request_id) {
    return command{request_id, 0, vote_cmd{election, voter, candidate}};
  }
  judgement judge_vote(const std::string& election, const std::string& voter,
                       const std::string& candidate, const std::string& request_id = "probe") {
    return state_.judge(vote_command(election, voter, candidate, request_id));
  }
  // The voter ids an outsider might probe: voted, on the roll and not voted, not on the roll.
  const std::vector<std::string> probed_ids_ = {"v1", "v2", "mallory"};
};

TEST_F(ElectionDisclosureTest, BadCandidateGetsTheSameAnswerForEveryVoterId) {
  for (const auto& id : probed_ids_) {
    const outcome o = vote("e1", id, "Nobody", "probe-" + id);
    EXPECT_EQ(o.code, errc::invalid_candidate) << id;
    EXPECT_EQ(o.message, "Error: Candidate 'Nobody' is not a valid candidate.") << id;
  }
}

TEST_F(ElectionDisclosureTest, BadCandidateGetsTheSameAnswerAlsoOnceClosed) {
  ASSERT_TRUE(close("e1").ok());
  for (const auto& id : probed_ids_) {
    EXPECT_EQ(vote("e1", id, "Nobody").code, errc::invalid_candidate) << id;
  }
}

TEST_F(ElectionDisclosureTest, ClosedElectionGetsTheSameAnswerForEveryVoterId) {
  ASSERT_TRUE(close("e1").ok());
  for (const auto& id : probed_ids_) {
    const outcome o = vote("e1", id, "B", "probe-" + id);
    EXPECT_EQ(o.code, errc::election_closed) << id;
    EXPECT_EQ(o.message, "Error: Election e1 is closed.") << id;
  }
}

TEST_F(ElectionDisclosureTest, RetryAnswerIsTheSameWhicheverCandidateItNames) {
  for (const char* candidate : {"A", "B", "C"}) {
    const outcome o = vote("e1", "v1", candidate, "req-v1");
    EXPECT_EQ(o.code, errc::ok) << candidate;
    EXPECT_EQ(o.message, "Vote by user 'v1' has been registered.") << candidate;
  }
  EXPECT_EQ(votes_for("e1", "A"), 1U);
  EXPECT_EQ(state_.result_of("e1")->votes_cast, 1U);
}

TEST_F(ElectionDisclosureTest, RetryNamingABadCandidateIsRefusedLikeAnyProbe) {
  EXPECT_EQ(vote("e1", "v1", "Nobody", "req-v1").code, errc::invalid_candidate);
}

TEST_F(ElectionDisclosureTest, FirstAnswerStillEchoesTheVotersOwnChoice) {
  EXPECT_EQ(vote("e1", "v2", "C", "req-v2").message,
            "Vote for 'C' by user 'v2' has been registered.");
}

// One request failing every check at once, then one check fixed at a time: each answer is the
// first failing check in the documented order.
TEST_F(ElectionDisclosureTest, VoteChecksRunInTheDocumentedOrder) {
  ASSERT_TRUE(close("e1").ok());
  EXPECT_EQ(vote("nope", "v1", "Nobody", "req-v1").code, errc::unknown_election);
  EXPECT_EQ(vote("e1", "v1", "Nobody", "req-v1").code, errc::invalid_candidate);
  EXPECT_TRUE(vote("e1", "v1", "B", "req-v1").ok());  // retry before closed
  EXPECT_EQ(vote("e1", "mallory", "B").code, errc::election_closed);
  ASSERT_TRUE(register_election("e2", {"A"}, {"w1"}).ok());
  ASSERT_TRUE(vote("e2", "w1", "A", "req-w1").ok());
  EXPECT_EQ(vote("e2", "mallory", "A").code, errc::voter_not_authorized);
  EXPECT_EQ(vote("e2", "w1", "A", "req-other").code, errc::already_voted);
}

TEST_F(ElectionDisclosureTest, JudgeClassifiesEveryVoteAnswer) {
  EXPECT_EQ(judge_vote("nope", "v1", "A").how, settled::now);
  EXPECT_EQ(judge_vote("e1", "v2", "Nobody").how, settled::forever);
  EXPECT_EQ(judge_vote("e1", "v1", "B", "req-v1").how, settled::forever);
  EXPECT_EQ(judge_vote("e1", "mallory", "A").how, settled::now);
  EXPECT_EQ(judge_vote("e1", "v1", "A", "req-other").how, settled::now);
  EXPECT_EQ(judge_vote("e1", "v1", "A", "").how, settled::now);  // empty id: never a retry
  EXPECT_EQ(judge_vote("e1", "v2", "A").how, settled::no);
  EXPECT_EQ(judge_vote("e1", "", "A").how, settled::forever);  // shape: empty voter id
  ASSERT_TRUE(close("e1").ok());
  EXPECT_EQ(judge_vote("e1", "v2", "A").how, settled::forever);
  EXPECT_EQ(judge_vote("e1", "mallory", "A").how, settled::forever);
}

TEST_F(ElectionDisclosureTest, JudgeClassifiesRegisterAndClose) {
  auto judge = [&](const std::string& request_id, command_body body) {
    return state_.judge(command{request_id, 0, std::move(body)}).how;
  };
  ASSERT_TRUE(register_election("e2", {"A"}, {"w1"}, tie_break::none, "reg-e2").ok());
  EXPECT_EQ(judge("reg-e2", register_cmd{"e2", {"A"}, {"w1"}}), settled::forever);  // retry
  EXPECT_EQ(judge("reg-x", register_cmd{"e2", {"A"}, {"w1"}}), settled::forever);   // exists
  EXPECT_EQ(judge("reg-x", register_cmd{"e3", {"A"}, {"w1"}}), settled::no);
  EXPECT_EQ(judge("", close_cmd{"nope"}), settled::now);
  EXPECT_EQ(judge("", close_cmd{"e2"}), settled::no);
  ASSERT_TRUE(close("e2").ok());
  const judgement again = state_.judge(command{"", 0, close_cmd{"e2"}});
  EXPECT_EQ(again.how, settled::forever);
  ASSERT_TRUE(again.answer.result);
  EXPECT_TRUE(again.answer.result->closed);
}

// Requests covering every answer, for the agreement properties below.
std::vector<command> probes() {
  std::vector<command> out;
  const std::vector<std::string> elections = {"e1", "e2", "nope"};
  const std::vector<std::string> voters = {"v1", "v2", "v3", "mallory", ""};
  const std::vector<std::string> candidates = {"A", "B", "Nobody"};
  const std::vector<std::string> requests = {"req-v1", "probe", ""};
  for (const auto& e : elections)
    for (const auto& v : voters)
      for (const auto& c : candidates)
        for (const auto& r : requests) out.push_back(command{r, 0, vote_cmd{e, v, c}});
  out.push_back(command{"reg-e2", 0, register_cmd{"e2", {"A", "B"}, {"v1", "w1"}}});
  out.push_back(command{"", 0, register_cmd{"e1", {"A"}, {"v1"}}});
  out.push_back(command{"", 0, close_cmd{"e1"}});
  out.push_back(command{"", 0, close_cmd{"nope"}});
  return out;
}

TEST_F(ElectionDisclosureTest, SettledJudgementIsWhatApplyAnswersAndChangesNothing) {
  ASSERT_TRUE(register_election("e2", {"A", "B"}, {"v1", "w1"}, tie_break::none, "reg-e2").ok());
  ASSERT_TRUE(close("e2").ok());
  for (const command& c : probes()) {
    const judgement j = state_.judge(c);
    election_state copy = state_;
    const outcome applied = copy.apply(c);
    if (j.how == settled::no) continue;
    EXPECT_EQ(applied.code, j.answer.code) << encode_command(c);
    EXPECT_EQ(applied.message, j.answer.message) << encode_command(c);
    EXPECT_EQ(applied.result, j.answer.result) << encode_command(c);
    EXPECT_TRUE(copy == state_) << "a settled request changed the state: " << encode_command(c);
  }
}

TEST_F(ElectionDisclosureTest, ForeverJudgementStaysTheAnswerAfterLaterCommands) {
  std::vector<std::pair<command, outcome>> forever;
  for (const command& c : probes()) {
    judgement j = state_.judge(c);
    if (j.how == settled::forever) forever.emplace_back(c, std::move(j.answer));
  }
  ASSERT_GT(forever.size(), 10U);
  ASSERT_TRUE(register_election("e2", {"A", "B"}, {"v1", "w1"}).ok());
  ASSERT_TRUE(vote("e1", "v2", "B", "req-v2").ok());
  ASSERT_TRUE(vote("e2", "v1", "A", "req-v1").ok());
  ASSERT_TRUE(close("e1").ok());
  for (const auto& [c, answer] : forever) {
    const outcome later = state_.apply(c);
    EXPECT_EQ(later.code, answer.code) << encode_command(c);
    EXPECT_EQ(later.message, answer.message) << encode_command(c);
  }
}

TEST_F(ElectionDisclosureTest, NowJudgementsAreOnesALaterEntryChanges) {
  EXPECT_EQ(judge_vote("e2", "w1", "A").answer.code, errc::unknown_election);
  EXPECT_EQ(judge_vote("e1", "mallory", "A").answer.code, errc::voter_not_authorized);
  EXPECT_EQ(judge_vote("e1", "v1", "A", "req-other").answer.code, errc::already_voted);
  ASSERT_TRUE(register_election("e2", {"A"}, {"w1"}).ok());
  ASSERT_TRUE(close("e1").ok());
  EXPECT_EQ(judge_vote("e2", "w1", "A").how, settled::no);
  EXPECT_EQ(judge_vote("e1", "mallory", "A").answer.code, errc::election_closed);
  EXPECT_EQ(judge_vote("e1", "v1", "A", "req-other").answer.code, errc::election_closed);
}

TEST(SettledTest, NamesAreStable) {
  EXPECT_EQ(to_string(settled::no), "no");
  EXPECT_EQ(to_string(settled::now), "now");
  EXPECT_EQ(to_string(settled::forever), "forever");
}

}  // namespace
}  // namespace vote::test
