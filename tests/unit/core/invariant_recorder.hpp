// Test helper: while an invariant_recorder lives, a broken VOTE_INVARIANT is recorded (like the
// simulator's handler) instead of aborting the test binary; the previous handler comes back when
// it goes out of scope. Tests use it to show that an owner breaking a precondition is caught.
#pragma once

#include <string>
#include <vector>

#include "vote/core/invariant.hpp"

namespace vote::test {

class invariant_recorder {
 public:
  invariant_recorder() : previous_(set_invariant_handler(&record)) { failures().clear(); }
  ~invariant_recorder() { set_invariant_handler(previous_); }
  invariant_recorder(const invariant_recorder&) = delete;
  invariant_recorder& operator=(const invariant_recorder&) = delete;

  // The `what` of every invariant broken since this recorder was made, in order.
  const std::vector<std::string>& broken() const { return failures(); }

 private:
  // The handler is a plain function pointer: what it records lives in a function-local static.
  static std::vector<std::string>& failures() {
    static std::vector<std::string> recorded;
    return recorded;
  }
  static void record(const invariant_failure& f) { failures().emplace_back(f.what); }

  invariant_handler previous_;
};

}  // namespace vote::test
