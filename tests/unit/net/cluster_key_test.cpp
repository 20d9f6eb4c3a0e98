// The cluster key: sealed bytes open only with the same key, unaltered, and within the freshness
// window; loading errors name the file and never the secret.
#include "vote/net/cluster_key.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace vote::net {
namespace {

using namespace std::chrono_literals;
using verdict = cluster_key::verdict;

constexpr std::int64_t t0 = 1'717'171'717'000;  // some unix time in ms
const std::string secret = "correct horse battery staple";

verdict open_at(const cluster_key& key, std::string_view sealed, std::int64_t now,
                std::string_view* inner_out = nullptr) {
  std::string_view inner = "untouched";
  const verdict v = key.open(sealed, now, inner);
  if (inner_out != nullptr) *inner_out = inner;
  return v;
}

TEST(ClusterKey, SealedBytesOpenToTheOriginal) {
  const cluster_key key(secret);
  for (const std::string& bytes : {std::string(), std::string("VOTD\x01\x03{}", 8),
                                   std::string(1400, '\0'), std::string("\xff\x00\x80", 3)}) {
    const std::string sealed = key.seal(bytes, t0);
    ASSERT_EQ(sealed.size(), bytes.size() + cluster_key::trailer_size);
    EXPECT_EQ(sealed.substr(0, bytes.size()), bytes);
    std::string_view inner;
    ASSERT_EQ(open_at(key, sealed, t0, &inner), verdict::ok);
    EXPECT_EQ(inner, bytes);
    EXPECT_EQ(inner.data(), sealed.data());  // a view into the sealed bytes, not a copy
  }
}

TEST(ClusterKey, TimestampIsBigEndianUnixMilliseconds) {
  const std::string sealed = cluster_key(secret).seal("x", 0x0102030405060708);
  EXPECT_EQ(sealed.substr(1, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  const std::string negative = cluster_key(secret).seal("x", -1);
  EXPECT_EQ(negative.substr(1, 8), std::string(8, '\xff'));
}

TEST(ClusterKey, FlippedBitAnywhereIsForged) {
  const cluster_key key(secret);
  const std::string sealed = key.seal("VOTD\x01\x03{\"node_id\":7}", t0);
  for (std::size_t byte = 0; byte < sealed.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = sealed;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      std::string_view inner;
      ASSERT_EQ(open_at(key, bad, t0, &inner), verdict::forged) << byte << ":" << bit;
      ASSERT_EQ(inner, "untouched");
    }
  }
}

TEST(ClusterKey, AnotherKeyIsForged) {
  const std::string sealed = cluster_key(secret).seal("hello", t0);
  EXPECT_EQ(open_at(cluster_key(secret + "!"), sealed, t0), verdict::forged);
  EXPECT_EQ(open_at(cluster_key("correct horse battery stapl3"), sealed, t0), verdict::forged);
}

TEST(ClusterKey, TruncatedOrExtendedIsForgedOrMalformed) {
  const cluster_key key(secret);
  const std::string sealed = key.seal("hello", t0);
  for (std::size_t n = 0; n < cluster_key::trailer_size; ++n) {
    EXPECT_EQ(open_at(key, sealed.substr(0, n), t0), verdict::malformed) << n;
  }
  for (std::size_t n = cluster_key::trailer_size; n < sealed.size(); ++n) {
    EXPECT_EQ(open_at(key, sealed.substr(0, n), t0), verdict::forged) << n;
  }
  EXPECT_EQ(open_at(key, sealed + "x", t0), verdict::forged);
  EXPECT_EQ(open_at(key, "x" + sealed, t0), verdict::forged);
}

TEST(ClusterKey, FreshOnlyWithinTheSkewWindow) {
  const cluster_key key(secret);
  const std::string sealed = key.seal("hello", t0);
  EXPECT_EQ(open_at(key, sealed, t0 + 30'000), verdict::ok);
  EXPECT_EQ(open_at(key, sealed, t0 - 30'000), verdict::ok);  // the sender's clock is ahead
  EXPECT_EQ(open_at(key, sealed, t0 + 30'001), verdict::stale);
  EXPECT_EQ(open_at(key, sealed, t0 - 30'001), verdict::stale);
  std::string_view inner;
  EXPECT_EQ(key.open(sealed, t0 + 1'000, inner, 999ms), verdict::stale);
  EXPECT_EQ(key.open(sealed, t0 + 1'000, inner, 1s), verdict::ok);
  EXPECT_EQ(key.open(sealed, t0, inner, -1ms), verdict::stale);
}

TEST(ClusterKey, ExtremeTimestampsDoNotOverflow) {
  const cluster_key key(secret);
  constexpr std::int64_t lo = INT64_MIN;
  constexpr std::int64_t hi = INT64_MAX;
  EXPECT_EQ(open_at(key, key.seal("x", lo), hi), verdict::stale);
  EXPECT_EQ(open_at(key, key.seal("x", hi), lo), verdict::stale);
  EXPECT_EQ(open_at(key, key.seal("x", hi), hi), verdict::ok);
  EXPECT_EQ(open_at(key, key.seal("x", lo), lo), verdict::ok);
}

TEST(ClusterKey, ForgeryIsReportedBeforeStaleness) {
  const cluster_key key(secret);
  std::string sealed = key.seal("hello", t0);
  sealed[0] ^= 1;
  EXPECT_EQ(open_at(key, sealed, t0 + 3'600'000), verdict::forged);
}

TEST(ClusterKey, ShortSecretIsRefused) {
  EXPECT_THROW(cluster_key(std::string(15, 'k')), std::invalid_argument);
  EXPECT_NO_THROW(cluster_key(std::string(16, 'k')));
  try {
    cluster_key("fifteen-bytes!!");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("fifteen"), std::string::npos) << e.what();
  }
}

TEST(ClusterKey, VerdictNames) {
  EXPECT_EQ(to_string(verdict::ok), "ok");
  EXPECT_EQ(to_string(verdict::malformed), "malformed");
  EXPECT_EQ(to_string(verdict::forged), "forged");
  EXPECT_EQ(to_string(verdict::stale), "stale");
}

class ClusterKeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cluster-key-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  // The message of the runtime_error from_file(path) throws.
  static std::string load_error(const std::string& path) {
    try {
      (void)cluster_key::from_file(path);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error for " << path;
    return {};
  }

  std::filesystem::path dir_;
};

TEST_F(ClusterKeyFile, TrailingWhitespaceIsTrimmed) {
  const cluster_key from_file = cluster_key::from_file(write("key", secret + " \t\r\n\n"));
  const cluster_key exact(secret);
  EXPECT_EQ(open_at(exact, from_file.seal("hello", t0), t0), verdict::ok);
  const cluster_key leading = cluster_key::from_file(write("key2", " " + secret + "\n"));
  EXPECT_EQ(open_at(exact, leading.seal("hello", t0), t0), verdict::forged);
}

TEST_F(ClusterKeyFile, BinarySecretIsKept) {
  const std::string binary("\x00\x01\xfe\xff\x00 \n\x7f 0123456789x", 20);
  const cluster_key key = cluster_key::from_file(write("key", binary));
  EXPECT_EQ(open_at(cluster_key(binary), key.seal("hello", t0), t0), verdict::ok);
}

TEST_F(ClusterKeyFile, MissingFileNamesTheFile) {
  const std::string path = (dir_ / "absent").string();
  const std::string message = load_error(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("cannot read"), std::string::npos) << message;
}

TEST_F(ClusterKeyFile, DirectoryIsUnreadable) {
  const std::string message = load_error(dir_.string());
  EXPECT_NE(message.find("cannot read"), std::string::npos) << message;
}

TEST_F(ClusterKeyFile, ShortSecretNamesTheFileButNotTheSecret) {
  for (const std::string& content :
       {std::string(), std::string("\n"), std::string("shortsecret1234\n"),
        std::string("shortsecret1234          \n")}) {
    const std::string path = write("key", content);
    const std::string message = load_error(path);
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("at least 16 bytes"), std::string::npos) << message;
    EXPECT_EQ(message.find("shortsecret"), std::string::npos) << message;
  }
}

TEST_F(ClusterKeyFile, UnreadableFileNamesTheFile) {
  const std::string path = write("key", secret);
  std::filesystem::permissions(path, std::filesystem::perms::none);
  if (std::ifstream(path).is_open()) GTEST_SKIP() << "running as root: permissions not enforced";
  const std::string message = load_error(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_EQ(message.find(secret), std::string::npos) << message;
}

}  // namespace
}  // namespace vote::net
