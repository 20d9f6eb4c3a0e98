// Request ids (include/vote/client/request_id.hpp).
#include "vote/client/request_id.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>

namespace vote::client {

std::string make_request_id() {
  static constexpr std::array<char, 16> hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::random_device rd;
  std::string id;
  id.reserve(32);
  for (int word = 0; word < 4; ++word) {
    auto bits = static_cast<std::uint32_t>(rd());
    for (int nibble = 0; nibble < 8; ++nibble) {
      id.push_back(hex[bits & 0xfU]);
      bits >>= 4;
    }
  }
  return id;
}

bool valid_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '_';
  });
}

}  // namespace vote::client
