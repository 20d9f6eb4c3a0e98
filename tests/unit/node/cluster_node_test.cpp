// The node driver against an in-memory disk, as a one-member cluster: it forms the cluster alone,
// persists before it replies, group-commits, keeps refusals out of the log, drains on stop.
#include "vote/node/cluster_node.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <atomic>

#include "unit/node/requests.hpp"
#include "vote/storage/memory_file_system.hpp"
#include "vote/storage/wal.hpp"

namespace vote::node {
namespace {

namespace asio = boost::asio;
using test::register_request;
using test::vote_request;
using namespace std::chrono_literals;

// Counts syncs of the files it hands out; everything else goes to the memory file system.
class counting_fs : public storage::file_system {
 public:
  explicit counting_fs(storage::file_system& inner) : inner_(inner) {}
  std::atomic<int> syncs{0};

  std::error_code create_dirs(const std::string& d) override { return inner_.create_dirs(d); }
  std::error_code list_dir(const std::string& d, std::vector<std::string>& n) override {
    return inner_.list_dir(d, n);
  }
  bool exists(const std::string& p) override { return inner_.exists(p); }
  std::error_code read_file(const std::string& p, std::string& o) override {
    return inner_.read_file(p, o);
  }
  std::error_code open_appendable(const std::string& p,
                                  std::unique_ptr<storage::writable_file>& out) override {
    std::unique_ptr<storage::writable_file> f;
    auto ec = inner_.open_appendable(p, f);
    if (!ec) out = std::make_unique<counting_file>(std::move(f), syncs);
    return ec;
  }
  std::error_code truncate(const std::string& p, std::uint64_t s) override {
    return inner_.truncate(p, s);
  }
  std::error_code rename(const std::string& f, const std::string& t) override {
    return inner_.rename(f, t);
  }
  std::error_code remove(const std::string& p) override { return inner_.remove(p); }
  std::error_code sync_dir(const std::string& d) override { return inner_.sync_dir(d); }

 private:
  struct counting_file : storage::writable_file {
    counting_file(std::unique_ptr<storage::writable_file> f, std::atomic<int>& n)
        : file(std::move(f)), syncs(n) {}
    std::error_code append(std::string_view d) override { return file->append(d); }
    std::error_code sync() override {
      ++syncs;
      return file->sync();
    }
    std::uint64_t size() const override { return file->size(); }
    std::unique_ptr<storage::writable_file> file;
    std::atomic<int>& syncs;
  };
  storage::file_system& inner_;
};

class ClusterNodeTest : public ::testing::Test {
 protected:
  static constexpr std::uint32_t server_uid = 1000;  // the user the server "runs as"

  void SetUp() override {
    storage::wal_recovery rec;
    writer_ = std::make_unique<log_writer>(io_, fs_, "/data", storage::node_identity{7, 1, {}},
                                           storage::wal::open(fs_, "/data/wal", {}, rec));
    node_settings s;
    s.id = 7;
    s.incarnation = 1;
    s.endpoint = "127.0.0.1:1";
    s.discovery_window = 0ms;  // nobody else to hear: form the cluster alone at once
    s.consensus.endpoint = s.endpoint;
    node_ = std::make_unique<cluster_node>(node_env{.io = io_,
                                                    .writer = *writer_,
                                                    .key = nullptr,
                                                    .seed = 42,
                                                    .send = {},
                                                    .hello_now = {},
                                                    .fatal = {}},
                                           s, recovered_state{}, admin_policy{server_uid});
    node_->start();
    // config entry and epoch_start are committed and applied: the node serves
    run_while(
        [&] { return node_->status().role != "leader" || node_->status().applied_index < 2; });
  }
  void TearDown() override {
    node_.reset();
    writer_->stop();
  }

  // The admin (the server's own user on its machine) unless `same_host` is false. Every lookup
  // of the connecting socket's owner is counted in uid_lookups_.
  net::request_origin origin(bool same_host) {
    net::request_origin from{"10.0.0.9", same_host, {}};
    if (same_host) {
      from.local_uid = [this] {
        ++uid_lookups_;
        return std::optional(server_uid);
      };
    }
    return from;
  }
  void send(const wire::client_request& r, bool same_host = true) {
    node_->on_request(wire::encode_request(r), origin(same_host), [this](std::string json) {
      auto d = wire::decode_response(json);
      replies_.push_back(std::get<wire::client_response>(d));
    });
  }
  void run_until(std::size_t replies) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (replies_.size() < replies && std::chrono::steady_clock::now() < deadline)
      io_.run_one_for(100ms);
    ASSERT_EQ(replies_.size(), replies);
  }
  template <class Pred>
  void run_while(Pred busy) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (busy() && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
    ASSERT_FALSE(busy());
  }
  std::vector<log_entry> durable_log() {
    mem_.crash(1);
    storage::wal_recovery rec;
    storage::wal::open(mem_, "/data/wal", {}, rec);
    return rec.entries;
  }

  storage::memory_file_system mem_;
  counting_fs fs_{mem_};
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<log_writer> writer_;
  std::unique_ptr<cluster_node> node_;
  std::vector<wire::client_response> replies_;
  int uid_lookups_ = 0;
};

TEST_F(ClusterNodeTest, AReplyComesOnlyAfterItsEntryIsDurable) {
  send(register_request({"u1"}));
  EXPECT_TRUE(replies_.empty()) << "answered before the entry reached the disk";
  run_until(1);
  EXPECT_TRUE(replies_[0].ok()) << replies_[0].message;
  auto log = durable_log();
  ASSERT_EQ(log.size(), 3u);  // configuration, epoch_start, register
  EXPECT_EQ(log[0].kind, entry_kind::config);
  EXPECT_EQ(log[1].kind, entry_kind::epoch_start);
  EXPECT_EQ(log[2].kind, entry_kind::command);
  EXPECT_EQ(decode_command(log[2].payload)->request_id, "reg");
}

TEST_F(ClusterNodeTest, RequestsArrivingInOneTurnShareOneFsync) {
  std::vector<std::string> voters;
  for (int i = 0; i < 50; ++i) voters.push_back("v" + std::to_string(i));
  send(register_request(voters));
  run_until(1);
  const int before = fs_.syncs.load();
  for (const auto& v : voters) send(vote_request(v));
  run_until(51);
  EXPECT_EQ(fs_.syncs.load() - before, 1);
  for (const auto& r : replies_) EXPECT_TRUE(r.ok()) << r.message;
}

TEST_F(ClusterNodeTest, MalformedAndRefusedRequestsNeverTouchTheLog) {
  const int before = fs_.syncs.load();
  node_->on_request("{not json", origin(true), [this](std::string json) {
    replies_.push_back(std::get<wire::client_response>(wire::decode_response(json)));
  });
  send(register_request({"u1", "u1"}));                 // duplicate voter: shape check
  send(register_request({"u1"}), /*same_host=*/false);  // not the admin
  ASSERT_EQ(replies_.size(), 3u);
  EXPECT_EQ(replies_[0].code, errc::bad_request);
  EXPECT_EQ(replies_[1].code, errc::invalid_election);
  EXPECT_EQ(replies_[2].code, errc::unauthorized);
  send(register_request({"u1"}));  // the only request that reaches the log
  run_until(4);
  EXPECT_TRUE(replies_[3].ok());
  EXPECT_EQ(fs_.syncs.load(), before + 1);
  EXPECT_EQ(durable_log().size(), 3u);
}

// Issue 8, finding 4: answers the applied state settles cost no log entry and no fsync. Forever
// facts are answered within the call; "now" facts only after the read index.
TEST_F(ClusterNodeTest, RefusedVotesAndRetriesLeaveNoLogEntry) {
  send(register_request({"u1", "u2"}));
  run_until(1);
  send(vote_request("u1"));  // the vote that counts, request id "req-u1"
  run_until(2);
  ASSERT_TRUE(replies_[1].ok()) << replies_[1].message;
  const auto commit_before = node_->status().commit_index;
  const int syncs_before = fs_.syncs.load();

  auto vote = [](std::string election, std::string voter, std::string candidate,
                 std::string request_id) {
    wire::client_request r = vote_request(voter);
    r.request_id = std::move(request_id);
    r.body = vote_cmd{std::move(election), std::move(voter), std::move(candidate)};
    return r;
  };
  send(vote("e", "u2", "Nobody", "p1"));  // unknown candidate: forever
  send(vote("e", "u1", "B", "req-u1"));   // retry naming another candidate: forever
  ASSERT_EQ(replies_.size(), 4u) << "a forever answer waited";
  send(vote("nope", "u2", "A", "p2"));    // unknown election: now
  send(vote("e", "mallory", "A", "p3"));  // not on the roll: now
  send(vote("e", "u1", "A", "p4"));       // already voted: now
  EXPECT_EQ(replies_.size(), 4u) << "a 'now' answer came before its read index";
  run_until(7);
  EXPECT_EQ(replies_[2].code, errc::invalid_candidate);
  EXPECT_TRUE(replies_[3].ok());
  EXPECT_EQ(replies_[3].message, "Vote by user 'u1' has been registered.");
  EXPECT_EQ(replies_[4].code, errc::unknown_election);
  EXPECT_EQ(replies_[5].code, errc::voter_not_authorized);
  EXPECT_EQ(replies_[6].code, errc::already_voted);
  EXPECT_EQ(replies_[6].request_id, "p4");
  EXPECT_EQ(fs_.syncs.load(), syncs_before);
  EXPECT_EQ(node_->status().commit_index, commit_before);
  EXPECT_EQ(durable_log().size(), 4u);  // configuration, epoch_start, register, the one vote
}

TEST_F(ClusterNodeTest, AnAcceptedVoteStillGoesThroughTheLog) {
  send(register_request({"u1", "u2"}));
  run_until(1);
  send(vote_request("u2"));
  EXPECT_EQ(replies_.size(), 1u) << "answered before the vote was durable";
  run_until(2);
  EXPECT_TRUE(replies_[1].ok()) << replies_[1].message;
  const auto log = durable_log();
  ASSERT_EQ(log.size(), 4u);  // configuration, epoch_start, register, vote
  EXPECT_EQ(decode_command(log.back().payload)->request_id, "req-u2");
}

// Finding the socket's owner reads the kernel's socket table: only an admin request to a server
// without a token may cost that, never a voter's request (a flood of them stays cheap).
TEST_F(ClusterNodeTest, TheConnectingSocketsOwnerIsLookedUpOnlyForAnAdminRequest) {
  send(register_request({"u1"}));
  run_until(1);
  ASSERT_TRUE(replies_[0].ok()) << replies_[0].message;
  EXPECT_EQ(uid_lookups_, 1);
  send(vote_request("u1"));
  send(vote_request("stranger"));
  run_until(3);
  EXPECT_EQ(uid_lookups_, 1) << "a voter's request looked up the socket's owner";
}

TEST_F(ClusterNodeTest, StopAnswersWhatIsInFlightThenRefusesNewRequests) {
  send(register_request({"u1", "u2"}));
  bool drained = false;
  node_->stop([&] { drained = true; });
  run_until(1);
  run_while([&] { return !drained; });
  EXPECT_TRUE(replies_[0].ok());
  send(vote_request("u1"));
  ASSERT_EQ(replies_.size(), 2u);
  EXPECT_EQ(replies_[1].code, errc::unavailable);
  EXPECT_FALSE(node_->discovery_answer().has_value());
}

TEST_F(ClusterNodeTest, StatusAndDiscoveryAnswerDescribeThisNode) {
  auto info = node_->discovery_answer();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->leader.id, 7u);
  EXPECT_EQ(info->leader.endpoint, "127.0.0.1:1");
  EXPECT_GE(info->leader.epoch, 1u);
  send(wire::client_request{});
  ASSERT_EQ(replies_.size(), 1u);
  ASSERT_TRUE(replies_[0].status);
  EXPECT_EQ(replies_[0].status->role, "leader");
  EXPECT_EQ(replies_[0].status->leader.id, 7u);
  EXPECT_EQ(replies_[0].status->applied_index, 2u);
  const auto hello = node_->hello();
  EXPECT_EQ(hello.role, "leader");
  EXPECT_FALSE(hello.cluster_uuid.empty());
  EXPECT_EQ(hello.voters, std::vector<std::uint64_t>{7});
}

}  // namespace
}  // namespace vote::node
