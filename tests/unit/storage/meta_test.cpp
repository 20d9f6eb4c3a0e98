// Node identity, promise and data-directory lock.
#include "vote/storage/meta.hpp"

#include <gtest/gtest.h>

#include "storage_test_support.hpp"
#include "vote/storage/memory_file_system.hpp"

namespace vote::storage {
namespace {

constexpr const char* data_dir = "/data";

class meta_test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(fs_.create_dirs(data_dir)); }
  // Every single-bit flip of `file` must make `load` throw corruption_error.
  template <typename Load>
  void expect_every_bit_flip_detected(const std::string& file, Load load) {
    std::string original;
    ASSERT_FALSE(fs_.read_file(file, original));
    for (std::uint64_t byte = 0; byte < original.size(); ++byte) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        ASSERT_FALSE(fs_.flip_bit(file, byte, bit));
        EXPECT_THROW(load(), corruption_error) << "byte " << byte << " bit " << bit;
        ASSERT_FALSE(fs_.flip_bit(file, byte, bit));
      }
    }
  }

  memory_file_system fs_;
};

TEST_F(meta_test, IdentityRoundTrips) {
  const node_identity id{generate_node_id(1'700'000'000'000, 0xbeef), 0x1234567890abcdef,
                         "6f1c5a0e-3c2b-4d7e-9a61-2b8f0d4e7c11"};
  ASSERT_FALSE(save_identity(fs_, data_dir, id));
  EXPECT_EQ(load_identity(fs_, data_dir), id);
}

TEST_F(meta_test, MissingFilesLoadAsNothing) {
  EXPECT_FALSE(load_identity(fs_, data_dir));
  EXPECT_FALSE(load_promise(fs_, data_dir));
}

TEST_F(meta_test, PromiseRoundTripsAndTheLatestSaveWins) {
  ASSERT_FALSE(save_promise(fs_, data_dir, {3, 42}));
  ASSERT_FALSE(save_promise(fs_, data_dir, {4, UINT64_MAX}));
  EXPECT_EQ(load_promise(fs_, data_dir), (consensus::promise_record{4, UINT64_MAX}));
  EXPECT_FALSE(fs_.exists(std::string(data_dir) + "/promise.tmp"));
}

TEST_F(meta_test, FilesAreReadableJsonWithAFormatVersionAndChecksum) {
  const std::string text = encode_promise({7, 9});
  EXPECT_NE(text.find("\"format\": 1"), std::string::npos);
  EXPECT_NE(text.find("\"promised_epoch\": 7"), std::string::npos);
  EXPECT_NE(text.find("\"promised_to\": 9"), std::string::npos);
  EXPECT_NE(text.find("\"checksum\""), std::string::npos);
}

TEST_F(meta_test, EveryBitFlipInTheIdentityFileIsDetected) {
  ASSERT_FALSE(save_identity(fs_, data_dir, {123456789, 987654321, "uuid-1"}));
  expect_every_bit_flip_detected("/data/node", [&] { load_identity(fs_, data_dir); });
}

TEST_F(meta_test, EveryBitFlipInThePromiseFileIsDetected) {
  ASSERT_FALSE(save_promise(fs_, data_dir, {17, 123456789}));
  expect_every_bit_flip_detected("/data/promise", [&] { load_promise(fs_, data_dir); });
}

TEST_F(meta_test, ATruncatedOrEmptyFileIsCorruption) {
  ASSERT_FALSE(save_promise(fs_, data_dir, {17, 5}));
  ASSERT_FALSE(fs_.truncate_raw("/data/promise", 20));
  EXPECT_THROW(load_promise(fs_, data_dir), corruption_error);
  ASSERT_FALSE(fs_.truncate_raw("/data/promise", 0));
  EXPECT_THROW(load_promise(fs_, data_dir), corruption_error);
}

TEST_F(meta_test, AnUnknownFormatVersionIsRefused) {
  const std::string text = R"({"format": 2, "promised_epoch": 1, "promised_to": 2})";
  ASSERT_FALSE(write_file_atomically(fs_, data_dir, "promise", text));
  EXPECT_THROW(load_promise(fs_, data_dir), corruption_error);
}

// The files follow the one JSON reading policy (vote/core/strict_json.hpp): a repeated key (even
// under a matching checksum) or a raw NUL byte was once accepted here.
TEST_F(meta_test, RepeatedKeysAndNulBytesAreCorruption) {
  const std::string good = encode_promise({7, 9});
  ASSERT_EQ(good.front(), '{');
  ASSERT_FALSE(write_file_atomically(fs_, data_dir, "promise", good));
  ASSERT_EQ(load_promise(fs_, data_dir), (consensus::promise_record{7, 9}));
  for (const std::string& bad :
       {"{\"promised_epoch\": 7," + good.substr(1), good + std::string(1, '\0') + "junk"}) {
    ASSERT_FALSE(write_file_atomically(fs_, data_dir, "promise", bad));
    EXPECT_THROW(load_promise(fs_, data_dir), corruption_error) << bad;
  }
}

TEST_F(meta_test, ACrashAtEveryWritePointOfSavePromiseLeavesOldOrNewNeverAMix) {
  memory_file_system probe;
  ASSERT_FALSE(probe.create_dirs(data_dir));
  ASSERT_FALSE(save_promise(probe, data_dir, {1, 10}));
  const std::uint64_t before = probe.mutating_ops();
  ASSERT_FALSE(save_promise(probe, data_dir, {2, 20}));
  const std::uint64_t ops = probe.mutating_ops() - before;
  for (std::uint64_t k = 0; k <= ops; ++k) {
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
      memory_file_system fs;
      ASSERT_FALSE(fs.create_dirs(data_dir));
      ASSERT_FALSE(save_promise(fs, data_dir, {1, 10}));
      fs.fail_after(k);
      const bool acknowledged = !save_promise(fs, data_dir, {2, 20});
      fs.crash(seed);
      const auto loaded = load_promise(fs, data_dir);
      ASSERT_TRUE(loaded);
      if (acknowledged) {
        EXPECT_EQ(*loaded, (consensus::promise_record{2, 20})) << "k " << k << " seed " << seed;
      } else {
        EXPECT_TRUE(*loaded == (consensus::promise_record{1, 10}) ||
                    *loaded == (consensus::promise_record{2, 20}));
      }
      ASSERT_FALSE(save_promise(fs, data_dir, {3, 30}));  // a leftover temp file is no obstacle
      EXPECT_EQ(load_promise(fs, data_dir), (consensus::promise_record{3, 30}));
    }
  }
}

TEST(node_id, TheClockIsTheHighBitsSoANewerServerUsuallyGetsAHigherId) {
  EXPECT_EQ(generate_node_id(8, 0), 0x2000u);
  EXPECT_EQ(generate_node_id(0x123 * 8, 0x3ffff), 0x247fffu);  // 13 random bits
  EXPECT_LT(generate_node_id(1000, 0x1fff), generate_node_id(1008, 0));
  static_assert(generate_node_id(16, 3) == 0x4003);
}

TEST(node_id, IdsStayExactJsonNumbersForCenturies) {
  const std::uint64_t now = 1'796'380'000'000;  // December 2026
  EXPECT_LE(generate_node_id(now, ~std::uint64_t{0}), max_json_safe_id);
  const std::uint64_t year_2200 = 7'258'118'400'000;
  EXPECT_LE(generate_node_id(year_2200, ~std::uint64_t{0}), max_json_safe_id);
  EXPECT_LT(generate_node_id(now, 0), generate_node_id(year_2200, 0));
}

TEST(data_dir_lock, ASecondServerOnTheSameDataDirectoryFailsWithAClearMessage) {
  test::temp_dir tmp;
  const std::string dir = tmp.path() + "/data";
  data_dir_lock first = lock_data_dir(dir);
  EXPECT_TRUE(first.held());
  try {
    lock_data_dir(dir);
    ADD_FAILURE() << "the second lock succeeded";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(dir), std::string::npos);
    EXPECT_NE(what.find("in use by another vote-server"), std::string::npos);
    EXPECT_NE(what.find("pid " + std::to_string(::getpid())), std::string::npos);
  }
  first = data_dir_lock{};  // released
  EXPECT_TRUE(lock_data_dir(dir).held());
}

}  // namespace
}  // namespace vote::storage
