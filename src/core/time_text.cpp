// RFC 3339 text for unix milliseconds (include/vote/core/time_text.hpp). Civil-date arithmetic
// after Howard Hinnant's days_from_civil / civil_from_days (public domain).
#include "vote/core/time_text.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace vote {
namespace {

constexpr std::int64_t ms_per_day = 86'400'000;

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t y;
  unsigned m, d;
};

civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::string rfc3339(std::int64_t unix_ms) {
  std::int64_t days = unix_ms / ms_per_day;
  std::int64_t rest = unix_ms % ms_per_day;
  if (rest < 0) {
    rest += ms_per_day;
    --days;
  }
  const civil c = civil_from_days(days);
  const auto secs = static_cast<unsigned>(rest / 1000);
  const auto ms = static_cast<unsigned>(rest % 1000);
  char buf[48];
  if (ms == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02uZ", static_cast<long long>(c.y),
                  c.m, c.d, secs / 3600, secs / 60 % 60, secs % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ",
                  static_cast<long long>(c.y), c.m, c.d, secs / 3600, secs / 60 % 60, secs % 60,
                  ms);
  }
  return buf;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  std::size_t pos = 0;
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  if (!digits(s, pos, 4, y) || !expect(s, pos, '-') || !digits(s, pos, 2, mo) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, d)) {
    return std::nullopt;
  }
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!digits(s, pos, 2, h) || !expect(s, pos, ':') || !digits(s, pos, 2, mi)) return std::nullopt;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!digits(s, pos, 2, sec)) return std::nullopt;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      unsigned scale = 100;
      const std::size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        ms += static_cast<unsigned>(s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start || pos - start > 9) return std::nullopt;
    }
  }
  std::int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    unsigned oh = 0, om = 0;
    if (!digits(s, pos, 2, oh) || !expect(s, pos, ':') || !digits(s, pos, 2, om) || oh > 23 ||
        om > 59) {
      return std::nullopt;
    }
    offset_min = sign * static_cast<std::int64_t>(oh * 60 + om);
  } else {
    return std::nullopt;  // a deadline without a zone is ambiguous
  }
  if (pos != s.size() || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
      h > 23 || mi > 59 || sec > 59) {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(y, mo, d);
  return days * ms_per_day + (static_cast<std::int64_t>(h) * 3600 + mi * 60 + sec) * 1000 + ms -
         offset_min * 60'000;
}

std::optional<std::int64_t> parse_when(std::string_view text, std::int64_t now_ms) {
  if (text.empty() || text.front() != '+') return parse_rfc3339(text);
  std::int64_t total = 0;
  std::size_t pos = 1;
  if (pos == text.size()) return std::nullopt;
  while (pos < text.size()) {
    std::int64_t n = 0;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 9) {
      n = n * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start || pos == text.size()) return std::nullopt;
    const char unit = text[pos++];
    const std::int64_t ms = unit == 's'   ? 1000
                            : unit == 'm' ? 60'000
                            : unit == 'h' ? 3'600'000
                            : unit == 'd' ? ms_per_day
                                          : 0;
    if (ms == 0) return std::nullopt;
    total += n * ms;
    if (total > 3650 * ms_per_day) return std::nullopt;  // ten years
  }
  return now_ms + total;
}

}  // namespace vote
