// NFC normalisation over utf8proc (include/vote/core/unicode.hpp).
#include "vote/core/unicode.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>

#include <utf8proc.h>

namespace vote {
namespace {

// True when `s` is valid UTF-8 made only of code points below U+0300 (ASCII, Latin-1, Latin
// Extended-A and -B, IPA): two-byte sequences have a lead byte 0xC2..0xCB. Every such code point
// has NFC_Quick_Check=Yes (no combining mark is below U+0300, ICU's minCompNoMaybeCP), so the
// text is already NFC; checked against utf8proc for every character and every pair.
bool below_combining_marks(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) continue;
    if (c < 0xC2 || c > 0xCB || i + 1 == s.size()) return false;
    if ((static_cast<unsigned char>(s[++i]) & 0xC0) != 0x80) return false;
  }
  return true;
}

struct free_deleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

}  // namespace

std::optional<std::string> nfc(std::string_view utf8) {
  // The common case (ASCII, accented Latin letters) costs one scan, no utf8proc call.
  if (below_combining_marks(utf8)) return std::string(utf8);
  utf8proc_uint8_t* out = nullptr;
  // Without UTF8PROC_NULLTERM utf8proc reads exactly utf8.size() bytes (NUL included) and
  // refuses ill-formed UTF-8 with UTF8PROC_ERROR_INVALIDUTF8.
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                   static_cast<utf8proc_ssize_t>(utf8.size()), &out,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  const std::unique_ptr<utf8proc_uint8_t, free_deleter> owned(out);
  if (n < 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

bool is_nfc(std::string_view utf8) {
  const auto normal = nfc(utf8);
  return normal && *normal == utf8;
}

std::size_t display_width(std::string_view utf8) {
  constexpr utf8proc_int32_t emoji_presentation = 0xFE0F;
  std::size_t width = 0;
  std::size_t cluster = 0;  // the widest code point of the cluster being read
  utf8proc_int32_t state = 0;
  utf8proc_int32_t previous = -1;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  auto left = static_cast<utf8proc_ssize_t>(utf8.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    auto n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // an ill-formed byte: one replacement character, a cluster of its own
      n = 1;
      cp = 0xFFFD;
      previous = -1;
      state = 0;
    }
    p += n;
    left -= n;
    if (previous < 0 || utf8proc_grapheme_break_stateful(previous, cp, &state)) {
      width += cluster;
      cluster = 0;
    }
    previous = cp;
    const auto w = cp == emoji_presentation ? 2 : utf8proc_charwidth(cp);
    cluster = std::max(cluster, static_cast<std::size_t>(std::max(w, 0)));
  }
  return width + cluster;
}

}  // namespace vote
