// A guard against bracket bombs before JSON is parsed: one linear scan of the raw text.
// Pure; used by every decoder that parses bytes from the network or the disk.
#pragma once

#include <cstddef>
#include <string_view>

namespace vote {

// True when the nesting of '[' and '{' outside strings stays within `max_depth` (the top-level
// value is depth 1). Exact for well-formed JSON; malformed text fails in the parser anyway.
bool json_depth_within(std::string_view text, std::size_t max_depth) noexcept;

}  // namespace vote
