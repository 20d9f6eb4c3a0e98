// Shared test helpers, and a global environment that silences the "storage" logger (the tests
// provoke torn tails and corruption on purpose; VOTE_TEST_LOGS=1 shows the log lines).
#include "storage_test_support.hpp"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "vote/storage/wal_record.hpp"

namespace vote::storage::test {

std::string wal_fixture::segment_path(std::uint64_t first_index) const {
  return std::string(dir) + "/" + segment_file_name(first_index);
}

std::vector<std::string> wal_fixture::segment_names() {
  std::vector<std::string> names;
  EXPECT_FALSE(fs_.list_dir(dir, names));
  std::erase_if(names, [](const std::string& n) { return !parse_segment_file_name(n); });
  return names;
}

namespace {

class quiet_storage_logs : public ::testing::Environment {
 public:
  void SetUp() override {
    if (std::getenv("VOTE_TEST_LOGS") != nullptr) return;
    if (spdlog::get("storage")) return;
    spdlog::register_logger(std::make_shared<spdlog::logger>(
        "storage", std::make_shared<spdlog::sinks::null_sink_mt>()));
  }
};

[[maybe_unused]] ::testing::Environment* const quiet_env =
    ::testing::AddGlobalTestEnvironment(new quiet_storage_logs);

}  // namespace
}  // namespace vote::storage::test
