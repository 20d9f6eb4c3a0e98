// Little-endian integers: the byte order of every binary format (docs/storage.md: log entries,
// WAL records, snapshots; docs/protocol.md §7: the binary peer messages). get_le never reads past
// the view's end only because callers check the remaining size first; byte_reader does that.
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

// Reads little-endian fields and byte runs from a view, never past its end: every read checks
// the bytes left first and fails (false) without moving when they are too few.
class byte_reader {
 public:
  explicit byte_reader(std::string_view in) noexcept : in_(in) {}
  template <class T>
  bool get(T& v) noexcept {
    if (in_.size() - pos_ < sizeof(T)) return false;
    v = get_le<T>(in_, pos_);
    pos_ += sizeof(T);
    return true;
  }
  bool get(bool& b) noexcept {
    std::uint8_t v = 0;
    if (!get(v) || v > 1) return false;
    b = v == 1;
    return true;
  }
  template <class... T>
  bool all(T&... fields) noexcept {
    return (get(fields) && ...);
  }
  bool take(std::size_t n, std::string_view& out) noexcept {
    if (in_.size() - pos_ < n) return false;
    out = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view rest() const noexcept { return in_.substr(pos_); }
  bool done() const noexcept { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace vote::detail
