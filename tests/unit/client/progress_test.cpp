// progress_reporter: what a client prints while it waits. The stream below signals each line, so
// the tests wait for lines (with a deadline) rather than sleeping.
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <streambuf>

#include <gtest/gtest.h>

#include "vote/client/progress.hpp"

namespace vote::client {
namespace {

using namespace std::chrono_literals;

// A stream buffer that keeps whole lines and wakes waiters on each.
class line_buffer : public std::streambuf {
 public:
  // Waits until `n` lines have been written or 10 s pass; returns the lines so far.
  std::vector<std::string> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    line_written_.wait_for(lock, 10s, [&] { return lines_.size() >= n; });
    return lines_;
  }
  std::vector<std::string> lines() {
    const std::lock_guard lock(mutex_);
    return lines_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    const std::lock_guard lock(mutex_);
    if (c == '\n') {
      lines_.push_back(std::move(partial_));
      partial_.clear();
      line_written_.notify_all();
    } else {
      partial_ += traits_type::to_char_type(c);
    }
    return c;
  }

 private:
  std::mutex mutex_;
  std::condition_variable line_written_;
  std::string partial_;
  std::vector<std::string> lines_;
};

TEST(ProgressLine, NamesElapsedAndTotalSeconds) {
  EXPECT_EQ(progress_line(1999ms, 5000ms, "sent to 127.0.0.1:7001; waiting for its answer"),
            "Waiting (1 s of 5 s): sent to 127.0.0.1:7001; waiting for its answer");
  EXPECT_EQ(progress_line(2000ms, 2500ms, "x"), "Waiting (2 s of 2.5 s): x");
}

TEST(ProgressReporter, PrintsTheLatestStatusEachIntervalUntilDestroyed) {
  line_buffer buffer;
  std::ostream out(&buffer);
  {
    progress_reporter progress(out, 5000ms, 10ms, 10ms);
    // Lines keep coming, once an interval, and soon carry the status last given. (The first
    // may come before status() and say "working": the thread runs from construction.)
    const auto soon_says = [&buffer](const std::string& status) {
      for (std::size_t n = buffer.lines().size() + 1; n < 1000; ++n) {
        const auto lines = buffer.wait_for(n);
        if (lines.size() < n) return false;  // no new line within 10 s
        EXPECT_EQ(lines.back().rfind("Waiting (", 0), 0U) << lines.back();
        if (lines.back().find("s of 5 s): " + status) != std::string::npos) return true;
      }
      return false;
    };
    progress.status("no leader known yet");
    EXPECT_TRUE(soon_says("no leader known yet"));
    progress.status("sent to 127.0.0.1:7001; waiting for its answer");
    EXPECT_TRUE(soon_says("sent to 127.0.0.1:7001; waiting for its answer"));
  }
}

TEST(ProgressReporter, SaysNothingWhenDestroyedBeforeTheFirstInterval) {
  line_buffer buffer;
  std::ostream out(&buffer);
  { const progress_reporter progress(out, 5000ms, 1h, 1h); }
  EXPECT_TRUE(buffer.lines().empty());
}

}  // namespace
}  // namespace vote::client
