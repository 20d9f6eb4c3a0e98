// Progress while a client waits (include/vote/client/progress.hpp).
#include "vote/client/progress.hpp"

#include <cstdio>
#include <ostream>

namespace vote::client {

progress_reporter::progress_reporter(std::ostream& out, std::chrono::milliseconds total,
                                     std::chrono::milliseconds first,
                                     std::chrono::milliseconds every)
    : out_(out),
      total_(total),
      first_(first),
      every_(every),
      start_(std::chrono::steady_clock::now()),
      thread_([this] { run(); }) {}

progress_reporter::~progress_reporter() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void progress_reporter::status(std::string text) {
  const std::lock_guard lock(mutex_);
  status_ = std::move(text);
}

void progress_reporter::run() {
  for (auto next = start_ + first_;; next += every_) {
    std::string line;
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_until(lock, next, [this] { return stop_; })) return;
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start_);
      line = progress_line(elapsed, total_, status_.empty() ? "working" : status_) + "\n";
    }
    // Written outside the lock (a slow stderr never holds up status()), in one insertion of a
    // whole line so that it never interleaves with other output; the destructor joins this
    // thread, so the line is out before the command prints its answer.
    out_ << line << std::flush;
  }
}

std::string progress_line(std::chrono::milliseconds elapsed, std::chrono::milliseconds total,
                          const std::string& status) {
  char of[32];
  if (total.count() % 1000 == 0) {
    std::snprintf(of, sizeof of, "%lld s", static_cast<long long>(total.count() / 1000));
  } else {
    std::snprintf(of, sizeof of, "%.1f s", static_cast<double>(total.count()) / 1000.0);
  }
  return "Waiting (" + std::to_string(elapsed.count() / 1000) + " s of " + of + "): " + status;
}

}  // namespace vote::client
