// The cluster key (DESIGN.md §7; docs/security.md): a shared secret that authenticates peer
// messages and discovery hellos with HMAC-SHA256 and a freshness timestamp.
//
//   sealed = bytes || timestamp (8 bytes, big-endian unix milliseconds, two's complement)
//                  || HMAC-SHA256(secret, bytes || timestamp)  (32 bytes)
//
// open() authenticates before it looks at the timestamp, so a forged datagram is never reported as
// merely stale. Freshness bounds replay to the max_skew window; what is sealed must be safe to
// receive twice within it (consensus messages are; docs/security.md says why).
// Pure apart from from_file() and unix_now_ms(): the caller passes the time in. Immutable after
// construction, so seal() and open() may be called from any number of threads. The secret never
// appears in an error message or log line.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vote::net {

class cluster_key {
 public:
  static constexpr std::size_t min_secret_bytes = 16;
  static constexpr std::size_t timestamp_size = 8;
  static constexpr std::size_t mac_size = 32;
  static constexpr std::size_t trailer_size = timestamp_size + mac_size;

  // Reads the secret: the file's bytes with trailing whitespace (spaces, tabs, CR, LF) trimmed.
  // Throws std::runtime_error naming the file when it cannot be read or the secret is shorter than
  // min_secret_bytes.
  static cluster_key from_file(const std::string& path);

  // Throws std::invalid_argument when `secret` is shorter than min_secret_bytes.
  explicit cluster_key(std::string secret);

  // bytes || timestamp(now_unix_ms) || HMAC-SHA256(secret, bytes || timestamp).
  std::string seal(std::string_view bytes, std::int64_t now_unix_ms) const;

  enum class verdict : std::uint8_t {
    ok,         // authentic and fresh
    malformed,  // shorter than trailer_size
    forged,     // the MAC does not match: another key, or altered bytes
    stale,      // authentic, but |now - timestamp| > max_skew (a replay or a skewed clock)
  };
  // On ok, `inner` views the original bytes inside `sealed`; otherwise it is left unchanged.
  verdict open(std::string_view sealed, std::int64_t now_unix_ms, std::string_view& inner,
               std::chrono::milliseconds max_skew = std::chrono::seconds(30)) const;

 private:
  std::string secret_;
};

std::string_view to_string(cluster_key::verdict v) noexcept;

// Milliseconds since the Unix epoch by the system clock: the `now` the adapters pass in.
std::int64_t unix_now_ms() noexcept;

}  // namespace vote::net
