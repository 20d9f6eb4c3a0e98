// The admin rule (DESIGN.md §7): who may register and close elections, read live tallies and
// change the membership.
//
// With an admin token (--admin-token-file), an admin request must carry that token; it is
// compared in constant time, as digests when the owner gives a digest function (the server gives
// SHA-256, so that the process keeps only the token's digest, and the comparison takes the same
// time whatever the presented token's length). Without one, admin requests are accepted only from
// the server's own machine (the seed's "admin = the leader" rule), and there only from a connection
// owned by the user the server runs as, or by root (net/local_peer.hpp): another local user is not
// the admin. The owner of a connection is looked up (request_origin::local_uid, a read of the
// kernel's socket table) only when that rule needs it: never with a token, never for another
// machine. Pure: no I/O of its own (the token file is read by the server, config.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vote/core/election.hpp"
#include "vote/wire/request_origin.hpp"

namespace vote::node {

class admin_policy {
 public:
  // No token: requests from this machine by `server_uid` or root only.
  explicit admin_policy(std::uint32_t server_uid) : server_uid_(server_uid) {}
  // A digest of a token (e.g. SHA-256); pure, never throws.
  using digest_fn = std::string (*)(std::string_view);
  // With a token: requests must present it. With `digest`, only digest(token) is kept.
  explicit admin_policy(std::string token, digest_fn digest = nullptr)
      : token_(digest != nullptr ? digest(token) : std::move(token)), digest_(digest) {}

  // ok, or errc::unauthorized with a message saying what is missing.
  outcome authorize(std::string_view presented_token, const wire::request_origin& from) const;
  bool has_token() const noexcept { return token_.has_value(); }

 private:
  std::optional<std::string> token_;  // or its digest
  digest_fn digest_ = nullptr;
  std::uint32_t server_uid_ = 0;
};

}  // namespace vote::node
