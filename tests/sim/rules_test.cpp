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
    job.promise = consensus::promise_record{.epoch = epoch, .to = to};
    for (std::uint64_t i = disk_.last_index() + 1; i <= entries; ++i) {
      job.entries.push_back(log_entry{i, log_epoch, entry_kind::command, "x"});
    }
    ASSERT_FALSE(disk_.write(job).has_value());
  }
  void send(consensus::message_body body, std::optional<leader_view> leader = std::nullopt) {
    rules_.sent(envelope{.from = 2,
                         .from_incarnation = 20,
                         .to = 1,
                         .cluster_uuid = "u",
                         .body = std::move(body)},
                1, disk_, leader);
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
  send(consensus::promise{.epoch = 3, .last_log_epoch = 1, .last_log_index = 4});
  EXPECT_TRUE(sink_.ok());
  // epoch 4 not persisted yet
  send(consensus::promise{.epoch = 4, .last_log_epoch = 1, .last_log_index = 4});
  EXPECT_TRUE(mentions("(R1) sends promise{e=4}"));
  // entry 5 not durable
  send(consensus::promise{.epoch = 3, .last_log_epoch = 1, .last_log_index = 5});
  EXPECT_TRUE(mentions("(R1) promise describes last entry"));
}

TEST_F(RuleCheckerTest, OneEpochIsNeverPromisedToTwoCandidates) {
  persist(3, 1, 0);
  send(consensus::promise{.epoch = 3, .last_log_epoch = 0, .last_log_index = 0});
  rules_.sent(
      envelope{.from = 2,
               .from_incarnation = 20,
               .to = 5,
               .cluster_uuid = "u",
               .body = consensus::promise{.epoch = 3, .last_log_epoch = 0, .last_log_index = 0}},
      1, disk_, std::nullopt);
  EXPECT_TRUE(mentions("(R1) promises epoch 3 to n5 after promising it to n1"));
}

TEST_F(RuleCheckerTest, AckNeedsTheDurablePromiseOfItsEpoch) {
  persist(5, 1, 3);
  // accepted an older leader
  send(consensus::append_reply{
      .epoch = 4, .ok = true, .match_index = 3, .last_index_hint = 3, .seq = 1});
  EXPECT_TRUE(mentions("(R2) acks an append of epoch 4"));
}

TEST_F(RuleCheckerTest, AckMustMatchTheLeadersEntry) {
  persist(5, 1, 3, /*log_epoch=*/2);  // a stale suffix of epoch 2
  log_model leader_log;
  for (std::uint64_t i = 1; i <= 3; ++i)
    leader_log.append(log_entry{i, i < 3 ? 2u : 5u, entry_kind::command, "x"});
  send(
      consensus::append_reply{
          .epoch = 5, .ok = true, .match_index = 2, .last_index_hint = 3, .seq = 1},
      leader_view{5, &leader_log});
  EXPECT_TRUE(sink_.ok());
  // own last
  send(
      consensus::append_reply{
          .epoch = 5, .ok = true, .match_index = 3, .last_index_hint = 3, .seq = 1},
      leader_view{5, &leader_log});
  EXPECT_TRUE(mentions("(R2) acks match_index 3 holding an entry of epoch 2"));
  send(consensus::append_reply{
      .epoch = 5, .ok = true, .match_index = 9, .last_index_hint = 9, .seq = 1});
  EXPECT_TRUE(mentions("beyond its durable log"));
}

TEST_F(RuleCheckerTest, LeaderCommitsOnlyUpToAnEntryOfItsEpoch) {
  rules_.leader_committed(1, 4, log_entry{7, 4, entry_kind::epoch_start, ""});
  EXPECT_TRUE(sink_.ok());
  rules_.leader_committed(1, 4, log_entry{6, 3, entry_kind::command, "x"});
  EXPECT_TRUE(mentions("(R3)"));
}

TEST_F(RuleCheckerTest, BeginningAnEpochNeedsPromisesFromAMajorityOfTheAdoptedConfig) {
  rules_.delivered(
      envelope{.from = 2,
               .from_incarnation = 20,
               .to = 1,
               .cluster_uuid = "u",
               .body = consensus::promise{.epoch = 7, .last_log_epoch = 0, .last_log_index = 0}},
      1);
  rules_.began_epoch(1, 1, 7, voters({1, 2, 3}));
  EXPECT_TRUE(sink_.ok());
  rules_.began_epoch(1, 1, 7, voters({1, 2, 3, 4, 5}));  // 2 of 5
  EXPECT_TRUE(mentions("(R4) begins epoch 7 with promises from 2 of the 5 voters"));
}

TEST_F(RuleCheckerTest, FailedFetchMeansAbandonTheEpoch) {
  rules_.sent(envelope{.from = 1,
                       .from_incarnation = 10,
                       .to = 2,
                       .cluster_uuid = "u",
                       .body = consensus::fetch{.epoch = 7, .from_index = 3}},
              1, disk_, std::nullopt);
  rules_.delivered(
      envelope{.from = 2,
               .from_incarnation = 20,
               .to = 1,
               .cluster_uuid = "u",
               .body = consensus::fetch_reply{.epoch = 7, .ok = false, .snapshot_needed = false}},
      1);
  rules_.delivered(
      envelope{.from = 3,
               .from_incarnation = 30,
               .to = 1,
               .cluster_uuid = "u",
               .body = consensus::promise{.epoch = 7, .last_log_epoch = 0, .last_log_index = 0}},
      1);
  rules_.delivered(
      envelope{.from = 2,
               .from_incarnation = 20,
               .to = 1,
               .cluster_uuid = "u",
               .body = consensus::promise{.epoch = 7, .last_log_epoch = 0, .last_log_index = 0}},
      1);
  rules_.began_epoch(1, 1, 7, voters({1, 2, 3}));
  EXPECT_TRUE(mentions("(R5) begins epoch 7 although a fetch of that epoch failed"));
}

}  // namespace
}  // namespace vote::sim
