// Voting codes, public credentials, nonces and trackers (DESIGN.md §10; the exact bytes are in
// docs/record.md, which is the contract with independent verifiers).
//
// Pure functions over SHA-256 and HMAC-SHA-256 (OpenSSL's libcrypto, the one library the pure
// layers may use besides nlohmann/json: hashing reads no clock, file or socket). Random codes and
// nonces are drawn by the clients, not here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vote::credentials {

// 32 symbols, 5 bits each, without 0, 1, I and O (they look like O, I, 1 and 0).
inline constexpr std::string_view alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
inline constexpr std::size_t code_symbols = 16;     // 80 bits
inline constexpr std::size_t tracker_symbols = 20;  // 100 bits
inline constexpr std::size_t nonce_hex_chars = 32;  // 128 bits
inline constexpr std::size_t credential_hex_chars = 64;

using sha256_digest = std::array<std::uint8_t, 32>;

sha256_digest sha256(std::string_view bytes);
sha256_digest hmac_sha256(std::string_view key, std::string_view bytes);
std::string hex(std::span<const std::uint8_t> bytes);
// The bytes as a big-endian bit string, 5 bits per symbol of `alphabet`, at most `symbols`
// symbols (a last partial group is padded with zero bits).
std::string base32(std::span<const std::uint8_t> bytes, std::size_t symbols);

// A code as people type it: letters upper-cased, '-' and spaces removed. nullopt unless exactly
// code_symbols symbols of the alphabet remain.
std::optional<std::string> normalize_code(std::string_view typed);
// "K7QF9MZD3XTAPW2R" -> "K7QF-9MZD-3XTA-PW2R" (any length; groups of four).
std::string group(std::string_view symbols);

// hex(SHA-256("vote-credential/1\n" + election_id + "\n" + code)); `code` normalised.
std::string credential_of(std::string_view election_id, std::string_view code);
// base32(HMAC-SHA256(secret, "vote-code/1\n" + election_id + "\n" + voter))[0:16].
std::string derived_code(std::string_view secret, std::string_view election_id,
                         std::string_view voter);
// A code from 10 random bytes (80 bits): base32(bytes)[0:16].
std::string code_from_bytes(std::span<const std::uint8_t, 10> random);

// True for 64 lowercase hex characters (a public credential).
bool is_credential(std::string_view s) noexcept;
// True for 32 lowercase hex characters (a nonce).
bool is_nonce(std::string_view s) noexcept;
// The nonce a vote without one gets:
// hex(SHA-256("vote-nonce/1\n" + election_id + "\n" + roll_entry + "\n" + request_id))[0:32].
std::string default_nonce(std::string_view election_id, std::string_view roll_entry,
                          std::string_view request_id);
// base32(SHA-256("vote-tracker/1\n" + election_id + "\n" + nonce + "\n" + ballot))[0:20], where
// `ballot` is the canonical ballot (e.g. {"candidate":"Alice"}).
std::string tracker_of(std::string_view election_id, std::string_view nonce,
                       std::string_view canonical_ballot);
// The canonical ballot of a plurality vote: {"candidate":NAME} as canonical JSON.
std::string plurality_ballot(std::string_view candidate);

}  // namespace vote::credentials
