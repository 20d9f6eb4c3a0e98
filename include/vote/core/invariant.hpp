// Invariants written inline (STYLE.md 8, 17): VOTE_INVARIANT(cond, what) states a precondition or
// a property of the state right where the code relies on it, instead of a silent early return.
//
//   if (!VOTE_INVARIANT(meta.last_index <= commit_index_, "a snapshot covers only committed "
//                                                         "entries")) return;
//
// The expression is true when `cond` holds. When it does not, the installed handler decides:
//   - the product (the default, and what vote-server installs with its logger) reports the
//     broken invariant with its place and aborts: a broken invariant is corruption of the
//     process's state, and going on could acknowledge what is not so (STYLE.md 11);
//   - the simulator installs a handler that records a violation of the running seed and returns,
//     so the run ends with that violation, its seed and the replay command; the code after the
//     macro then takes the conservative path it names (usually: do nothing).
// `what` is evaluated only on failure. The handler is process-wide; set it before starting the
// code that checks (the simulator sets it per run, on the one thread that runs the seeds).
#pragma once

#include <string_view>

namespace vote {

struct invariant_failure {
  std::string_view what;  // the property that does not hold
  std::string_view file;
  int line = 0;
};

// Called on a broken invariant. Returning means "go on" (the simulator); the product aborts.
using invariant_handler = void (*)(const invariant_failure&);

// Installs `h` (nullptr: the default, which prints to stderr and aborts); returns the previous.
invariant_handler set_invariant_handler(invariant_handler h) noexcept;

namespace detail {
// Reports the failure to the handler; returns false (when the handler returns).
bool invariant_failed(std::string_view what, std::string_view file, int line) noexcept;
}  // namespace detail

}  // namespace vote

#define VOTE_INVARIANT(cond, what) \
  (static_cast<bool>(cond) || ::vote::detail::invariant_failed((what), __FILE__, __LINE__))
