// The admin rule (DESIGN.md §7): who may register and close elections and read live tallies.
//
// With an admin token (--admin-token-file), an admin request must carry that token; it is
// compared in constant time. Without one, admin requests are accepted only from the server's own
// machine (the seed's "admin = the leader" rule). Pure apart from load_admin_token().
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vote/core/election.hpp"

namespace vote::node {

class admin_policy {
 public:
  // No token: same-host requests only.
  admin_policy() = default;
  explicit admin_policy(std::string token);

  // ok, or errc::unauthorized with a message saying what is missing.
  outcome authorize(std::string_view presented_token, bool same_host) const;
  bool has_token() const noexcept { return token_.has_value(); }

 private:
  std::optional<std::string> token_;
};

// Reads the token file: surrounding whitespace trimmed; throws std::invalid_argument when the
// file cannot be read, is empty, or the token is shorter than 16 characters.
std::string load_admin_token(const std::string& path);

}  // namespace vote::node
