// Seeded byte-level mutations for the wire codecs' robustness tests.
#pragma once

#include <cstddef>
#include <random>
#include <string>

namespace vote::wire::test {

inline constexpr unsigned fuzz_seed = 20240531;

inline std::string random_bytes(std::mt19937& rng, std::size_t max_len) {
  std::uniform_int_distribution<std::size_t> len(0, max_len);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(len(rng), '\0');
  for (char& c : s) c = static_cast<char>(byte(rng));
  return s;
}

// One to four random edits: flip a byte, insert a byte (often a JSON metacharacter), delete a
// byte, truncate, or duplicate a slice.
inline std::string mutate(std::string s, std::mt19937& rng) {
  static constexpr char interesting[] = "{}[]\":,\\0-9e.tfn\xff\xc3 ";
  std::uniform_int_distribution<int> edits(1, 4);
  std::uniform_int_distribution<int> op(0, 4);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int n = edits(rng); n > 0; --n) {
    const std::size_t at =
        s.empty() ? 0 : std::uniform_int_distribution<std::size_t>(0, s.size() - 1)(rng);
    switch (op(rng)) {
      case 0:
        if (!s.empty()) s[at] = static_cast<char>(byte(rng));
        break;
      case 1:
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(at),
                 interesting[static_cast<std::size_t>(byte(rng)) % (sizeof interesting - 1)]);
        break;
      case 2:
        if (!s.empty()) s.erase(at, 1);
        break;
      case 3:
        s.resize(at);
        break;
      default:
        s.insert(at, s.substr(at, 8));
        break;
    }
  }
  return s;
}

}  // namespace vote::wire::test
