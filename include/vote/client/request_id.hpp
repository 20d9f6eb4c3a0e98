// Request ids (DESIGN.md §5.5): one per command, reused on every retry and every leader, so the
// cluster applies a retried command at most once and answers a retry with the original outcome.
#pragma once

#include <string>
#include <string_view>

namespace vote::client {

// 128 random bits from std::random_device as 32 lowercase hex characters.
std::string make_request_id();

// What `--request-id` accepts: 1..128 characters of [A-Za-z0-9_-] (a generated id always is).
bool valid_request_id(std::string_view id) noexcept;

}  // namespace vote::client
