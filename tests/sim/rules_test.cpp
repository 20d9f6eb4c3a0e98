// The protocol-rule checker (rules.hpp) catches each wrong step when fed made-up messages and
// durable states, independent of any core.
#include <string>

#include <gtest/gtest.h>

#include "vote/sim/disk.hpp"
#include "vote/sim/invariants.hpp"
#include "vote/sim/log_model.hpp"
#include "vote/sim/rules.hpp"

namespace vote::sim {
namespace {

using consensus::envelope;

class RuleCheckerTest : public ::testing::Test {
 protected:
  // Node 2's durable state: promise (epoch, to) and `entries` entries of epoch `log_epoch`.
  void persist(std::uint64_t epoch, consensus::node_id to, std::uint64_t entries,
               std::uint64_t log_epoch = 1) {
    consensus::persist_job job;
    job.promise = consensus::promise_record{epoch, to};
    for (std::uint64_t i = disk_.last_index() + 1; i <= entries; ++i) {
      job.entries.push_back(log_entry{i, log_epoch, entry_kind::command, "x"});
    }
    ASSERT_FALSE(disk_.write(job).has_value());
  }
  void send(consensus::message_body body, std::optional<leader_view> leader = std::nullopt) {
    rules_.sent(envelope{2, 20, 1, "u", std::move(body)}, 1, disk_, leader);
  }
  bool mentions(const std::string& what) const {
    for (const auto& v : sink_.violations()) {
      if (v.find(what) != std::string::npos) return true;
    }
    return false;
  }
  static consensus::configuration voters(std::initializer_list<consensus::node_id> ids) {
    consensus::configuration c;
    for (const auto id : ids) c.voters.push_back({id, id * 10, "e"});
    return c;
  }

  invariant_checker sink_;
  rule_checker rules_{sink_};
  disk disk_{20};
};

TEST_F(RuleCheckerTest, PromiseMustBeDurableAndDescribeTheDurableLog) {
  persist(3, 1, 4);
  send(consensus::promise{3, 1, 4});
  EXPECT_TRUE(sink_.ok());
  send(consensus::promise{4, 1, 4});  // epoch 4 not persisted yet
  EXPECT_TRUE(mentions("(R1) sends promise{e=4}"));
  send(consensus::promise{3, 1, 5});  // entry 5 not durable
  EXPECT_TRUE(mentions("(R1) promise describes last entry"));
}

TEST_F(RuleCheckerTest, OneEpochIsNeverPromisedToTwoCandidates) {
  persist(3, 1, 0);
  send(consensus::promise{3, 0, 0});
  rules_.sent(envelope{2, 20, 5, "u", consensus::promise{3, 0, 0}}, 1, disk_, std::nullopt);
  EXPECT_TRUE(mentions("(R1) promises epoch 3 to n5 after promising it to n1"));
}

TEST_F(RuleCheckerTest, AckNeedsTheDurablePromiseOfItsEpoch) {
  persist(5, 1, 3);
  send(consensus::append_reply{4, true, 3, 3, 1});  // accepted an older leader
  EXPECT_TRUE(mentions("(R2) acks an append of epoch 4"));
}

TEST_F(RuleCheckerTest, AckMustMatchTheLeadersEntry) {
  persist(5, 1, 3, /*log_epoch=*/2);  // a stale suffix of epoch 2
  log_model leader_log;
  for (std::uint64_t i = 1; i <= 3; ++i)
    leader_log.append(log_entry{i, i < 3 ? 2u : 5u, entry_kind::command, "x"});
  send(consensus::append_reply{5, true, 2, 3, 1}, leader_view{5, &leader_log});
  EXPECT_TRUE(sink_.ok());
  send(consensus::append_reply{5, true, 3, 3, 1}, leader_view{5, &leader_log});  // own last
  EXPECT_TRUE(mentions("(R2) acks match_index 3 holding an entry of epoch 2"));
  send(consensus::append_reply{5, true, 9, 9, 1});
  EXPECT_TRUE(mentions("beyond its durable log"));
}

TEST_F(RuleCheckerTest, LeaderCommitsOnlyUpToAnEntryOfItsEpoch) {
  rules_.leader_committed(1, 4, log_entry{7, 4, entry_kind::epoch_start, ""});
  EXPECT_TRUE(sink_.ok());
  rules_.leader_committed(1, 4, log_entry{6, 3, entry_kind::command, "x"});
  EXPECT_TRUE(mentions("(R3)"));
}

TEST_F(RuleCheckerTest, BeginningAnEpochNeedsPromisesFromAMajorityOfTheAdoptedConfig) {
  rules_.delivered(envelope{2, 20, 1, "u", consensus::promise{7, 0, 0}}, 1);
  rules_.began_epoch(1, 1, 7, voters({1, 2, 3}));
  EXPECT_TRUE(sink_.ok());
  rules_.began_epoch(1, 1, 7, voters({1, 2, 3, 4, 5}));  // 2 of 5
  EXPECT_TRUE(mentions("(R4) begins epoch 7 with promises from 2 of the 5 voters"));
}

TEST_F(RuleCheckerTest, FailedFetchMeansAbandonTheEpoch) {
  rules_.sent(envelope{1, 10, 2, "u", consensus::fetch{7, 3}}, 1, disk_, std::nullopt);
  rules_.delivered(envelope{2, 20, 1, "u", consensus::fetch_reply{7, false, false, {}}}, 1);
  rules_.delivered(envelope{3, 30, 1, "u", consensus::promise{7, 0, 0}}, 1);
  rules_.delivered(envelope{2, 20, 1, "u", consensus::promise{7, 0, 0}}, 1);
  rules_.began_epoch(1, 1, 7, voters({1, 2, 3}));
  EXPECT_TRUE(mentions("(R5) begins epoch 7 although a fetch of that epoch failed"));
}

}  // namespace
}  // namespace vote::sim
