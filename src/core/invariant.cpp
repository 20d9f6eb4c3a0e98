#include "vote/core/invariant.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace vote {
namespace {

void abort_on_failure(const invariant_failure& f) {
  std::fprintf(stderr, "broken invariant at %.*s:%d: %.*s\n", static_cast<int>(f.file.size()),
               f.file.data(), f.line, static_cast<int>(f.what.size()), f.what.data());
  std::fflush(stderr);
  std::abort();
}

std::atomic<invariant_handler> handler{nullptr};

}  // namespace

invariant_handler set_invariant_handler(invariant_handler h) noexcept {
  return handler.exchange(h);
}

namespace detail {

bool invariant_failed(std::string_view what, std::string_view file, int line) noexcept {
  const invariant_failure f{what, file, line};
  const auto h = handler.load();
  (h != nullptr ? h : abort_on_failure)(f);
  return false;
}

}  // namespace detail
}  // namespace vote
