// §5.3 takeover, as traces: prepare / promise / reject, best log, fetch, epoch_start.
#include <gtest/gtest.h>

#include "consensus_fixture.hpp"

namespace vote::consensus::test {
namespace {

using ConsensusTakeover = consensus_fixture;

// ---- the promiser's side -----------------------------------------------------------------------

TEST_F(ConsensusTakeover, PromiseIsPersistedBeforeItIsSent) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 0)}));
  deliver(1, prepare{.epoch = 5, .candidate = 1, .handover = false});
  // One output: the owner persists `promise` (step 1) before sending `messages` (step 2).
  ASSERT_TRUE(last_.persist.promise);
  EXPECT_EQ(*last_.persist.promise, (promise_record{.epoch = 5, .to = 1}));
  EXPECT_EQ(expect_sent<promise>(1),
            (promise{.epoch = 5, .last_log_epoch = 0, .last_log_index = 2}));
}

TEST_F(ConsensusTakeover, RetriedPrepareGetsTheSameAnswer) {
  make_node(2, member_state({1, 2, 3}));
  deliver(1, prepare{.epoch = 5, .candidate = 1, .handover = false});
  forget();
  deliver(1, prepare{.epoch = 5, .candidate = 1, .handover = false});
  EXPECT_FALSE(last_.persist.promise);  // nothing new to persist
  EXPECT_EQ(expect_sent<promise>(1),
            (promise{.epoch = 5, .last_log_epoch = 0, .last_log_index = 1}));
}

TEST_F(ConsensusTakeover, PrepareForAnOlderOrTakenEpochIsRejectedWithThePromise) {
  make_node(2, member_state({1, 2, 3}, {}, 5, 3));
  deliver(1, prepare{.epoch = 4, .candidate = 1, .handover = false});
  EXPECT_EQ(expect_sent<reject>(1), (reject{.promised_epoch = 5, .promised_to = 3}));
  forget();
  deliver(1, prepare{.epoch = 5, .candidate = 1, .handover = false});
  EXPECT_EQ(expect_sent<reject>(1), (reject{.promised_epoch = 5, .promised_to = 3}));
  EXPECT_EQ(node().promised(), (promise_record{.epoch = 5, .to = 3}));
}

TEST_F(ConsensusTakeover, StickyFollowerRejectsPrepareWithoutRaisingItsPromise) {
  make_node(2, member_state({1, 2, 3}));
  follow(3, 1);
  forget();
  deliver(1, prepare{.epoch = 2, .candidate = 1, .handover = false});
  EXPECT_EQ(expect_sent<reject>(1), (reject{.promised_epoch = 1, .promised_to = 3}));
  EXPECT_FALSE(last_.persist.promise);
  EXPECT_EQ(node().promised(), (promise_record{.epoch = 1, .to = 3}));
}

TEST_F(ConsensusTakeover, HandoverPrepareBypassesStickiness) {
  make_node(2, member_state({1, 2, 3}));
  follow(3, 1);
  deliver(1, prepare{.epoch = 2, .candidate = 1, .handover = true});
  expect_persisted_promise(2, 1);
  expect_sent<promise>(1);
  EXPECT_EQ(node().leader().id, 0u);
}

TEST_F(ConsensusTakeover, PrepareFromANonVoterOrAnotherIncarnationIsRejected) {
  make_node(2, member_state({1, 2, 3}));
  // e.g. a removed member that never learned it
  deliver(7, prepare{.epoch = 5, .candidate = 7, .handover = true});
  EXPECT_EQ(expect_sent<reject>(7), (reject{.promised_epoch = 0, .promised_to = 0}));
  deliver_from_incarnation(1, 4242, prepare{.epoch = 5, .candidate = 1, .handover = false});
  EXPECT_EQ(expect_sent<reject>(1), (reject{.promised_epoch = 0, .promised_to = 0}));
  EXPECT_EQ(node().promised().epoch, 0u);
}

TEST_F(ConsensusTakeover, PromiseReportsTheSnapshotEpochWhenTheLogIsEmpty) {
  persisted_state s;
  s.cluster_uuid = test_uuid;
  s.snapshot = snapshot_meta{.last_index = 10, .last_epoch = 4, .config = config_of({1, 2, 3})};
  make_node(2, s);
  deliver(1, prepare{.epoch = 5, .candidate = 1, .handover = false});
  EXPECT_EQ(expect_sent<promise>(1),
            (promise{.epoch = 5, .last_log_epoch = 4, .last_log_index = 10}));
}

TEST_F(ConsensusTakeover, FetchIsServedOnlyWhileThePromiseHolds) {
  make_node(2, member_state({1, 2, 3}, {cmd(2, 1), cmd(3, 1)}));
  deliver(1, fetch{.epoch = 5, .from_index = 2});
  EXPECT_FALSE(expect_sent<fetch_reply>(1).ok);  // no promise of 5 to 1
  deliver(1, prepare{.epoch = 5, .candidate = 1, .handover = false});
  forget();
  deliver(1, fetch{.epoch = 5, .from_index = 2});
  EXPECT_EQ(
      expect_sent<fetch_reply>(1),
      (fetch_reply{
          .epoch = 5, .ok = true, .snapshot_needed = false, .entries = {cmd(2, 1), cmd(3, 1)}}));
  deliver(3, prepare{.epoch = 6, .candidate = 3, .handover = false});
  forget();
  deliver(1, fetch{.epoch = 5, .from_index = 2});
  EXPECT_FALSE(expect_sent<fetch_reply>(1).ok);
}

TEST_F(ConsensusTakeover, CompactedFetchIsServedWithTheSnapshotAndTheLogAfterIt) {
  persisted_state s;
  s.cluster_uuid = test_uuid;
  s.promise.epoch = 2;
  s.snapshot = snapshot_meta{.last_index = 10, .last_epoch = 1, .config = config_of({1, 2, 3})};
  s.snapshot_data = std::make_shared<const std::string>("state@10");
  s.log = {cmd(11, 2), cmd(12, 2)};
  make_node(2, s);
  deliver(1, prepare{.epoch = 5, .candidate = 1, .handover = false});
  forget();
  deliver(1, fetch{.epoch = 5, .from_index = 4});
  EXPECT_EQ(expect_sent<fetch_reply>(1), (fetch_reply{.epoch = 5,
                                                      .ok = true,
                                                      .snapshot_needed = true,
                                                      .entries = {cmd(11, 2), cmd(12, 2)},
                                                      .snapshot = s.snapshot,
                                                      .snapshot_data = "state@10"}));
}

// ---- the candidate's side ----------------------------------------------------------------------

class ConsensusCandidate : public consensus_fixture {
 protected:
  // Node 3 of {1, 2, 3} wins a round with the given log after its config entry.
  void stand(std::vector<log_entry> log = {}, std::uint64_t promised = 0) {
    make_node(3, member_state({1, 2, 3}, std::move(log), promised, promised ? 1 : 0));
    deliver(2, election{.round = 1, .uid = 3, .visited = {3, 1, 2}});
  }
};

TEST_F(ConsensusCandidate, OwnPromiseIsPersistedInTheOutputThatSendsThePrepares) {
  stand({}, 4);
  ASSERT_TRUE(last_.persist.promise);
  EXPECT_EQ(*last_.persist.promise, (promise_record{.epoch = 5, .to = 3}));
  EXPECT_EQ(expect_sent<prepare>(1), (prepare{.epoch = 5, .candidate = 3, .handover = false}));
  EXPECT_EQ(node().role(), role::candidate);
  EXPECT_EQ(node().epoch(), 5u);
}

TEST_F(ConsensusCandidate, MajorityWithOwnBestLogAppendsEpochStart) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 2});
  const append a = expect_sent<append>(1);
  EXPECT_EQ(a.entries, std::vector<log_entry>{start(3, 2)});
  EXPECT_EQ(a.prev_index, 2u);
  EXPECT_EQ(a.prev_epoch, 1u);
  EXPECT_EQ(node().role(), role::candidate);  // not serving until epoch_start commits
  EXPECT_FALSE(node().propose(entry_kind::command, "early"));
}

TEST_F(ConsensusCandidate, AdoptedEntriesCommitOnlyWithEpochStart) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 2});
  // holds the adopted entry, not epoch_start
  deliver(1,
          append_reply{.epoch = 2, .ok = true, .match_index = 2, .last_index_hint = 3, .seq = 0});
  EXPECT_EQ(node().commit_index(), 0u);
  const append a = expect_sent<append>(1);
  deliver(1, append_reply{
                 .epoch = 2, .ok = true, .match_index = 3, .last_index_hint = 3, .seq = a.seq});
  EXPECT_EQ(node().commit_index(), 3u);
  EXPECT_EQ(node().role(), role::leader);
  ASSERT_TRUE(last_.leader_changed);
  EXPECT_EQ(*last_.leader_changed, (leader_info{3, 2, m(3).endpoint}));
}

TEST_F(ConsensusCandidate, BestLogIsFetchedFromExactlyThatPromiser) {
  stand({cmd(2, 1)});
  // quorum: 3 and 1; best is 1
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 4});
  deliver(2, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 2});
  EXPECT_EQ(expect_sent<fetch>(1), (fetch{.epoch = 2, .from_index = 1}));
  expect_not_sent<fetch>(2);
  deliver(1, fetch_reply{.epoch = 2,
                         .ok = true,
                         .snapshot_needed = false,
                         .entries = {config_entry(1, 0, config_of({1, 2, 3})), cmd(2, 1), cmd(3, 1),
                                     cmd(4, 1)}});
  EXPECT_EQ(node().last_index(), 5u);
  EXPECT_EQ(*node().entry_at(5), start(5, 2));
}

TEST_F(ConsensusCandidate, BestLogIsPickedByLastEpochThenLastIndex) {
  stand({cmd(2, 1), cmd(3, 1), cmd(4, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 2, .last_log_index = 2});  // shorter but newer
  EXPECT_EQ(expect_sent<fetch>(1), (fetch{.epoch = 2, .from_index = 1}));
}

TEST_F(ConsensusCandidate, ConflictingSuffixIsTruncatedOnAdoption) {
  stand({cmd(2, 1, "a"), cmd(3, 1, "mine"), cmd(4, 1, "mine")});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 2, .last_log_index = 3});
  deliver(1, fetch_reply{.epoch = 2,
                         .ok = true,
                         .snapshot_needed = false,
                         .entries = {config_entry(1, 0, config_of({1, 2, 3})), cmd(2, 1, "a"),
                                     cmd(3, 2, "theirs")}});
  ASSERT_TRUE(last_.persist.truncate_from);
  EXPECT_EQ(*last_.persist.truncate_from, 3u);
  EXPECT_EQ(node().entry_at(3)->payload, "theirs");
  EXPECT_EQ(*node().entry_at(4), start(4, 2));
}

TEST_F(ConsensusCandidate, FetchedLogMustEndAtThePromisedEntry) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 4});
  deliver(1,
          fetch_reply{.epoch = 2,
                      .ok = true,
                      .snapshot_needed = false,
                      .entries = {config_entry(1, 0, config_of({1, 2, 3})), cmd(2, 1), cmd(3, 1)}});
  EXPECT_EQ(node().role(), role::follower);
  EXPECT_EQ(node().last_index(), 2u);
  expect_not_sent<append>(1);
}

TEST_F(ConsensusCandidate, FetchFailureAbandonsTheEpoch) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 3});
  deliver(2, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 3});
  deliver(1, fetch_reply{.epoch = 2, .ok = false, .snapshot_needed = false});
  EXPECT_EQ(node().role(), role::follower);
  expect_not_sent<fetch>(2);  // never falls back to another promiser
  expect_not_sent<append>(2);
}

TEST_F(ConsensusCandidate, FetchedSnapshotIsInstalledBeforeTheEntriesAfterIt) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 12});
  const snapshot_meta snap{.last_index = 10, .last_epoch = 1, .config = config_of({1, 2, 3})};
  deliver(1, fetch_reply{.epoch = 2,
                         .ok = true,
                         .snapshot_needed = true,
                         .entries = {cmd(11, 1), cmd(12, 1)},
                         .snapshot = snap,
                         .snapshot_data = "state@10"});
  // One output: install the snapshot (discarding the log), append 11..13, then send.
  ASSERT_TRUE(last_.persist.install_snapshot);
  EXPECT_EQ(last_.persist.install_snapshot->meta, snap);
  EXPECT_EQ(*last_.persist.install_snapshot->data, "state@10");
  EXPECT_EQ(node().commit_index(), 10u);
  EXPECT_EQ(*node().entry_at(13), start(13, 2));
  EXPECT_EQ(expect_sent<append>(1).prev_index, 12u);
  expect_not_sent<timeout_now>(1);
}

TEST_F(ConsensusCandidate, FetchedSnapshotThatDoesNotEndAtThePromiseIsNotInstalled) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 12});
  deliver(1, fetch_reply{.epoch = 2,
                         .ok = true,
                         .snapshot_needed = true,
                         .entries = {cmd(11, 1)},
                         .snapshot =
                             snapshot_meta{
                                 .last_index = 10, .last_epoch = 1, .config = config_of({1, 2, 3})},
                         .snapshot_data = "state@10"});
  EXPECT_EQ(node().role(), role::follower);
  for (const output& o : history_) EXPECT_FALSE(o.persist.install_snapshot);
  EXPECT_EQ(node().last_index(), 2u);
  expect_not_sent<timeout_now>(1);
}

// The best log ends in a removal ({2, 3} at 3) that we, a voter of {2, 3}, never stored: it
// cannot have committed, so it is dropped and {1, 2, 3} is led with 1's promise.
TEST_F(ConsensusCandidate, AdoptedConfigurationThatNeverCommittedIsDropped) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 3});
  deliver(1, fetch_reply{.epoch = 2,
                         .ok = true,
                         .snapshot_needed = false,
                         .entries = {config_entry(1, 0, config_of({1, 2, 3})), cmd(2, 1),
                                     config_entry(3, 1, config_of({2, 3}))}});
  EXPECT_EQ(node().configuration().voters, config_of({1, 2, 3}).voters);
  EXPECT_EQ(*node().entry_at(3), start(3, 2));
  EXPECT_EQ(expect_sent<append>(1).entries, std::vector<log_entry>{start(3, 2)});
}

TEST_F(ConsensusCandidate, CompactedFetchWithoutASnapshotHandsTheCandidacyToThePromiser) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 3});
  deliver(1, fetch_reply{.epoch = 2, .ok = false, .snapshot_needed = true});
  EXPECT_EQ(node().role(), role::follower);
  EXPECT_EQ(expect_sent<timeout_now>(1), (timeout_now{.epoch = 2}));
}

TEST_F(ConsensusCandidate, FarBehindWinnerHandsCandidacyToBestPromiser) {
  options o = test_options(3);
  o.catch_up_threshold = 10;
  make_node(3, member_state({1, 2, 3}), o);
  deliver(2, election{.round = 1, .uid = 3, .visited = {3, 1, 2}});
  deliver(2, promise{.epoch = 1, .last_log_epoch = 1, .last_log_index = 50});
  EXPECT_EQ(expect_sent<timeout_now>(2), (timeout_now{.epoch = 1}));
  expect_not_sent<fetch>(2);
  EXPECT_EQ(node().role(), role::follower);
}

TEST_F(ConsensusCandidate, ChangedConfigurationInAdoptedLogIsPreparedAgain) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 3});
  deliver(1, fetch_reply{.epoch = 2,
                         .ok = true,
                         .snapshot_needed = false,
                         .entries = {config_entry(1, 0, config_of({1, 2, 3})), cmd(2, 1),
                                     config_entry(3, 1, config_of({1, 2, 3, 4, 5}))}});
  EXPECT_EQ(expect_sent<prepare>(4), (prepare{.epoch = 2, .candidate = 3, .handover = false}));
  EXPECT_EQ(expect_sent<prepare>(5), (prepare{.epoch = 2, .candidate = 3, .handover = false}));
  expect_not_sent<append>(1);  // 3 and 1 are not a majority of five
  deliver(5, promise{.epoch = 2, .last_log_epoch = 0, .last_log_index = 1});
  EXPECT_EQ(*node().entry_at(4), start(4, 2));
}

TEST_F(ConsensusCandidate, AdoptedConfigurationWithoutUsAbandonsTheEpoch) {
  stand({cmd(2, 1)});
  deliver(1, promise{.epoch = 2, .last_log_epoch = 1, .last_log_index = 3});
  deliver(1, fetch_reply{.epoch = 2,
                         .ok = true,
                         .snapshot_needed = false,
                         .entries = {config_entry(1, 0, config_of({1, 2, 3})), cmd(2, 1),
                                     config_entry(3, 1, config_of({1, 2, 4}))}});
  EXPECT_EQ(node().role(), role::follower);
}

TEST_F(ConsensusCandidate, PromiseFromAnotherIncarnationIsIgnored) {
  stand();
  deliver_from_incarnation(1, 999, promise{.epoch = 1, .last_log_epoch = 0, .last_log_index = 1});
  expect_not_sent<append>(1);
  EXPECT_EQ(node().role(), role::candidate);
}

TEST_F(ConsensusCandidate, HigherIdCandidateMakesUsYield) {
  make_node(2, member_state({1, 2, 3}));
  deliver(1, election{.round = 1, .uid = 2, .visited = {2, 1}});
  ASSERT_EQ(node().role(), role::candidate);
  deliver(1, reject{.promised_epoch = 1, .promised_to = 3});
  EXPECT_EQ(node().role(), role::follower);
}

TEST_F(ConsensusCandidate, LowerIdCandidateDoesNotMakeUsYield) {
  stand();
  deliver(1, reject{.promised_epoch = 1, .promised_to = 2});
  EXPECT_EQ(node().role(), role::candidate);
}

TEST_F(ConsensusCandidate, AbandonedCandidateWaitsATimeoutBeforeANewRound) {
  stand();
  tick_by(249);  // the candidacy times out after election_timeout (+ jitter, 0 here)
  EXPECT_EQ(node().role(), role::candidate);
  tick_by(1);
  EXPECT_EQ(node().role(), role::follower);
  forget();
  tick_by(249);
  expect_not_sent<election>(1);
  expect_not_sent<prepare>(1);
  tick_by(1);
  expect_sent<election>(1);
}

TEST_F(ConsensusCandidate, PreparesAreResentToSilentMembers) {
  stand();
  forget();
  tick_by(100);
  EXPECT_EQ(expect_sent<prepare>(2), (prepare{.epoch = 1, .candidate = 3, .handover = false}));
}

TEST_F(ConsensusCandidate, ForcedCampaignStandsAtOnceWhateverTheRole) {
  become_leader();
  node().force_campaign();
  drain();
  EXPECT_EQ(node().role(), role::candidate);
  EXPECT_EQ(node().epoch(), 2u);
  expect_persisted_promise(2, 3);
  EXPECT_EQ(expect_sent<prepare>(1), (prepare{.epoch = 2, .candidate = 3, .handover = false}));
}

TEST_F(ConsensusCandidate, RestartedNodeNeverResumesItsCandidacy) {
  make_node(3, member_state({1, 2, 3}, {}, 7, 3));
  EXPECT_EQ(node().role(), role::follower);
  deliver(2, election{.round = 1, .uid = 3, .visited = {3, 1, 2}});
  EXPECT_EQ(expect_sent<prepare>(1).epoch, 8u);
}

TEST_F(ConsensusCandidate, PromisingAHigherEpochEndsLeadershipAndLosesProposals) {
  become_leader();
  const auto p = node().propose(entry_kind::command, "pending");
  ASSERT_TRUE(p);
  const auto r = node().read_barrier();
  drain();
  forget();
  // a handover prepare: even a live leader promises
  deliver(1, prepare{.epoch = 9, .candidate = 1, .handover = true});
  EXPECT_EQ(node().role(), role::follower);
  EXPECT_EQ(last_.proposals_lost, std::vector<entry_id>{*p});
  EXPECT_EQ(last_.reads_failed, std::vector<std::uint64_t>{*r});
  expect_persisted_promise(9, 1);
}

TEST_F(ConsensusCandidate, LeaderWithALiveQuorumRejectsPrepareWithoutHandover) {
  become_leader();
  deliver(1, prepare{.epoch = 9, .candidate = 1, .handover = false});
  EXPECT_EQ(expect_sent<reject>(1), (reject{.promised_epoch = 1, .promised_to = 3}));
  EXPECT_EQ(node().role(), role::leader);
}

TEST_F(ConsensusCandidate, LeaderThatLostItsQuorumStepsDownAndReportsProposalsLost) {
  become_leader();
  const auto p = node().propose(entry_kind::command, "pending");
  drain();
  tick_by(250);  // check-quorum: no acks of our epoch from a majority
  EXPECT_EQ(node().role(), role::follower);
  EXPECT_EQ(last_.proposals_lost, std::vector<entry_id>{*p});
}

}  // namespace
}  // namespace vote::consensus::test
