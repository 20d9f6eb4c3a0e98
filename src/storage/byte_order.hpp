// Little-endian integer helpers for the storage formats (docs/storage.md). Internal to
// src/storage. Readers take the position by reference and never read past the view: callers
// check the remaining size first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vote::storage::detail {

template <typename T>
void put_le(std::string& out, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

template <typename T>
T get_le(std::string_view in, std::size_t pos) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  }
  return value;
}

}  // namespace vote::storage::detail
