// Voter files and secret files (include/vote/client/voters.hpp).
#include "vote/client/voters.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace vote::client {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view blanks = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(blanks);
  return s.substr(first, last - first + 1);
}

std::optional<std::string> slurp(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = "cannot read '" + path + "'";
    return std::nullopt;
  }
  return std::move(text).str();
}

}  // namespace

std::vector<std::string> parse_voter_list(std::string_view text) {
  std::vector<std::string> voters;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const auto line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    voters.emplace_back(line);
  }
  return voters;
}

std::optional<std::vector<std::string>> read_voter_file(const std::string& path,
                                                        std::string& error) {
  const auto text = slurp(path, error);
  if (!text) return std::nullopt;
  return parse_voter_list(*text);
}

std::optional<std::string> read_secret_file(const std::string& path, std::string& error) {
  const auto text = slurp(path, error);
  if (!text) return std::nullopt;
  const std::string_view all = *text;
  const auto secret = trim(all.substr(0, all.find('\n')));
  if (secret.empty()) {
    error = "'" + path + "' is empty";
    return std::nullopt;
  }
  return std::string(secret);
}

}  // namespace vote::client
