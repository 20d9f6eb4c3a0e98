#include "vote/node/machine/admin.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vote::node {

namespace {

// Hashing first makes the comparison constant-time in the token's length too.
std::string digest(std::string_view s) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

admin_policy::admin_policy(std::string token) : token_(digest(token)) {}

outcome admin_policy::authorize(std::string_view presented_token, const origin& from) const {
  if (!token_) {
    if (from.same_host && from.uid && (*from.uid == server_uid_ || *from.uid == 0)) return {};
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
  if (CRYPTO_memcmp(digest(presented_token).data(), token_->data(), token_->size()) != 0)
    return {errc::unauthorized, "Error: the admin token is not valid.", std::nullopt};
  return {};
}

std::string load_admin_token(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read --admin-token-file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  const char* ws = " \t\r\n";
  token.erase(0, token.find_first_not_of(ws) == std::string::npos ? token.size()
                                                                  : token.find_first_not_of(ws));
  token.erase(token.find_last_not_of(ws) + 1);
  if (token.size() < 16)
    throw std::invalid_argument("the admin token in '" + path + "' must be at least 16 characters");
  return token;
}

}  // namespace vote::node
