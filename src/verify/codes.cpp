// vote-verify's own hashing and encodings (include/vote/verify/codes.hpp, docs/record.md).
#include "vote/verify/codes.hpp"

#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/params.h>

namespace vote::verify {
namespace {

EVP_MD_CTX* as_ctx(void* p) {
  return static_cast<EVP_MD_CTX*>(p);
}

void openssl_check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

bool in_alphabet(char c) {
  return code_alphabet.find(c) != std::string_view::npos;
}

}  // namespace

sha256::sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::runtime_error("OpenSSL: EVP_MD_CTX_new failed");
  reset();
}

sha256::~sha256() {
  EVP_MD_CTX_free(as_ctx(ctx_));
}

void sha256::reset() {
  openssl_check(EVP_DigestInit_ex(as_ctx(ctx_), EVP_sha256(), nullptr), "EVP_DigestInit_ex");
}

void sha256::update(std::string_view bytes) {
  openssl_check(EVP_DigestUpdate(as_ctx(ctx_), bytes.data(), bytes.size()), "EVP_DigestUpdate");
}

sha256_digest sha256::finish() {
  sha256_digest d{};
  unsigned int n = 0;
  openssl_check(EVP_DigestFinal_ex(as_ctx(ctx_), d.data(), &n), "EVP_DigestFinal_ex");
  reset();
  return d;
}

sha256_digest sha256::of(std::string_view bytes) {
  thread_local sha256 h;
  h.update(bytes);
  return h.finish();
}

sha256_digest hmac_sha256(std::string_view key, std::string_view message) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw std::runtime_error("OpenSSL: EVP_MAC_fetch(HMAC) failed");
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
                               OSSL_PARAM_construct_end()};
  sha256_digest d{};
  std::size_t n = 0;
  const bool ok = ctx != nullptr &&
                  EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                               params) == 1 &&
                  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()),
                                 message.size()) == 1 &&
                  EVP_MAC_final(ctx, d.data(), &n, d.size()) == 1 && n == d.size();
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  if (!ok) throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
  return d;
}

std::string hex(const std::uint8_t* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
  return out;
}

std::string base32(const std::uint8_t* bytes, std::size_t n) {
  std::string out;
  out.reserve((8 * n + 4) / 5);
  std::uint32_t buffer = 0;  // the bits not yet written, right-aligned
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    buffer = (buffer << 8) | bytes[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(code_alphabet[(buffer >> bits) & 0x1f]);
    }
    buffer &= (1u << bits) - 1;
  }
  if (bits > 0) out.push_back(code_alphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::optional<std::string> normalise_code(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!in_alphabet(c)) return std::nullopt;
    out.push_back(c);
  }
  if (out.size() != code_symbols) return std::nullopt;
  return out;
}

std::string group4(std::string_view symbols) {
  std::string out;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(symbols[i]);
  }
  return out;
}

std::string public_credential(std::string_view election_id, std::string_view normalised_code) {
  sha256 h;
  h.update("vote-credential/1\n");
  h.update(election_id);
  h.update("\n");
  h.update(normalised_code);
  return hex(h.finish());
}

std::string derived_code(std::string_view secret, std::string_view election_id,
                         std::string_view voter) {
  std::string message = "vote-code/1\n";
  message.append(election_id).append("\n").append(voter);
  return base32(hmac_sha256(secret, message)).substr(0, code_symbols);
}

std::string fallback_nonce(std::string_view election_id, std::string_view roll_entry,
                           std::string_view request_id) {
  sha256 h;
  h.update("vote-nonce/1\n");
  h.update(election_id);
  h.update("\n");
  h.update(roll_entry);
  h.update("\n");
  h.update(request_id);
  return hex(h.finish()).substr(0, nonce_hex_chars);
}

std::string tracker_maker::operator()(std::string_view election_id, std::string_view nonce,
                                      std::string_view canonical_ballot) {
  hash_.update("vote-tracker/1\n");
  hash_.update(election_id);
  hash_.update("\n");
  hash_.update(nonce);
  hash_.update("\n");
  hash_.update(canonical_ballot);
  // 20 symbols are 100 bits: the first 13 bytes give 21 symbols, of which 20 are kept.
  const sha256_digest d = hash_.finish();
  return base32(d.data(), 13).substr(0, tracker_symbols);
}

std::string tracker(std::string_view election_id, std::string_view nonce,
                    std::string_view canonical_ballot) {
  tracker_maker make;
  return make(election_id, nonce, canonical_ballot);
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t plain = 0;  // start of the run of bytes copied as they are
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(plain, i - plain));
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\u00";
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0x0f]);
    }
  }
  out.append(s.substr(plain));
  out.push_back('"');
}

std::string canonical_plurality_ballot(std::string_view candidate) {
  std::string out = "{\"candidate\":";
  append_json_string(out, candidate);
  out.push_back('}');
  return out;
}

bool is_lower_hex(std::string_view s, std::size_t length) {
  if (s.size() != length) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_tracker(std::string_view s) {
  if (s.size() != tracker_symbols) return false;
  for (const char c : s) {
    if (!in_alphabet(c)) return false;
  }
  return true;
}

}  // namespace vote::verify
