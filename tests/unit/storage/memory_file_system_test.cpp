// memory_file_system: the POSIX durability model the crash tests rely on.
#include "vote/storage/memory_file_system.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace vote::storage {
namespace {

class memory_fs_test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(fs_.create_dirs("/d")); }

  // Creates /d/<name> with `synced` durable bytes (directory entry synced too) and `unsynced`
  // bytes written after them.
  void write(const std::string& name, const std::string& synced, const std::string& unsynced) {
    std::unique_ptr<writable_file> f;
    ASSERT_FALSE(fs_.open_appendable("/d/" + name, f));
    ASSERT_FALSE(f->append(synced));
    ASSERT_FALSE(f->sync());
    ASSERT_FALSE(fs_.sync_dir("/d"));
    ASSERT_FALSE(f->append(unsynced));
  }
  std::string read(const std::string& path) {
    std::string out;
    EXPECT_FALSE(fs_.read_file(path, out));
    return out;
  }

  memory_file_system fs_;
};

TEST_F(memory_fs_test, SyncedBytesSurviveEveryCrash) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    memory_file_system fs;
    ASSERT_FALSE(fs.create_dirs("/d"));
    std::unique_ptr<writable_file> f;
    ASSERT_FALSE(fs.open_appendable("/d/f", f));
    ASSERT_FALSE(f->append("durable"));
    ASSERT_FALSE(f->sync());
    ASSERT_FALSE(fs.sync_dir("/d"));
    fs.crash(seed);
    std::string out;
    ASSERT_FALSE(fs.read_file("/d/f", out));
    EXPECT_EQ(out, "durable");
  }
}

TEST_F(memory_fs_test, UnsyncedTailIsDroppedKeptOrTornToAPrefixDependingOnSeed) {
  std::set<std::size_t> kept_sizes;
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    memory_file_system fs;
    ASSERT_FALSE(fs.create_dirs("/d"));
    std::unique_ptr<writable_file> f;
    ASSERT_FALSE(fs.open_appendable("/d/f", f));
    ASSERT_FALSE(f->append("base"));
    ASSERT_FALSE(f->sync());
    ASSERT_FALSE(fs.sync_dir("/d"));
    ASSERT_FALSE(f->append("0123456789"));
    fs.crash(seed);
    std::string out;
    ASSERT_FALSE(fs.read_file("/d/f", out));
    ASSERT_EQ(out, std::string("base0123456789").substr(0, out.size())) << "not a prefix";
    ASSERT_GE(out.size(), 4u);
    kept_sizes.insert(out.size());
  }
  EXPECT_TRUE(kept_sizes.count(4)) << "some crash drops the whole unsynced tail";
  EXPECT_TRUE(kept_sizes.count(14)) << "some crash keeps all of it";
  EXPECT_GT(kept_sizes.size(), 2u) << "some crash tears it";
}

TEST_F(memory_fs_test, CreatedFileIsDurableOnlyAfterSyncDir) {
  bool lost = false;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    memory_file_system fs;
    ASSERT_FALSE(fs.create_dirs("/d"));
    std::unique_ptr<writable_file> f;
    ASSERT_FALSE(fs.open_appendable("/d/f", f));
    ASSERT_FALSE(f->append("x"));
    ASSERT_FALSE(f->sync());
    fs.crash(seed);
    lost = lost || !fs.exists("/d/f");
  }
  EXPECT_TRUE(lost);
  write("g", "x", "");
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    fs_.crash(seed);
    EXPECT_TRUE(fs_.exists("/d/g"));
  }
}

TEST_F(memory_fs_test, RenameWithoutSyncDirMayBeUndoneButNeverHalfDone) {
  std::set<std::string> outcomes;
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    memory_file_system fs;
    ASSERT_FALSE(fs.create_dirs("/d"));
    ASSERT_FALSE(write_file_atomically(fs, "/d", "f", "old content"));
    std::unique_ptr<writable_file> f;
    ASSERT_FALSE(fs.open_appendable("/d/tmp", f));
    ASSERT_FALSE(f->append("new content"));
    ASSERT_FALSE(f->sync());
    ASSERT_FALSE(fs.rename("/d/tmp", "/d/f"));
    fs.crash(seed);
    std::string now;
    ASSERT_FALSE(fs.read_file("/d/f", now));
    outcomes.insert(now);
  }
  EXPECT_EQ(outcomes, (std::set<std::string>{"old content", "new content"}));
}

TEST_F(memory_fs_test, RenameAfterSyncDirSurvivesEveryCrash) {
  write("tmp", "new", "");
  ASSERT_FALSE(fs_.rename("/d/tmp", "/d/f"));
  ASSERT_FALSE(fs_.sync_dir("/d"));
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    fs_.crash(seed);
    EXPECT_EQ(read("/d/f"), "new");
    EXPECT_FALSE(fs_.exists("/d/tmp"));
  }
}

TEST_F(memory_fs_test, RemoveWithoutSyncDirMayBeUndone) {
  bool back = false;
  for (std::uint64_t seed = 0; seed < 20 && !back; ++seed) {
    write("f", "x", "");
    ASSERT_FALSE(fs_.remove("/d/f"));
    EXPECT_FALSE(fs_.exists("/d/f"));
    fs_.crash(seed);
    back = fs_.exists("/d/f");
  }
  EXPECT_TRUE(back);
}

TEST_F(memory_fs_test, UnsyncedTruncateComesBackEitherUndoneOrDone) {
  std::set<std::string> outcomes;
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    memory_file_system fs;
    ASSERT_FALSE(fs.create_dirs("/d"));
    std::unique_ptr<writable_file> f;
    ASSERT_FALSE(fs.open_appendable("/d/f", f));
    ASSERT_FALSE(f->append("abcdef"));
    ASSERT_FALSE(f->sync());
    ASSERT_FALSE(fs.sync_dir("/d"));
    ASSERT_FALSE(fs.truncate("/d/f", 2));
    fs.crash(seed);
    std::string out;
    ASSERT_FALSE(fs.read_file("/d/f", out));
    outcomes.insert(out);
  }
  EXPECT_EQ(outcomes, (std::set<std::string>{"abcdef", "ab"}));
}

TEST_F(memory_fs_test, FailAfterLetsNOperationsThroughThenFailsEveryOneWithoutEffect) {
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_.open_appendable("/d/f", f));
  fs_.fail_after(2);
  EXPECT_FALSE(f->append("a"));
  EXPECT_FALSE(f->append("b"));
  EXPECT_EQ(f->append("c"), std::errc::io_error);
  EXPECT_EQ(f->sync(), std::errc::io_error);
  EXPECT_EQ(fs_.rename("/d/f", "/d/g"), std::errc::io_error);
  EXPECT_EQ(fs_.sync_dir("/d"), std::errc::io_error);
  EXPECT_EQ(read("/d/f"), "ab");
  fs_.clear_failure();
  EXPECT_FALSE(f->append("d"));
  EXPECT_EQ(read("/d/f"), "abd");
}

TEST_F(memory_fs_test, CrashClearsFailureAndInvalidatesHandlesOfTheDeadProcess) {
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_.open_appendable("/d/f", f));
  ASSERT_FALSE(fs_.sync_dir("/d"));
  fs_.fail_after(0);
  fs_.crash(3);
  EXPECT_EQ(f->append("late"), std::errc::bad_file_descriptor);
  std::unique_ptr<writable_file> again;
  EXPECT_FALSE(fs_.open_appendable("/d/f", again));
  EXPECT_FALSE(again->append("ok"));
}

TEST_F(memory_fs_test, CountsEveryAttemptedMutatingOperation) {
  const std::uint64_t before = fs_.mutating_ops();
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_.open_appendable("/d/f", f));  // 1
  ASSERT_FALSE(f->append("x"));                  // 2
  ASSERT_FALSE(f->sync());                       // 3
  ASSERT_FALSE(fs_.sync_dir("/d"));              // 4
  fs_.fail_after(0);
  EXPECT_TRUE(fs_.truncate("/d/f", 0));  // 5, failed
  std::string ignored;
  EXPECT_FALSE(fs_.read_file("/d/f", ignored));  // reads are not counted
  EXPECT_EQ(fs_.mutating_ops() - before, 5u);
}

TEST_F(memory_fs_test, FlipBitAndTruncateRawDamageTheDurableBytes) {
  write("f", "abc", "");
  ASSERT_FALSE(fs_.flip_bit("/d/f", 1, 0));  // 'b' ^ 1 == 'c'
  ASSERT_FALSE(fs_.truncate_raw("/d/f", 5));
  fs_.crash(0);
  EXPECT_EQ(read("/d/f"), std::string("acc\0\0", 5));
  EXPECT_TRUE(fs_.flip_bit("/d/f", 5, 0));
  EXPECT_TRUE(fs_.truncate_raw("/d/missing", 0));
}

TEST_F(memory_fs_test, ListDirNamesOnlyDirectChildrenSorted) {
  ASSERT_FALSE(fs_.create_dirs("/d/sub"));
  write("b", "", "");
  write("a", "", "");
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_.open_appendable("/d/sub/c", f));
  std::vector<std::string> names;
  ASSERT_FALSE(fs_.list_dir("/d", names));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(fs_.list_dir("/nope", names), std::errc::no_such_file_or_directory);
  EXPECT_EQ(fs_.open_appendable("/nope/f", f), std::errc::no_such_file_or_directory);
}

TEST_F(memory_fs_test, ConcurrentWritersOnSeparateFilesLoseNothing) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      std::unique_ptr<writable_file> f;
      ASSERT_FALSE(fs_.open_appendable("/d/t" + std::to_string(t), f));
      for (int i = 0; i < 500; ++i) ASSERT_FALSE(f->append("x"));
      ASSERT_FALSE(f->sync());
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(read("/d/t" + std::to_string(t)).size(), 500u);
}

}  // namespace
}  // namespace vote::storage
