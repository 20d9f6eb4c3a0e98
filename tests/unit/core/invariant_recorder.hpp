// Test helper: while an invariant_recorder lives, a broken VOTE_INVARIANT is recorded (like the
// simulator's handler) instead of aborting the test binary; the previous handler comes back when
// it goes out of scope. Tests use it to show that an owner breaking a precondition is caught.
#pragma once

#include <string>
#include <vector>

#include "vote/core/invariant.hpp"

namespace vote::test {

struct broken_invariant {
  std::string what;
  std::string file;
  int line = 0;
};

class invariant_recorder {
 public:
  invariant_recorder() : previous_(set_invariant_handler(&record)) { failures().clear(); }
  ~invariant_recorder() { set_invariant_handler(previous_); }
  invariant_recorder(const invariant_recorder&) = delete;
  invariant_recorder& operator=(const invariant_recorder&) = delete;

  // Every invariant broken since this recorder was made, in order.
  const std::vector<broken_invariant>& broken() const { return failures(); }

 private:
  // The handler is a plain function pointer: what it records lives in a function-local static.
  static std::vector<broken_invariant>& failures() {
    static std::vector<broken_invariant> recorded;
    return recorded;
  }
  static void record(const invariant_failure& f) {
    failures().push_back({std::string(f.what), std::string(f.file), f.line});
  }

  invariant_handler previous_;
};

}  // namespace vote::test
