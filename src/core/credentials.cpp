// Codes, credentials, nonces and trackers (include/vote/core/credentials.hpp, docs/record.md).
#include "vote/core/credentials.hpp"

#include <algorithm>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <nlohmann/json.hpp>

namespace vote::credentials {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string joined(std::string_view tag, std::string_view a, std::string_view b) {
  std::string text;
  text.reserve(tag.size() + a.size() + b.size() + 2);
  text.append(tag).append("\n").append(a).append("\n").append(b);
  return text;
}

}  // namespace

sha256_digest sha256(std::string_view bytes) {
  sha256_digest out{};
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != out.size()) {
    throw std::runtime_error("SHA-256 failed in libcrypto");
  }
  return out;
}

sha256_digest hmac_sha256(std::string_view key, std::string_view bytes) {
  sha256_digest out{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes_of(bytes).data(),
           bytes.size(), out.data(), &size) == nullptr ||
      size != out.size()) {
    throw std::runtime_error("HMAC-SHA-256 failed in libcrypto");
  }
  return out;
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

std::string base32(std::span<const std::uint8_t> bytes, std::size_t symbols) {
  std::string out;
  out.reserve(symbols);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5 && out.size() < symbols) {
      out.push_back(alphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
    buffer &= (1u << bits) - 1;
    if (out.size() == symbols) return out;
  }
  if (bits > 0 && out.size() < symbols) out.push_back(alphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::optional<std::string> normalize_code(std::string_view typed) {
  std::string code;
  for (const char raw : typed) {
    if (raw == '-' || raw == ' ') continue;
    const char c = (raw >= 'a' && raw <= 'z') ? static_cast<char>(raw - 'a' + 'A') : raw;
    if (alphabet.find(c) == std::string_view::npos) return std::nullopt;
    if (code.size() == code_symbols) return std::nullopt;
    code.push_back(c);
  }
  if (code.size() != code_symbols) return std::nullopt;
  return code;
}

std::string group(std::string_view symbols) {
  std::string out;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(symbols[i]);
  }
  return out;
}

std::string credential_of(std::string_view election_id, std::string_view code) {
  return hex(sha256(joined("vote-credential/1", election_id, code)));
}

std::string derived_code(std::string_view secret, std::string_view election_id,
                         std::string_view voter) {
  return base32(hmac_sha256(secret, joined("vote-code/1", election_id, voter)), code_symbols);
}

std::string code_from_bytes(std::span<const std::uint8_t, 10> random) {
  return base32(random, code_symbols);
}

bool is_credential(std::string_view s) noexcept {
  return s.size() == credential_hex_chars && all_hex(s);
}

bool is_nonce(std::string_view s) noexcept {
  return s.size() == nonce_hex_chars && all_hex(s);
}

std::string default_nonce(std::string_view election_id, std::string_view roll_entry,
                          std::string_view request_id) {
  std::string text = joined("vote-nonce/1", election_id, roll_entry);
  text.append("\n").append(request_id);
  return hex(sha256(text)).substr(0, nonce_hex_chars);
}

std::string tracker_of(std::string_view election_id, std::string_view nonce,
                       std::string_view canonical_ballot) {
  std::string text = joined("vote-tracker/1", election_id, nonce);
  text.append("\n").append(canonical_ballot);
  return base32(sha256(text), tracker_symbols);
}

std::string plurality_ballot(std::string_view candidate) {
  return nlohmann::json{{"candidate", candidate}}.dump();
}

}  // namespace vote::credentials
