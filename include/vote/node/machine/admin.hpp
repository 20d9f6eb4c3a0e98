// The admin rule (DESIGN.md §7): who may register and close elections and read live tallies.
//
// With an admin token (--admin-token-file), an admin request must carry that token; it is
// compared in constant time. Without one, admin requests are accepted only from the server's own
// machine (the seed's "admin = the leader" rule), and there only from a connection owned by the
// user the server runs as, or by root (net/local_peer.hpp): another local user is not the admin.
// Pure apart from load_admin_token().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vote/core/election.hpp"

namespace vote::node {

class admin_policy {
 public:
  // No token: requests from this machine by `server_uid` or root only.
  explicit admin_policy(std::uint32_t server_uid) : server_uid_(server_uid) {}
  explicit admin_policy(std::string token);

  // Where an admin request came from: this machine? which user owns the connecting socket?
  struct origin {
    bool same_host = false;
    std::optional<std::uint32_t> uid;  // unknown: not trusted
  };
  // ok, or errc::unauthorized with a message saying what is missing.
  outcome authorize(std::string_view presented_token, const origin& from) const;
  bool has_token() const noexcept { return token_.has_value(); }

 private:
  std::optional<std::string> token_;
  std::uint32_t server_uid_ = 0;
};

// Reads the token file: surrounding whitespace trimmed; throws std::invalid_argument when the
// file cannot be read, is empty, or the token is shorter than 16 characters.
std::string load_admin_token(const std::string& path);

}  // namespace vote::node
