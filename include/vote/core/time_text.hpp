// RFC 3339 timestamps for deadlines (DESIGN.md §11): pure conversions between unix milliseconds
// and text, no clock read and no time zone database (UTC and numeric offsets only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vote {

// "2026-12-04T10:00:00Z" (milliseconds shown only when not zero: "…T10:00:00.250Z").
std::string rfc3339(std::int64_t unix_ms);

// Parses "2026-12-04T10:00:00Z", "2026-12-04 10:00:00+01:00", "…T10:00Z", fractional seconds up
// to milliseconds; the 'T' may be a space or lower case. Years 1970..9999. nullopt otherwise.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

// A deadline as users write it: RFC 3339, or relative to `now_ms` as "+90s", "+30m", "+2h",
// "+1d" (also combined: "+1h30m"). nullopt when it is neither.
std::optional<std::int64_t> parse_when(std::string_view text, std::int64_t now_ms);

}  // namespace vote
