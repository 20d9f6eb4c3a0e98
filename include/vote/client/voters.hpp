// Voter lists for `register --authorized-users-file FILE`.
//
// Format: one voter id per line; leading and trailing blanks are trimmed; blank lines and lines
// whose first non-blank character is '#' are ignored; a trailing "\r" (CRLF files) is dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vote::client {

// Parses the text of a voter file.
std::vector<std::string> parse_voter_list(std::string_view text);

// Reads and parses a file. nullopt (with `error` set) when it cannot be read.
std::optional<std::vector<std::string>> read_voter_file(const std::string& path,
                                                        std::string& error);

// Reads a small secret file (admin token): the first line, trimmed. nullopt (with `error` set)
// when it cannot be read or is empty.
std::optional<std::string> read_secret_file(const std::string& path, std::string& error);

}  // namespace vote::client
