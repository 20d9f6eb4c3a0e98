// The byte strings of docs/record.md, computed by vote-verify's own code: SHA-256 and
// HMAC-SHA256 (OpenSSL EVP), hex, the code alphabet's base32, voting codes, public credentials,
// nonces and trackers.
//
// This is deliberately not the servers' implementation (DESIGN.md §10: the verifier shares no
// record or counting code with them); it is written from docs/record.md alone.
//
// Pure functions of their inputs apart from `sha256`, which owns one reusable EVP context (not
// thread-safe: one per thread). Nothing here throws for any input except std::bad_alloc, and
// std::runtime_error when OpenSSL itself fails (which it does not for SHA-256 in practice).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vote::verify {

// "23456789ABCDEFGHJKLMNPQRSTUVWXYZ": 32 symbols, no 0, 1, I, O.
inline constexpr std::string_view code_alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
inline constexpr std::size_t code_symbols = 16;     // 80 bits
inline constexpr std::size_t tracker_symbols = 20;  // 100 bits
inline constexpr std::size_t nonce_hex_chars = 32;  // 128 bits
inline constexpr std::size_t credential_hex_chars = 64;

using sha256_digest = std::array<std::uint8_t, 32>;

// An incremental SHA-256 whose EVP context is allocated once and reused across digests.
class sha256 {
 public:
  sha256();
  ~sha256();
  sha256(const sha256&) = delete;
  sha256& operator=(const sha256&) = delete;

  void reset();
  void update(std::string_view bytes);
  sha256_digest finish();  // then reset() before the next digest (finish() does it)

  // One-shot helper on a thread-local context.
  static sha256_digest of(std::string_view bytes);

 private:
  void* ctx_;  // EVP_MD_CTX*
};

sha256_digest hmac_sha256(std::string_view key, std::string_view message);

// Lowercase hexadecimal.
std::string hex(const std::uint8_t* bytes, std::size_t n);
inline std::string hex(const sha256_digest& d) {
  return hex(d.data(), d.size());
}

// The bytes read as one big-endian bit string, 5 bits per symbol, most significant first; the
// last symbol is padded with zero bits. The result has ceil(8 n / 5) symbols.
std::string base32(const std::uint8_t* bytes, std::size_t n);
inline std::string base32(const sha256_digest& d) {
  return base32(d.data(), d.size());
}

// Upper-cases ASCII letters and removes '-' and ' '; nullopt when anything left is not in the
// alphabet or the length is not 16 symbols.
std::optional<std::string> normalise_code(std::string_view code);
// "K7QF9MZD3XTAPW2R" -> "K7QF-9MZD-3XTA-PW2R" (any length, groups of four).
std::string group4(std::string_view symbols);

// hex(SHA-256("vote-credential/1\n" + election_id + "\n" + normalised_code)).
std::string public_credential(std::string_view election_id, std::string_view normalised_code);
// base32(HMAC-SHA256(secret, "vote-code/1\n" + election_id + "\n" + voter))[0:16].
std::string derived_code(std::string_view secret, std::string_view election_id,
                         std::string_view voter);
// hex(SHA-256("vote-nonce/1\n" + election_id + "\n" + roll_entry + "\n" + request_id))[0:32].
std::string fallback_nonce(std::string_view election_id, std::string_view roll_entry,
                           std::string_view request_id);

// Computes trackers, reusing one SHA-256 context:
// base32(SHA-256("vote-tracker/1\n" + election_id + "\n" + nonce + "\n" + canonical_ballot))[0:20].
class tracker_maker {
 public:
  std::string operator()(std::string_view election_id, std::string_view nonce,
                         std::string_view canonical_ballot);

 private:
  sha256 hash_;
};
std::string tracker(std::string_view election_id, std::string_view nonce,
                    std::string_view canonical_ballot);

// A plurality ballot's canonical JSON: {"candidate":NAME} with NAME as a canonical JSON string.
std::string canonical_plurality_ballot(std::string_view candidate);
// Appends `s` as a canonical JSON string (docs/record.md: `"` and `\` escaped, control
// characters as \b \t \n \f \r or \u00xx, everything else, non-ASCII included, as is). `s` must
// be valid UTF-8 (the record parser guarantees it for everything it hands out).
void append_json_string(std::string& out, std::string_view s);

// Character classes of the record's fixed-form strings.
bool is_lower_hex(std::string_view s, std::size_t length);
bool is_tracker(std::string_view s);  // 20 symbols of the alphabet

}  // namespace vote::verify
