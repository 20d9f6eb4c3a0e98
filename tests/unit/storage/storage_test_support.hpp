// Helpers shared by the storage tests: entries, batches, WAL open/reopen verbs, temp dirs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "vote/core/log_entry.hpp"
#include "vote/storage/memory_file_system.hpp"
#include "vote/storage/wal.hpp"

namespace vote::storage::test {

inline log_entry make_entry(std::uint64_t index, std::uint64_t epoch, std::string payload = {}) {
  if (payload.empty()) payload = "cmd-" + std::to_string(index) + "-" + std::to_string(epoch);
  return log_entry{index, epoch, entry_kind::command, std::move(payload)};
}

// `count` entries from `first`, all of `epoch`, with payloads of random length 0..max_payload.
inline std::vector<log_entry> make_batch(std::uint64_t first, std::size_t count,
                                         std::uint64_t epoch, std::mt19937_64& rng,
                                         std::size_t max_payload = 60) {
  std::vector<log_entry> batch;
  for (std::size_t i = 0; i < count; ++i) {
    std::string payload(rng() % (max_payload + 1), '\0');
    for (char& c : payload) c = static_cast<char>('a' + rng() % 26);
    batch.push_back(log_entry{first + i, epoch, entry_kind::command, std::move(payload)});
  }
  return batch;
}

inline std::vector<log_entry> make_batch(std::uint64_t first, std::size_t count,
                                         std::uint64_t epoch) {
  std::vector<log_entry> batch;
  for (std::size_t i = 0; i < count; ++i) batch.push_back(make_entry(first + i, epoch));
  return batch;
}

// A WAL on a memory_file_system with verbs that read like a trace: append, sync, crash, reopen.
class wal_fixture : public ::testing::Test {
 protected:
  static constexpr const char* dir = "/data/wal";

  std::unique_ptr<wal> open_wal() {
    recovery_ = wal_recovery{};
    return wal::open(fs_, dir, options_, recovery_);
  }
  void reopen() {
    log_.reset();
    log_ = open_wal();
  }
  void crash_and_reopen(std::uint64_t seed = 1) {
    log_.reset();
    fs_.crash(seed);
    log_ = open_wal();
  }
  void append_and_sync(const std::vector<log_entry>& batch) {
    ASSERT_FALSE(log_->append(batch));
    ASSERT_FALSE(log_->sync());
    for (const auto& e : batch) written_.push_back(e);
  }
  std::string segment_path(std::uint64_t first_index) const;
  std::vector<std::string> segment_names();

  memory_file_system fs_;
  wal_options options_;
  wal_recovery recovery_;
  std::unique_ptr<wal> log_;
  std::vector<log_entry> written_;  // what append_and_sync() made durable, in order
};

// A fresh directory under /tmp, removed at destruction.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vote-storage-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace vote::storage::test
