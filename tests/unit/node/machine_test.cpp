// The node machine driven by hand, without Asio or a disk: a fake world (node_effects) that
// keeps every persist job, message, reply and note, and completes writes only when the test says
// so. So each test reads like a trace of the pipeline: what waits for which fsync, what leaves
// early, what a stop answers. (The simulator runs the same machine under faults: tests/sim.)
#include "vote/node/machine/machine.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "unit/core/invariant_recorder.hpp"
#include "unit/node/requests.hpp"
#include "vote/wire/messages.hpp"

namespace vote::node {
namespace {

using namespace std::chrono_literals;
using test::vote_request;

class fake_world : public node_effects {
 public:
  milliseconds clock{1000};
  std::deque<std::pair<std::uint64_t, consensus::persist_job>> jobs;  // handed over, not done
  std::vector<consensus::envelope> sent;
  bool pump_asked = false;
  bool has_stopped = false;
  std::optional<snapshot_job> snapshot;

  milliseconds now() const override { return clock; }
  std::int64_t unix_now_ms() const override { return 1'700'000'000'000 + clock.count(); }
  void persist(std::uint64_t seq, consensus::persist_job job) override {
    jobs.emplace_back(seq, std::move(job));
  }
  void save_snapshot(const snapshot_job& job) override { snapshot = job; }
  void send(consensus::node_id, const std::string&, const consensus::envelope& e) override {
    sent.push_back(e);
  }
  void send(consensus::node_id, const std::string&, const wire::leave_request&) override {}
  void pump_soon() override { pump_asked = true; }
  bool noting(note_level) const override { return false; }
  void note(note_level, const std::string&) override {}
  void fatal(const std::string& message) override { ADD_FAILURE() << "fatal: " << message; }
  void stopped() override { has_stopped = true; }
};

class NodeMachineTest : public ::testing::Test {
 protected:
  // A one-member cluster that forms alone at once and serves (its first writes completed).
  void SetUp() override {
    node_settings s;
    s.id = 7;
    s.incarnation = 1;
    s.endpoint = "127.0.0.1:7000";
    s.cluster = "test";
    s.discovery_window = 0ms;
    s.stop_timeout = 500ms;
    s.consensus = consensus_options(timers(), s.endpoint);
    machine_.emplace(s, recovered_state{}, admin_policy("test-admin-token-0123"), world_, 42);
    machine_->start();
    settle();
    ASSERT_EQ(machine_->core().role(), consensus::role::leader);
    ASSERT_TRUE(world_.jobs.empty());
  }

  virtual node_timers timers() const { return {}; }
  node_machine& m() { return *machine_; }
  // Pumps if asked and completes every write handed over, until nothing is left.
  void settle() {
    for (int i = 0; i < 100; ++i) {
      if (world_.pump_asked) {
        world_.pump_asked = false;
        m().pump();
      }
      if (world_.jobs.empty()) return;
      complete_one_write();
    }
  }
  void complete_one_write() {
    ASSERT_FALSE(world_.jobs.empty());
    const auto seq = world_.jobs.front().first;
    world_.jobs.pop_front();
    m().persisted(seq);
  }
  void pump() {
    world_.pump_asked = false;
    m().pump();
  }
  void request(const wire::client_request& r) {
    m().on_request(wire::encode_request(r), {"10.0.0.9", false, {}}, [this](std::string json) {
      replies_.push_back(std::get<wire::client_response>(wire::decode_response(json)));
    });
  }
  static wire::client_request register_request() {
    return test::register_request({"v1", "v2"}, "test-admin-token-0123");
  }

  fake_world world_;
  std::optional<node_machine> machine_;
  std::vector<wire::client_response> replies_;
};

TEST_F(NodeMachineTest, ACommandIsAnsweredOnlyAfterItsEntryIsDurable) {
  request(register_request());
  pump();
  ASSERT_EQ(world_.jobs.size(), 1u);  // the entry is on its way to disk
  EXPECT_TRUE(replies_.empty());      // ... and nobody is told yet
  complete_one_write();
  settle();
  ASSERT_EQ(replies_.size(), 1u);
  EXPECT_TRUE(replies_[0].ok()) << replies_[0].message;
  EXPECT_EQ(m().applied_index(), m().core().commit_index());
}

TEST_F(NodeMachineTest, RequestsOfOneTurnShareOnePersistJob) {
  request(register_request());
  pump();
  settle();
  request(vote_request("v1"));
  request(vote_request("v2"));
  pump();  // the end of the event-loop turn
  ASSERT_EQ(world_.jobs.size(), 1u);
  EXPECT_EQ(world_.jobs.front().second.entries.size(), 2u);  // group commit: one fsync for both
  settle();
  ASSERT_EQ(replies_.size(), 3u);
  EXPECT_TRUE(replies_[1].ok());
  EXPECT_TRUE(replies_[2].ok());
}

TEST_F(NodeMachineTest, EveryRequestIsAnsweredExactlyOnce) {
  request(register_request());
  request(register_request());  // a retry while the first is on its way: its own proposal
  pump();
  settle();
  ASSERT_EQ(replies_.size(), 2u);
  EXPECT_TRUE(replies_[0].ok());
  EXPECT_TRUE(replies_[1].ok());  // the retry's outcome is the original success
  EXPECT_EQ(m().in_flight(), 0u);
}

TEST_F(NodeMachineTest, AStopRefusesNewRequestsAndStopsOnlyOnceEverythingIsAnswered) {
  request(register_request());
  pump();
  ASSERT_EQ(world_.jobs.size(), 1u);  // the disk never finishes this write
  m().stop();
  request(vote_request("v1"));  // after the stop: refused at once
  ASSERT_EQ(replies_.size(), 1u);
  EXPECT_EQ(replies_[0].code, errc::unavailable);
  world_.clock += 600ms;  // past the stop deadline
  m().tick();
  EXPECT_FALSE(world_.has_stopped);  // the write in flight is still awaited ...
  complete_one_write();
  settle();
  m().tick();
  EXPECT_TRUE(world_.has_stopped);  // ... then it stops, and nothing was left unanswered
  ASSERT_EQ(replies_.size(), 2u);
  EXPECT_TRUE(replies_[1].ok()) << replies_[1].message;  // committed alone: a one-member cluster
  EXPECT_EQ(m().in_flight(), 0u);
}

TEST_F(NodeMachineTest, WritesCompletingOutOfOrderAreABrokenInvariant) {
  const vote::test::invariant_recorder recorder;
  request(register_request());
  pump();
  ASSERT_EQ(world_.jobs.size(), 1u);
  m().persisted(world_.jobs.front().first + 1);  // a sequence number that is not the oldest
  ASSERT_EQ(recorder.broken().size(), 1u);
  EXPECT_NE(recorder.broken()[0].what.find("in the order"), std::string::npos);
  EXPECT_TRUE(replies_.empty());  // nothing was answered on the strength of it
}

class NodeMachineSnapshotTest : public NodeMachineTest {
 protected:
  node_timers timers() const override {
    node_timers t;
    t.snapshot_every = 3;
    return t;
  }
};

// The machine never serialises a snapshot itself (a large state would stall its heartbeats): it
// hands the effects a frozen copy of its applied state, which keeps the state at the snapshot's
// index while the machine goes on applying; the core compacts once the bytes are handed back.
TEST_F(NodeMachineSnapshotTest, ASnapshotIsAFrozenCopyThatTheEffectsSerialise) {
  request(register_request());
  pump();
  settle();
  request(vote_request("v1"));
  pump();
  settle();
  ASSERT_TRUE(world_.snapshot.has_value());
  const snapshot_job job = *world_.snapshot;
  EXPECT_LE(job.meta.last_index, m().applied_index());
  const std::string frozen = job.state->snapshot();
  request(vote_request("v2"));
  pump();
  settle();
  ASSERT_EQ(replies_.size(), 3u);
  for (const auto& r : replies_) EXPECT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(m().state().result_of("e")->votes_cast, 2u);
  EXPECT_EQ(job.state->snapshot(), frozen);  // the machine's later vote did not reach the copy
  EXPECT_NE(m().state().snapshot(), frozen);
  EXPECT_EQ(m().core().snapshot().last_index, 0u);  // nothing is compacted before it is saved

  m().snapshot_saved(serialise(job));
  EXPECT_EQ(m().core().snapshot().last_index, job.meta.last_index);
}

}  // namespace
}  // namespace vote::node
