// The POSIX file_system against a real temp directory under /tmp.
#include <gtest/gtest.h>

#include "storage_test_support.hpp"
#include "vote/storage/file_system.hpp"

namespace vote::storage {
namespace {

class posix_fs_test : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string read(const std::string& name) {
    std::string out;
    EXPECT_FALSE(fs_->read_file(path(name), out));
    return out;
  }

  test::temp_dir dir_;
  std::unique_ptr<file_system> fs_ = make_posix_file_system();
};

TEST_F(posix_fs_test, AppendedAndSyncedBytesReadBack) {
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_->open_appendable(path("f"), f));
  ASSERT_FALSE(f->append("hello "));
  ASSERT_FALSE(f->append(std::string(100000, 'x')));
  ASSERT_FALSE(f->sync());
  EXPECT_EQ(f->size(), 100006u);
  EXPECT_EQ(read("f"), "hello " + std::string(100000, 'x'));
}

TEST_F(posix_fs_test, OpenAppendableAppendsToAnExistingFile) {
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_->open_appendable(path("f"), f));
  ASSERT_FALSE(f->append("one"));
  f.reset();
  ASSERT_FALSE(fs_->open_appendable(path("f"), f));
  EXPECT_EQ(f->size(), 3u);
  ASSERT_FALSE(f->append("two"));
  EXPECT_EQ(read("f"), "onetwo");
}

TEST_F(posix_fs_test, TruncateThenAppendWritesAtTheNewEnd) {
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_->open_appendable(path("f"), f));
  ASSERT_FALSE(f->append("abcdef"));
  ASSERT_FALSE(fs_->truncate(path("f"), 2));
  ASSERT_FALSE(f->append("XY"));
  ASSERT_FALSE(f->sync());
  EXPECT_EQ(read("f"), "abXY");
}

TEST_F(posix_fs_test, ListDirNamesRegularFilesSorted) {
  ASSERT_FALSE(fs_->create_dirs(path("sub/deeper")));
  for (const char* name : {"b", "a", "c"}) {
    std::unique_ptr<writable_file> f;
    ASSERT_FALSE(fs_->open_appendable(path(name), f));
  }
  std::vector<std::string> names;
  ASSERT_FALSE(fs_->list_dir(dir_.path(), names));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(fs_->exists(path("sub/deeper")));
  EXPECT_TRUE(fs_->list_dir(path("missing"), names));
}

TEST_F(posix_fs_test, RenameReplacesTheTargetAndRemoveDeletes) {
  ASSERT_FALSE(write_file_atomically(*fs_, dir_.path(), "a", "A"));
  ASSERT_FALSE(write_file_atomically(*fs_, dir_.path(), "b", "B"));
  ASSERT_FALSE(fs_->rename(path("a"), path("b")));
  ASSERT_FALSE(fs_->sync_dir(dir_.path()));
  EXPECT_EQ(read("b"), "A");
  EXPECT_FALSE(fs_->exists(path("a")));
  ASSERT_FALSE(fs_->remove(path("b")));
  EXPECT_FALSE(fs_->exists(path("b")));
}

TEST_F(posix_fs_test, MissingFilesReportNoSuchFile) {
  std::string out;
  EXPECT_EQ(fs_->read_file(path("none"), out), std::errc::no_such_file_or_directory);
  EXPECT_EQ(fs_->remove(path("none")), std::errc::no_such_file_or_directory);
  EXPECT_EQ(fs_->truncate(path("none"), 0), std::errc::no_such_file_or_directory);
  EXPECT_EQ(fs_->sync_dir(path("none")), std::errc::no_such_file_or_directory);
}

TEST_F(posix_fs_test, WriteFileAtomicallyReplacesContentAndLeavesNoTempFile) {
  ASSERT_FALSE(write_file_atomically(*fs_, dir_.path(), "state", "first, longer content"));
  ASSERT_FALSE(write_file_atomically(*fs_, dir_.path(), "state", "second"));
  EXPECT_EQ(read("state"), "second");
  EXPECT_FALSE(fs_->exists(path("state.tmp")));
}

TEST_F(posix_fs_test, WriteFileAtomicallyIgnoresALeftoverTempFile) {
  std::unique_ptr<writable_file> f;
  ASSERT_FALSE(fs_->open_appendable(path("state.tmp"), f));
  ASSERT_FALSE(f->append("garbage of a crashed write"));
  ASSERT_FALSE(write_file_atomically(*fs_, dir_.path(), "state", "clean"));
  EXPECT_EQ(read("state"), "clean");
}

}  // namespace
}  // namespace vote::storage
