// What a client prints while it waits (README "Command-line conventions"): a command that has
// not finished after a second says on stderr what it is waiting for, once a second, until it
// ends; --quiet turns it off. The answer itself and every error are printed as before.
//
//   Waiting (1 s of 5 s): no leader known yet; asking by broadcast on 127.255.255.255:52342
//   Waiting (2 s of 5 s): sent to 127.0.0.1:7001; waiting for its answer
//
// progress_reporter owns one thread that wakes once a second and prints the latest status
// given by status(); status() is called by the waiting thread (call_options::on_status) and is
// thread-safe. The destructor stops the thread before it returns, so nothing is printed after
// it; lines are whole (one write of a full line each).
#pragma once

#include <chrono>
#include <condition_variable>
#include <iosfwd>
#include <mutex>
#include <string>
#include <thread>

namespace vote::client {

class progress_reporter {
 public:
  // Reports on `out` from `first` after construction, then every `every`, naming `total` as
  // the deadline.
  progress_reporter(std::ostream& out, std::chrono::milliseconds total,
                    std::chrono::milliseconds first = std::chrono::seconds(1),
                    std::chrono::milliseconds every = std::chrono::seconds(1));
  ~progress_reporter();
  progress_reporter(const progress_reporter&) = delete;
  progress_reporter& operator=(const progress_reporter&) = delete;

  // What the command is waiting for now (one clause, no prefix).
  void status(std::string text);

 private:
  void run();

  std::ostream& out_;
  std::chrono::milliseconds total_;
  std::chrono::milliseconds first_;
  std::chrono::milliseconds every_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string status_;  // guarded by mutex_
  bool stop_ = false;   // guarded by mutex_
  std::thread thread_;  // last: started once everything above is set
};

// "Waiting (2 s of 5 s): STATUS" for `elapsed` and `total` (whole seconds, rounded down; a
// fractional total keeps one decimal: "of 2.5 s").
std::string progress_line(std::chrono::milliseconds elapsed, std::chrono::milliseconds total,
                          const std::string& status);

}  // namespace vote::client
