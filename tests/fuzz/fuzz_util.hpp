// Shared helpers of the fuzz targets (tests/fuzz, docs/testing.md "Fuzzing").
// A violated property aborts with its text: libFuzzer (and the replay main) report it as a crash.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace vote::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Takes fields off the front of a fuzz input; past the end every field reads as zero / empty,
// so any input is a valid description.
class reader {
 public:
  explicit reader(std::string_view bytes) : rest_(bytes) {}
  bool empty() const { return rest_.empty(); }
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{byte()} << (8 * i);
    return v;
  }
  std::string_view bytes(std::size_t n) {
    n = std::min(n, rest_.size());
    const auto s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return s;
  }
  std::string_view rest() { return bytes(rest_.size()); }

 private:
  std::string_view rest_;
};

// Splits `bytes` at `sep` into at most `max` parts (the last part keeps the remainder).
template <typename F>
void for_each_part(std::string_view bytes, char sep, std::size_t max, F&& f) {
  for (std::size_t n = 1; n < max; ++n) {
    const auto at = bytes.find(sep);
    if (at == std::string_view::npos) break;
    f(bytes.substr(0, at));
    bytes.remove_prefix(at + 1);
  }
  f(bytes);
}

}  // namespace vote::fuzz
