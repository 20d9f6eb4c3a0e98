// The admin's and the voter's side of voting codes and receipts (DESIGN.md §10, docs/record.md):
// codes are made on the admin's machine and only their public credentials leave it; a voter's
// client picks the ballot's nonce and keeps the receipt.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace vote::client {

struct voter_code {
  std::string voter;
  std::string code;  // normalised, 16 symbols
  std::string url;   // the voter's link (register --code-url, code_sheet.hpp); "" when none
};

// A fresh random code (80 bits from OpenSSL's CSPRNG).
std::string random_code();
// A fresh random nonce (128 bits, 32 lowercase hex).
std::string random_nonce();

// Reads an admin code secret file: whitespace around it trimmed, at least 16 bytes, at most
// 4096. nullopt, with the reason in `error`, when it cannot be used.
std::optional<std::string> read_code_secret(const std::string& path, std::string& error);

// One code per voter: derived from `secret` when given, random otherwise.
std::vector<voter_code> make_codes(const std::vector<std::string>& voters,
                                   std::string_view election_id,
                                   const std::optional<std::string>& secret);

// The CSV the admin hands out: a header "voter,code", one row per voter, codes grouped
// (K7QF-9MZD-3XTA-PW2R), fields quoted per RFC 4180 where needed. When any code has a url, the
// header is "voter,code,url" and every row has the third field.
std::string codes_csv(const std::vector<voter_code>& codes);
// Reads such a CSV back, in either form (to retry a registration with the same codes): every row
// has as many fields as the header. A std::string is the first problem, with its line number.
std::variant<std::vector<voter_code>, std::string> parse_codes_csv(const std::string& text);

// Writes `content` to a new file with mode 0600; never replaces an existing file. "" on success,
// else the reason.
std::string write_private_file(const std::string& path, const std::string& content);
// The whole file, at most `max_bytes`; nullopt when it cannot be read or is larger.
std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes);

// The receipt a voter keeps (docs/record.md "Receipts"): canonical JSON.
// Any ballot (docs/record.md "Format 2"): {"candidate":..}, {"rank":[..]}, {"approve":[..]}
// (sorted by bytes) or {"scores":{..}}, as canonical JSON.
std::string ballot_receipt_json(const std::string& election_id, const std::string& nonce,
                                const nlohmann::json& ballot, const std::string& tracker);
std::string receipt_json(const std::string& election_id, const std::string& nonce,
                         const std::string& candidate, const std::string& tracker);

}  // namespace vote::client
