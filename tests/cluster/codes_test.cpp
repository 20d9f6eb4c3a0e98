// Voting codes, ballot secrecy and the public record end to end through the shipped CLIs
// (DESIGN.md §10, docs/record.md): three servers on loopback, codes made by `register
// --voter-codes`, votes with `vote --code --receipt`, and `vote-verify` against every server.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "cluster/cluster_fixture.hpp"

namespace vote::test {
namespace {

// Every byte of every packet on the loopback interface while it lives (root only: a raw
// AF_PACKET socket). Bounded to 256 MiB.
class loopback_capture {
 public:
  loopback_capture() {
    fd_ = ::socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd_ < 0) return;
    sockaddr_ll where{};
    where.sll_family = AF_PACKET;
    where.sll_protocol = htons(ETH_P_ALL);
    where.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
    timeval tick{0, 100'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&where), sizeof where) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    reader_ = std::thread([this] {
      std::string packet(65536, '\0');
      while (!stop_) {
        const ssize_t n = ::recv(fd_, packet.data(), packet.size(), 0);
        if (n > 0 && bytes_.size() < (std::size_t{256} << 20)) bytes_.append(packet.data(), n);
      }
    });
  }
  ~loopback_capture() { finish(); }
  bool capturing() const { return fd_ >= 0; }
  const std::string& finish() {
    if (reader_.joinable()) {
      stop_ = true;
      reader_.join();
      ::close(fd_);
    }
    return bytes_;
  }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread reader_;
  std::string bytes_;
};

// The bytes of every file below `dir`.
std::string all_files(const std::filesystem::path& dir) {
  std::string out;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    out += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

struct voter_row {
  std::string name;
  std::string code;
};

std::vector<voter_row> read_codes(const std::filesystem::path& csv) {
  std::ifstream in(csv);
  std::string line;
  std::vector<voter_row> rows;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto comma = line.rfind(',');
    rows.push_back({line.substr(0, comma), line.substr(comma + 1)});
  }
  return rows;
}

class CodesTest : public ClusterTest {
 protected:
  void TearDown() override {
    ClusterTest::TearDown();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::vector<std::string> verify_args(const std::string& election) {
    std::vector<std::string> args = {"--election-id", election};
    for (const node_id id : c().live()) args.insert(args.end(), {"--server", c().endpoint(id)});
    return args;
  }
  std::filesystem::path dir_;
};

TEST_F(CodesTest, ACodesElectionKeepsEveryNameOffTheServersAndVerifies) {
  make(3);
  ASSERT_TRUE(form_at_once());
  dir_ = make_temp_dir("vote-codes-");
  const std::vector<std::string> names = {"Zoe Quixote-Name-71", "Yann Quarrel-Name-72",
                                          "Xeno Quibble-Name-73", "Walt Quagga-Name-74"};
  loopback_capture capture;
  const auto flags = c().discovery_flags();
  std::vector<std::string> reg = {"--id",
                                  "board",
                                  "--candidates",
                                  "Alice",
                                  "Bob",
                                  "--voter-codes",
                                  (dir_ / "codes.csv").string(),
                                  "--authorized-users"};
  reg.insert(reg.end(), names.begin(), names.end());
  auto registered = client("register", reg, flags);
  ASSERT_EQ(registered.code, 0) << registered.err << registered.out;
  EXPECT_EQ(std::filesystem::status(dir_ / "codes.csv").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto rows = read_codes(dir_ / "codes.csv");
  ASSERT_EQ(rows.size(), names.size());

  // Three voters vote; each keeps a receipt.
  for (int i = 0; i < 3; ++i) {
    auto v =
        client("vote",
               {"--code", rows[i].code, "--candidate", i == 1 ? "Bob" : "Alice", "--election-id",
                "board", "--receipt", (dir_ / ("receipt-" + std::to_string(i))).string()},
               flags);
    ASSERT_EQ(v.code, 0) << v.err << v.out;
    EXPECT_NE(v.out.find("tracker"), std::string::npos) << v.out;
    EXPECT_EQ(v.out.find(rows[i].name), std::string::npos) << v.out;
  }
  // A reused code, a wrong code and a code of another election: one answer.
  ASSERT_EQ(client("register",
                   {"--id", "other", "--candidates", "Alice", "--voter-codes",
                    (dir_ / "other.csv").string(), "--authorized-users", "someone"},
                   flags)
                .code,
            0);
  const auto other = read_codes(dir_ / "other.csv");
  std::vector<std::string> refusals;
  for (const std::string& code :
       {rows[0].code, std::string("2222-2222-2222-2222"), other[0].code}) {
    auto v =
        client("vote", {"--code", code, "--candidate", "Alice", "--election-id", "board"}, flags);
    EXPECT_EQ(v.code, 1) << code << ": " << v.err << v.out;
    refusals.push_back(v.err);
  }
  EXPECT_EQ(refusals[0], refusals[1]);
  EXPECT_EQ(refusals[0], refusals[2]);
  EXPECT_NE(refusals[0].find("not valid for this election"), std::string::npos) << refusals[0];

  auto closed = client("close", {"--id", "board"}, flags);
  ASSERT_EQ(closed.code, 0) << closed.err;
  EXPECT_NE(closed.out.find("The winner is Alice"), std::string::npos) << closed.out;

  // No name on any disk or on the wire; no code on any disk.
  const std::string& wire = capture.finish();
  for (const node_id id : c().live()) {
    const std::string disk = all_files(c().data_dir(id));
    for (const auto& row : rows) {
      EXPECT_EQ(disk.find(row.name), std::string::npos) << "server " << id << " holds a name";
      EXPECT_EQ(disk.find(row.code), std::string::npos) << "server " << id << " holds a code";
      std::string bare = row.code;
      std::erase(bare, '-');
      EXPECT_EQ(disk.find(bare), std::string::npos) << "server " << id << " holds a code";
    }
    EXPECT_EQ(c().log_of(id).find("Name-7"), std::string::npos) << "server " << id;
  }
  if (capture.capturing()) {
    EXPECT_GT(wire.size(), 0u);
    for (const auto& n : names) EXPECT_EQ(wire.find(n), std::string::npos) << n << " on the wire";
  }

  // The record is identical on every server (once each has applied the close) and recounts;
  // each receipt is in it.
  for (const node_id id : {1, 2, 3}) ASSERT_TRUE(c().wait_caught_up(id, converge)) << id;
  auto verified = run("vote-verify", verify_args("board"), 60s);
  EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("VERIFIED"), std::string::npos) << verified.out;
  for (int i = 0; i < 3; ++i) {
    auto args = verify_args("board");
    args.insert(args.end(), {"--receipt", (dir_ / ("receipt-" + std::to_string(i))).string()});
    auto r = run("vote-verify", args, 60s);
    EXPECT_EQ(r.code, 0) << "receipt " << i << ": " << r.out << r.err;
  }
}

TEST_F(CodesTest, VerifyAgreesOnEveryServerAfterTheLeaderWasKilledMidElection) {
  make(3);
  ASSERT_TRUE(form_at_once());
  ballot b;
  ASSERT_TRUE(register_election(b, "midway", 8));
  ASSERT_TRUE(cast_range(b, 0, 4));
  c().kill9(3);
  ASSERT_TRUE(c().wait_for_leader({1, 2}, converge));
  ASSERT_TRUE(cast_range(b, 4, 8));
  c().restart(3);
  ASSERT_TRUE(c().wait_caught_up(3, tenure));
  ASSERT_TRUE(close(b));
  // Every server has applied the close once it is caught up; ask all three.
  for (const node_id id : {1, 2, 3}) ASSERT_TRUE(c().wait_caught_up(id, converge)) << id;
  auto verified = run("vote-verify", verify_args("midway"), 60s);
  EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("8 ballots"), std::string::npos) << verified.out;
}

}  // namespace
}  // namespace vote::test
