// Voting codes on the admin's machine, nonces and receipts on the voter's
// (include/vote/client/codes.hpp).
#include "vote/client/codes.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <openssl/rand.h>
#include <nlohmann/json.hpp>

#include "vote/core/credentials.hpp"

namespace vote::client {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> random_bytes() {
  std::array<std::uint8_t, N> out{};
  if (RAND_bytes(out.data(), static_cast<int>(N)) != 1) {
    throw std::runtime_error("the operating system's random generator failed (RAND_bytes)");
  }
  return out;
}

std::string trim(std::string s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.back())) s.pop_back();
  std::size_t first = 0;
  while (first < s.size() && space(s[first])) ++first;
  return s.substr(first);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos && trim(s) == s) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

// Splits one CSV record into its fields; nullopt when a quote is left open.
std::optional<std::vector<std::string>> split_row(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  if (quoted) return std::nullopt;
  return fields;
}

}  // namespace

std::string random_code() {
  const auto bytes = random_bytes<10>();
  return credentials::code_from_bytes(bytes);
}

std::string random_nonce() {
  return credentials::hex(random_bytes<16>());
}

std::optional<std::string> read_code_secret(const std::string& path, std::string& error) {
  auto text = read_small_file(path, 4096);
  if (!text) {
    error = "cannot read the code secret file " + path + " (at most 4096 bytes)";
    return std::nullopt;
  }
  std::string secret = trim(*text);
  if (secret.size() < 16) {
    error = "the code secret in " + path + " is shorter than 16 bytes";
    return std::nullopt;
  }
  return secret;
}

std::vector<voter_code> make_codes(const std::vector<std::string>& voters,
                                   std::string_view election_id,
                                   const std::optional<std::string>& secret) {
  std::vector<voter_code> out;
  out.reserve(voters.size());
  for (const std::string& v : voters) {
    out.push_back(
        {.voter = v,
         .code = secret ? credentials::derived_code(*secret, election_id, v) : random_code()});
  }
  return out;
}

std::string codes_csv(const std::vector<voter_code>& codes) {
  const bool links =
      std::any_of(codes.begin(), codes.end(), [](const voter_code& c) { return !c.url.empty(); });
  std::string out = links ? "voter,code,url\n" : "voter,code\n";
  for (const voter_code& c : codes) {
    out += csv_field(c.voter) + "," + credentials::group(c.code);
    if (links) out += "," + csv_field(c.url);
    out += "\n";
  }
  return out;
}

std::variant<std::vector<voter_code>, std::string> parse_codes_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::vector<voter_code> out;
  std::size_t number = 0;
  bool links = false;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number == 1) {
      if (line != "voter,code" && line != "voter,code,url") {
        return std::string("line 1: the header must be 'voter,code' or 'voter,code,url'");
      }
      links = line == "voter,code,url";
      continue;
    }
    if (line.empty()) continue;
    const auto row = split_row(line);
    const bool fits = row && row->size() == (links ? 3u : 2u) && !(*row)[0].empty();
    const auto code = fits ? credentials::normalize_code((*row)[1]) : std::nullopt;
    if (!code || (links && (*row)[2].empty())) {
      return "line " + std::to_string(number) +
             (links ? ": expected 'voter,CODE,URL'" : ": expected 'voter,CODE'");
    }
    out.push_back({.voter = (*row)[0], .code = *code, .url = links ? (*row)[2] : ""});
  }
  if (number == 0) return std::string("the file is empty");
  return out;
}

std::string write_private_file(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return errno == EEXIST ? path + " exists already (it is never overwritten)"
                           : "cannot create " + path + ": " + std::strerror(errno);
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return "cannot write " + path + ": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return "cannot write " + path + " to disk";
  return {};
}

std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  std::array<char, 4096> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) return std::nullopt;
  }
  return text;
}

std::string receipt_json(const std::string& election_id, const std::string& nonce,
                         const std::string& candidate, const std::string& tracker) {
  return ballot_receipt_json(election_id, nonce, nlohmann::json{{"candidate", candidate}}, tracker);
}

std::string ballot_receipt_json(const std::string& election_id, const std::string& nonce,
                                const nlohmann::json& ballot, const std::string& tracker) {
  return nlohmann::json{{"ballot", ballot},
                        {"election_id", election_id},
                        {"format", "vote-receipt/1"},
                        {"nonce", nonce},
                        {"tracker", tracker}}
      .dump();
}

}  // namespace vote::client
