// Little-endian integers: the byte order of every binary format (docs/storage.md: log entries,
// WAL records, snapshots; docs/protocol.md §7: the binary peer messages). get_le never reads past
// the view's end only because callers check the remaining size first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vote::detail {

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

}  // namespace vote::detail
