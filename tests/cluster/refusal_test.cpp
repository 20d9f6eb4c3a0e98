// Refusals cost no log space (issue 8, finding 4): a flood of refused votes and retries sent to the
// leader of a three-server cluster over a few connections is answered without growing any
// server's write-ahead log.
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

#include "cluster/cluster_fixture.hpp"
#include "vote/wire/frame.hpp"

namespace vote::test {
namespace {

namespace asio = boost::asio;

// One client connection carrying request after request, as a flooding client would use it (the
// server answers each in order). Every read is bounded by a 5 s socket timeout.
class connection {
 public:
  explicit connection(std::uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::make_address_v4("127.0.0.1"), port});
    const timeval tv{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  // The answer to `r`; nullopt when the connection fails or the answer does not decode.
  std::optional<wire::client_response> call(const wire::client_request& r) {
    std::string out;
    wire::encode_frame(wire::encode_request(r), out);
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(out), ec);
    while (!ec) {
      const auto d = wire::decode_frame(in_);
      if (d.st == wire::frame_decode::status::error) return std::nullopt;
      if (d.st == wire::frame_decode::status::frame) {
        auto decoded = wire::decode_response(std::string(d.payload));
        in_.erase(0, d.consumed);
        auto* resp = std::get_if<wire::client_response>(&decoded);
        return resp ? std::optional(*resp) : std::nullopt;
      }
      std::array<char, 4096> buf;
      const std::size_t n = socket_.read_some(asio::buffer(buf), ec);
      in_.append(buf.data(), n);
    }
    return std::nullopt;
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string in_;
};

// Bytes of every regular file under `dir` (the WAL segments, snapshots, identity and promise).
std::uintmax_t bytes_under(const std::filesystem::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    std::error_code ec;
    if (f.is_regular_file(ec)) total += f.file_size(ec);
  }
  return total;
}

class RefusalTest : public ClusterTest {
 protected:
  std::map<node_id, std::uintmax_t> data_bytes() {
    std::map<node_id, std::uintmax_t> bytes;
    for (node_id id = 1; id <= c().size(); ++id) bytes[id] = bytes_under(c().data_dir(id));
    return bytes;
  }
  // Every server has applied what the leader committed: nothing is still on its way to a disk.
  ::testing::AssertionResult all_caught_up() {
    for (node_id id = 1; id <= c().size(); ++id) {
      if (!c().wait_caught_up(id, converge)) {
        return ::testing::AssertionFailure() << "server " << id << " did not catch up";
      }
    }
    return ::testing::AssertionSuccess();
  }
};

// One refused request of each kind the leader settles without the log, by number `i`.
struct probe {
  wire::client_request request;
  errc expected;
};
probe refused_vote(const ballot& b, int i) {
  const std::string rid = "flood-" + std::to_string(i);
  switch (i % 5) {
    case 0:  // unknown candidate: settled forever
      return {vote_request(b.election, ballot::voter(i % b.voters), "Nobody", rid),
              errc::invalid_candidate};
    case 1:  // a retry of v0's counted vote: settled forever
      return {vote_request(b.election, ballot::voter(0), "Bob", "vote-v0"), errc::ok};
    case 2:  // not on the roll: settled now (read index)
      return {vote_request(b.election, "stranger-" + std::to_string(i), "Alice", rid),
              errc::voter_not_authorized};
    case 3:  // unknown election: settled now
      return {vote_request("no-such-election", ballot::voter(1), "Alice", rid),
              errc::unknown_election};
    default:  // v1 voted already, another request id: settled now
      return {vote_request(b.election, ballot::voter(1), "Alice", rid), errc::already_voted};
  }
}

TEST_F(RefusalTest, AFloodOfRefusedVotesDoesNotGrowTheLog) {
  make(3);
  ASSERT_TRUE(form_at_once());
  const node_id leader = c().size();  // form_at_once: the highest id leads and stays
  ballot b;
  ASSERT_TRUE(register_election(b, "flood", 10));
  for (int i : {0, 1}) {
    auto r = request(c().port(leader),
                     vote_request(b.election, ballot::voter(i), ballot::candidate_for(i),
                                  "vote-" + ballot::voter(i)));
    ASSERT_TRUE(r && r->ok()) << (r ? r->message : "no answer");
    b.acknowledged[ballot::voter(i)] = ballot::candidate_for(i);
  }
  ASSERT_TRUE(all_caught_up());
  const auto commit_before = c().status(leader).value().commit_index;
  const auto before = data_bytes();

  constexpr int flood = 2000;
  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<std::string> wrong;  // requests not answered as expected
  std::vector<std::thread> senders;
  const auto started = std::chrono::steady_clock::now();
  for (int t = 0; t < 16; ++t) {
    senders.emplace_back([&] {
      connection conn(c().port(leader));
      for (int i = next++; i < flood; i = next++) {
        const probe p = refused_vote(b, i);
        const auto r = conn.call(p.request);
        if (r && r->code == p.expected) continue;
        std::lock_guard lock(mu);
        wrong.push_back("#" + std::to_string(i) + ": " + (r ? r->message : "no answer"));
      }
    });
  }
  for (auto& s : senders) s.join();
  std::cerr << flood << " refused votes answered in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count()
            << " ms\n";
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " unexpected answers, first " << wrong.front();

  ASSERT_TRUE(all_caught_up());
  EXPECT_EQ(c().status(leader).value().commit_index, commit_before) << "refusals were logged";
  const auto after = data_bytes();
  for (node_id id = 1; id <= c().size(); ++id) {
    std::cerr << "server " << id << " data dir: " << before.at(id) << " -> " << after.at(id)
              << " bytes\n";
    // Logged, 2000 refusals would take ~500 KB (about 270 bytes each, issue 8).
    EXPECT_LE(after.at(id), before.at(id) + 4096)
        << "server " << id << ": " << before.at(id) << " -> " << after.at(id) << " bytes";
  }

  // The cluster still counts votes, each exactly once.
  ASSERT_TRUE(cast_range(b, 2, 4));
  close_and_expect_exact_tally(b);
}

}  // namespace
}  // namespace vote::test
