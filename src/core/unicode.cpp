// NFC normalisation over utf8proc (include/vote/core/unicode.hpp).
#include "vote/core/unicode.hpp"

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

}  // namespace vote
