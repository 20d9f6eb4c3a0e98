#include "vote/net/cluster_key.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace vote::net {
namespace {

using mac = std::array<unsigned char, cluster_key::mac_size>;

mac hmac_sha256(const std::string& secret, std::string_view data) {
  mac out{};
  unsigned int len = 0;
  const unsigned char* ok =
      HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  if (ok == nullptr || len != out.size()) throw std::runtime_error("HMAC-SHA256 failed");
  return out;
}

void append_timestamp(std::string& out, std::int64_t unix_ms) {
  const auto v = static_cast<std::uint64_t>(unix_ms);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

std::int64_t read_timestamp(std::string_view bytes) {
  std::uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return static_cast<std::int64_t>(v);
}

// |a - b| without overflow: the true difference of two int64 always fits in a uint64.
std::uint64_t distance(std::int64_t a, std::int64_t b) {
  const auto ua = static_cast<std::uint64_t>(a);
  const auto ub = static_cast<std::uint64_t>(b);
  return a >= b ? ua - ub : ub - ua;
}

}  // namespace

cluster_key cluster_key::from_file(const std::string& path) {
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open() || std::filesystem::is_directory(path, ec)) {
    throw std::runtime_error("cannot read the cluster key file '" + path + "'");
  }
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  secret.erase(secret.find_last_not_of(" \t\r\n") + 1);
  if (secret.size() < min_secret_bytes) {
    throw std::runtime_error("the cluster key in '" + path + "' must be at least " +
                             std::to_string(min_secret_bytes) + " bytes (it has " +
                             std::to_string(secret.size()) + ")");
  }
  return cluster_key(std::move(secret));
}

cluster_key::cluster_key(std::string secret) : secret_(std::move(secret)) {
  if (secret_.size() < min_secret_bytes) {
    throw std::invalid_argument("a cluster key must be at least " +
                                std::to_string(min_secret_bytes) + " bytes");
  }
}

std::string cluster_key::seal(std::string_view bytes, std::int64_t now_unix_ms) const {
  std::string out;
  out.reserve(bytes.size() + trailer_size);
  out.append(bytes);
  append_timestamp(out, now_unix_ms);
  const mac m = hmac_sha256(secret_, out);
  out.append(reinterpret_cast<const char*>(m.data()), m.size());
  return out;
}

cluster_key::verdict cluster_key::open(std::string_view sealed, std::int64_t now_unix_ms,
                                       std::string_view& inner,
                                       std::chrono::milliseconds max_skew) const {
  if (sealed.size() < trailer_size) return verdict::malformed;
  const std::string_view signed_part = sealed.substr(0, sealed.size() - mac_size);
  const mac expected = hmac_sha256(secret_, signed_part);
  if (CRYPTO_memcmp(expected.data(), sealed.data() + signed_part.size(), mac_size) != 0) {
    return verdict::forged;
  }
  const std::int64_t stamp =
      read_timestamp(signed_part.substr(signed_part.size() - timestamp_size));
  if (max_skew.count() < 0 ||
      distance(now_unix_ms, stamp) > static_cast<std::uint64_t>(max_skew.count())) {
    return verdict::stale;
  }
  inner = sealed.substr(0, sealed.size() - trailer_size);
  return verdict::ok;
}

std::string_view to_string(cluster_key::verdict v) noexcept {
  switch (v) {
    case cluster_key::verdict::ok:
      return "ok";
    case cluster_key::verdict::malformed:
      return "malformed";
    case cluster_key::verdict::forged:
      return "forged";
    case cluster_key::verdict::stale:
      return "stale";
  }
  return "unknown";
}

std::int64_t unix_now_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace vote::net
