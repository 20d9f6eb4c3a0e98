#include "vote/node/machine/admin.hpp"

namespace vote::node {

namespace {

// Compares in time that depends only on the lengths, never on where the first difference is.
bool equal_in_constant_time(std::string_view secret, std::string_view presented) noexcept {
  unsigned diff = secret.size() == presented.size() ? 0u : 1u;
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const char p = i < presented.size() ? presented[i] : '\0';
    diff |= static_cast<unsigned char>(secret[i] ^ p);
  }
  return diff == 0;
}

}  // namespace

outcome admin_policy::authorize(std::string_view presented_token,
                                const wire::request_origin& from) const {
  if (!token_) {
    if (from.same_host && from.local_uid) {
      const auto uid = from.local_uid();
      if (uid && (*uid == server_uid_ || *uid == 0)) return {};
    }
    return {errc::unauthorized,
            "Error: only the admin may do this; this server has no --admin-token-file, so it "
            "accepts admin requests only from its own machine, from the user it runs as (uid " +
                std::to_string(server_uid_) + ") or root.",
            std::nullopt};
  }
  if (presented_token.empty())
    return {errc::unauthorized,
            "Error: only the admin may do this; give the admin token (--admin-token or "
            "VOTE_ADMIN_TOKEN).",
            std::nullopt};
  const bool valid = digest_ != nullptr ? equal_in_constant_time(*token_, digest_(presented_token))
                                        : equal_in_constant_time(*token_, presented_token);
  if (!valid) return {errc::unauthorized, "Error: the admin token is not valid.", std::nullopt};
  return {};
}

}  // namespace vote::node
