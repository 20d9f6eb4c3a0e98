// A real vote-server on a damaged data directory (issue 8, finding 2): a deleted WAL segment,
// a deleted snapshot or an emptied log makes it refuse to start with exit 4 and a message that
// names what is missing; `--check-data-dir` gives the same verdict and never writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "vote/lab/harness.hpp"

namespace vote::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Voter v<n> votes A if n is odd, else B, with request id r<n>.
wire::client_request vote_request(const std::string& election, int voter) {
  return test::vote_request(election, "v" + std::to_string(voter), voter % 2 ? "A" : "B",
                            "r" + std::to_string(voter));
}

// Every file under `dir` with its size, content and modification time.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::ostringstream s;
    s << e.last_write_time().time_since_epoch().count() << ":";
    if (e.is_regular_file()) s << std::ifstream(e.path(), std::ios::binary).rdbuf();
    out[e.path().string()] = s.str();
  }
  return out;
}

class DamagedDataDirTest : public ::testing::Test {
 protected:
  // A server with `votes` acknowledged votes, stopped.
  void run_and_stop(int votes, std::vector<std::string> extra = {}) {
    srv_ = std::make_unique<server>(server::options{{}, std::move(extra)});
    srv_->start();
    ASSERT_TRUE(request(srv_->port(), register_request("e", votes)).value().ok());
    for (int v = 0; v < votes; ++v) {
      auto resp = request(srv_->port(), vote_request("e", v), 5s);
      ASSERT_TRUE(resp && resp->ok());
    }
    ASSERT_EQ(srv_->stop(), 0);
  }
  fs::path data() const { return srv_->data_dir() / "data"; }
  std::vector<fs::path> files(const fs::path& dir, const std::string& suffix) const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().string().ends_with(suffix)) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Starting is refused with exit 4 and a message naming `what`; the check agrees.
  void expect_refused(const std::string& what) {
    auto r = run("vote-server", srv_->args(), 20s);
    EXPECT_EQ(r.code, 4) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("A server refuses to start: damaged data directory"), std::string::npos);
    EXPECT_NE(r.err.find("rejoins as a new member"), std::string::npos);
    const auto before = tree(data());
    auto check = run("vote-server", {"--check-data-dir", data().string()}, 20s);
    EXPECT_EQ(check.code, 4) << check.out;
    EXPECT_NE(check.out.find("damaged"), std::string::npos) << check.out;
    EXPECT_NE(check.out.find(what), std::string::npos) << check.out;
    EXPECT_EQ(tree(data()), before) << "--check-data-dir modified the directory";
  }

  std::unique_ptr<server> srv_;
};

TEST_F(DamagedDataDirTest, ADeletedLastSegmentIsRefusedWithExitFour) {
  run_and_stop(30);
  const auto segments = files(data() / "wal", ".log");
  ASSERT_FALSE(segments.empty());
  fs::remove(segments.back());
  expect_refused(segments.back().filename().string() + " is missing");
}

TEST_F(DamagedDataDirTest, ADeletedSnapshotIsRefusedWithExitFour) {
  run_and_stop(60, {"--snapshot-every", "20"});
  const auto snapshots = files(data(), ".snap");
  ASSERT_EQ(snapshots.size(), 1u);
  fs::remove(snapshots.front());
  expect_refused(snapshots.front().filename().string() + " is missing");
}

TEST_F(DamagedDataDirTest, AnEmptiedLogIsRefusedWithExitFour) {
  run_and_stop(30);
  for (const auto& s : files(data() / "wal", ".log")) fs::remove(s);
  expect_refused("has no segment at all");
}

TEST_F(DamagedDataDirTest, AnEmptiedLogWithoutItsManifestIsRefusedWithExitFour) {
  run_and_stop(30);
  fs::remove_all(data() / "wal");
  fs::remove(data() / "wal-manifest");
  expect_refused("the log is missing");
}

TEST_F(DamagedDataDirTest, ALogCutAfterACleanStopIsRefusedWithExitFour) {
  run_and_stop(30);  // a clean stop records the whole log as durable
  const auto segments = files(data() / "wal", ".log");
  ASSERT_FALSE(segments.empty());
  fs::resize_file(segments.back(), 37);  // only the segment header is left
  expect_refused("as durable");
}

TEST_F(DamagedDataDirTest, AfterKillNineTheCheckIsHealthyAndTheServerStarts) {
  srv_ = std::make_unique<server>();
  srv_->start();
  ASSERT_TRUE(request(srv_->port(), register_request("e", 10)).value().ok());
  for (int v = 0; v < 10; ++v) ASSERT_TRUE(request(srv_->port(), vote_request("e", v)));
  srv_->kill9();
  const auto before = tree(data());
  auto check = run("vote-server", {"--check-data-dir", data().string()}, 20s);
  EXPECT_EQ(check.code, 0) << check.out;
  EXPECT_NE(check.out.find("healthy"), std::string::npos) << check.out;
  EXPECT_EQ(tree(data()), before) << "--check-data-dir modified the directory";
  srv_->start();  // throws if it does not serve
  auto resp = request(srv_->port(), vote_request("e", 3));
  ASSERT_TRUE(resp);
  EXPECT_TRUE(resp->ok()) << "the retry is recognised: vote 3 survived";
}

TEST_F(DamagedDataDirTest, CheckDataDirSaysLockedWhileRunningAndMissingForNoDirectory) {
  srv_ = std::make_unique<server>();
  srv_->start();
  const auto before = tree(data());
  auto locked = run("vote-server", {"--check-data-dir", data().string()}, 20s);
  EXPECT_EQ(locked.code, 3) << locked.out;
  EXPECT_NE(locked.out.find("running vote-server"), std::string::npos) << locked.out;
  EXPECT_EQ(tree(data()), before);
  auto missing = run("vote-server", {"--check-data-dir", (data() / "nope").string()}, 20s);
  EXPECT_EQ(missing.code, 2);
  EXPECT_FALSE(fs::exists(data() / "nope")) << "the check must not create the directory";
}

}  // namespace
}  // namespace vote::test
