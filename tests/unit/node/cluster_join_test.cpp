// The driver's discovery decisions (DESIGN.md §4), fed hellos by hand: join the cluster whose
// leader it hears, refuse an old id on an empty disk, leave the bootstrap to the highest id, and
// drop hostile peer input without stopping.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>

#include "vote/core/consensus_messages.hpp"
#include "vote/node/cluster_node.hpp"
#include "vote/node/server.hpp"
#include "vote/storage/memory_file_system.hpp"
#include "vote/storage/meta.hpp"
#include "vote/storage/wal.hpp"

namespace vote::node {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class ClusterJoinTest : public ::testing::Test {
 protected:
  void make(bool new_identity = true) {
    storage::wal_recovery rec;
    writer_ = std::make_unique<log_writer>(io_, fs_, "/data", storage::node_identity{7, 70, {}},
                                           storage::wal::open(fs_, "/data/wal", {}, rec));
    node_settings s;
    s.id = 7;
    s.incarnation = 70;
    s.endpoint = "127.0.0.1:7";
    s.discovery_window = 200ms;
    s.new_identity = new_identity;
    s.consensus.endpoint = s.endpoint;
    node_env env{.io = io_,
                 .writer = *writer_,
                 .key = nullptr,
                 .seed = 42,
                 .send =
                     [this](std::uint64_t, const std::string&, std::string payload) {
                       if (auto e = consensus::decode_envelope(payload)) sent_.push_back(*e);
                     },
                 .hello_now = {},
                 .fatal =
                     [this](int code, const std::string& message) {
                       fatal_code_ = code;
                       fatal_message_ = message;
                     }};
    node_ = std::make_unique<cluster_node>(std::move(env), s, recovered_state{}, admin_policy{0});
    node_->start();
  }
  void TearDown() override {
    node_.reset();
    if (writer_) writer_->stop();
  }

  static wire::hello leader_hello(std::vector<std::uint64_t> voters) {
    wire::hello h;
    h.cluster = "default";
    h.cluster_uuid = "uuid-of-the-cluster";
    h.node_id = 9;
    h.incarnation = 90;
    h.endpoint = "127.0.0.1:9";
    h.role = "leader";
    h.leader = {.id = 9, .epoch = 4, .endpoint = h.endpoint};
    h.voters = std::move(voters);
    return h;
  }
  static wire::hello unaffiliated_hello(std::uint64_t id) {
    wire::hello h;
    h.cluster = "default";
    h.node_id = id;
    h.incarnation = id * 10;
    h.endpoint = "127.0.0.1:" + std::to_string(id);
    h.role = "joining";
    return h;
  }
  // Runs the node (hellos repeated as discovery would) until `done` or the deadline.
  template <class Pred>
  bool run_until(Pred done, const std::vector<wire::hello>& hellos = {},
                 std::chrono::milliseconds limit = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      for (const auto& h : hellos) node_->on_hello(h);
      io_.run_for(20ms);
    }
    return done();
  }
  bool proposed_bootstrap() const {
    return std::any_of(sent_.begin(), sent_.end(), [](const consensus::envelope& e) {
      return std::holds_alternative<consensus::bootstrap_propose>(e.body);
    });
  }

  storage::memory_file_system fs_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<log_writer> writer_;
  std::unique_ptr<cluster_node> node_;
  std::vector<consensus::envelope> sent_;
  std::optional<int> fatal_code_;
  std::string fatal_message_;
};

TEST_F(ClusterJoinTest, AnEmptyServerJoinsTheClusterWhoseLeaderItHearsAndSavesItsUuid) {
  make();
  ASSERT_TRUE(
      run_until([&] { return !node_->hello().cluster_uuid.empty(); }, {leader_hello({9, 11})}));
  EXPECT_EQ(node_->hello().cluster_uuid, "uuid-of-the-cluster");
  EXPECT_EQ(node_->hello().role, "joining");  // the leader adds it as a learner
  EXPECT_FALSE(fatal_code_);
  EXPECT_FALSE(proposed_bootstrap());
  ASSERT_TRUE(run_until([&] {
    auto id = storage::load_identity(fs_, "/data");
    return id && id->cluster_uuid == "uuid-of-the-cluster";
  })) << "the UUID must be durable";
}

TEST_F(ClusterJoinTest, AFollowersHelloIsNotEnoughToJoinOrToFormAnotherCluster) {
  make();
  auto follower = leader_hello({});
  follower.node_id = 11;
  follower.endpoint = "127.0.0.1:11";
  follower.role = "follower";  // names leader 9, lists no voters: no lost-disk check possible
  run_until([] { return false; }, {follower}, 600ms);
  EXPECT_TRUE(node_->hello().cluster_uuid.empty()) << "joined on a follower's word";
  EXPECT_FALSE(proposed_bootstrap()) << "a cluster exists: never form another one";
  EXPECT_NE(node_->status().role, "leader");
}

TEST_F(ClusterJoinTest, AnEmptyServerWhoseIdTheLeaderListsAsAVoterRefusesToRun) {
  make();
  ASSERT_TRUE(run_until([&] { return fatal_code_.has_value(); }, {leader_hello({7, 9, 11})}));
  EXPECT_EQ(*fatal_code_, exit_data);
  EXPECT_NE(fatal_message_.find("already a member"), std::string::npos) << fatal_message_;
  EXPECT_TRUE(node_->hello().cluster_uuid.empty()) << "it must not join under its old id";
}

TEST_F(ClusterJoinTest, AnOlderDataDirectoryThatNeverSavedTheUuidRejoinsInstead) {
  make(/*new_identity=*/false);  // e.g. a bootstrap proposer that crashed before forming
  ASSERT_TRUE(
      run_until([&] { return !node_->hello().cluster_uuid.empty(); }, {leader_hello({7, 9, 11})}));
  EXPECT_FALSE(fatal_code_);
}

TEST_F(ClusterJoinTest, OnlyTheHighestUnaffiliatedIdProposesANewCluster) {
  make();
  // A higher id is heard: node 7 waits for its proposal, however long.
  run_until([] { return false; }, {unaffiliated_hello(9)}, 600ms);
  EXPECT_FALSE(proposed_bootstrap());
  EXPECT_TRUE(node_->hello().cluster_uuid.empty());
}

TEST_F(ClusterJoinTest, TheHighestIdFormsTheClusterAloneWithoutBootstrapExpect) {
  make();
  ASSERT_TRUE(run_until([&] { return node_->status().role == "leader"; }, {unaffiliated_hello(3)}));
  EXPECT_FALSE(proposed_bootstrap()) << "without --bootstrap-expect the proposal lists it alone";
  EXPECT_EQ(node_->hello().voters, std::vector<std::uint64_t>{7});
}

// Undecodable and forged bytes never get here: the listener refuses them (peer_message_test,
// client_listener_edge_test). What does get here is decoded, and is checked against the state.
TEST_F(ClusterJoinTest, ALeaveOfAnUnknownIncarnationOrAnotherClusterChangesNothing) {
  make();
  ASSERT_TRUE(run_until([&] { return node_->status().role == "leader"; }));
  const net::request_origin origin{"10.9.9.9", false, {}};
  const auto uuid = node_->hello().cluster_uuid;
  node_->on_peer_message(net::leave_request{.from = 7, .incarnation = 1, .cluster_uuid = uuid},
                         origin);
  node_->on_peer_message(net::leave_request{.from = 7, .incarnation = 70, .cluster_uuid = "x"},
                         origin);
  io_.run_for(50ms);
  EXPECT_EQ(node_->status().role, "leader");
  EXPECT_EQ(node_->hello().voters, std::vector<std::uint64_t>{7});
}

}  // namespace
}  // namespace vote::node
