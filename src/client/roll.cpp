// Voter rolls (include/vote/client/roll.hpp, docs/rolls.md).
#include "vote/client/roll.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <utility>

#include "vote/core/unicode.hpp"

namespace vote::client {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
constexpr std::size_t display_bytes = 80;
constexpr std::string_view comma_reason =
    "contains a comma: add a header line `voter,weight` for a CSV roll";

std::string_view trim(std::string_view s) {
  constexpr std::string_view blanks = " \t";
  const auto first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
    };
    return lower(x) == lower(y);
  });
}

// The line as read, cut to display_bytes bytes ("..." included) on a character boundary.
std::string display_text(std::string_view raw) {
  if (raw.size() <= display_bytes) return std::string(raw);
  std::size_t cut = display_bytes - 3;
  for (int back = 0; back < 3 && cut > 0 && (static_cast<unsigned char>(raw[cut]) & 0xC0) == 0x80;
       ++back) {
    --cut;
  }
  return std::string(raw.substr(0, cut)) + "...";
}

// Splits one CSV line (RFC 4180 quoting, no field spanning lines) into `fields`, reusing their
// storage from line to line; `count` is the number of fields. An error reason, or "" when the
// line is well formed.
std::string_view split_csv(std::string_view line, std::vector<std::string>& fields,
                           std::size_t& count) {
  count = 0;
  std::size_t i = 0;
  while (true) {
    if (count == fields.size()) fields.emplace_back();
    std::string& field = fields[count++];
    field.clear();
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      for (++i;; ++i) {
        if (i == line.size()) return "unterminated quoted field";
        if (line[i] != '"') {
          field.push_back(line[i]);
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          break;
        }
      }
      ++i;  // the closing quote
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') return "text after a closing quote";
    } else {
      const auto end = std::min(line.find(',', i), line.size());
      const auto text = line.substr(i, end - i);
      if (text.find('"') != std::string_view::npos) return "quote inside an unquoted field";
      field.assign(text);
      i = end;
    }
    if (i == line.size()) return {};
    ++i;  // the comma
  }
}

// A UTF-8 control character: C0, DEL or C1 (U+0080..U+009F, "\xC2\x80".."\xC2\x9F"). `s` is
// valid UTF-8, so a 0xC2 byte always starts a character.
bool has_control_character(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return true;
  }
  return false;
}

// The NFC voter id, or nullopt with `reason` set.
std::optional<std::string> check_voter(std::string_view field, const roll_limits& lim,
                                       std::string& reason) {
  const auto id = trim(field);
  if (id.empty()) {
    reason = "empty voter id";
    return std::nullopt;
  }
  auto voter = nfc(id);
  if (!voter) {
    reason = "voter id is not valid UTF-8";
  } else if (has_control_character(*voter)) {
    reason = "voter id contains a control character";
  } else if (voter->size() > lim.max_id_bytes) {
    reason = "voter id is longer than " + std::to_string(lim.max_id_bytes) + " bytes";
  } else {
    return voter;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> check_weight(std::string_view field, const roll_limits& lim,
                                          std::string& reason) {
  const auto text = trim(field);
  if (text.empty()) {
    reason = "empty weight";
    return std::nullopt;
  }
  if (!std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    reason = "weight is not a decimal integer";
    return std::nullopt;
  }
  std::uint64_t weight = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), weight);
  if (ec != std::errc{} || end != text.data() + text.size() || weight < 1 ||
      weight > lim.max_weight) {
    reason = "weight out of range 1.." + std::to_string(lim.max_weight);
    return std::nullopt;
  }
  return weight;
}

// The voters taken so far, to find duplicates: an open-addressing hash table (linear probing,
// at most half full) of indices into `entries`. Indices, not views, because `entries` may
// reallocate as it grows; one flat array of 8-byte slots, because a node per voter would cost an
// allocation and a cache miss each on a million-line roll.
class voter_index {
 public:
  voter_index(const std::vector<roll_entry>& entries, std::size_t expected) : entries_(entries) {
    resize(std::bit_ceil(std::max<std::size_t>(16, 2 * expected)));
  }

  // The index of the entry whose voter id equals entries[i]'s, or i itself once added.
  std::size_t insert(std::size_t i) {
    if (2 * (size_ + 1) > slots_.size()) resize(2 * slots_.size());
    const auto& voter = entries_[i].voter;
    const auto hash = hash_of(voter);
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (auto k = hash & mask_;; k = (k + 1) & mask_) {
      const slot& s = slots_[k];
      if (s.index_plus_one == 0) break;
      if (s.tag == tag && entries_[s.index_plus_one - 1].voter == voter) {
        return s.index_plus_one - 1;
      }
    }
    place(hash, {.tag = tag, .index_plus_one = static_cast<std::uint32_t>(i + 1)});
    ++size_;
    return i;
  }

  // Indices are 32 bits: four billion voters are far beyond any election (and memory); the
  // parser rejects the lines after that many.
  static constexpr std::size_t max_size = 0xFFFF'FFFEU;

 private:
  struct slot {
    std::uint32_t tag = 0;             // the high half of the voter id's hash
    std::uint32_t index_plus_one = 0;  // 0: empty
  };

  static std::uint64_t hash_of(std::string_view voter) {
    return std::hash<std::string_view>{}(voter);
  }

  void resize(std::size_t capacity) {
    std::vector<slot> old(capacity);
    old.swap(slots_);
    mask_ = capacity - 1;
    for (const slot& s : old) {
      if (s.index_plus_one != 0) place(hash_of(entries_[s.index_plus_one - 1].voter), s);
    }
  }

  void place(std::uint64_t hash, slot s) {
    auto k = hash & mask_;
    while (slots_[k].index_plus_one != 0) k = (k + 1) & mask_;
    slots_[k] = s;
  }

  const std::vector<roll_entry>& entries_;
  std::vector<slot> slots_;  // a power of two
  std::uint64_t mask_ = 0;
  std::size_t size_ = 0;
};

// One pass over the lines; fills the report it is given.
class roll_parser {
 public:
  roll_parser(roll_report& r, const roll_limits& lim, std::size_t expected_lines)
      : r_(r), lim_(lim), seen_(r.entries, expected_lines) {
    r_.entries.reserve(expected_lines);
  }

  void line(std::size_t number, std::string_view raw) {
    const auto text = trim(raw);
    if (text.empty() || text.front() == '#') return;
    if (!started_) {
      started_ = true;
      if (header(text)) return;
    }
    if (columns_ == 0) {
      plain(number, raw, text);
    } else {
      csv(number, raw, text);
    }
  }

 private:
  // The first data line: a header sets the number of columns (0: a plain list).
  bool header(std::string_view text) {
    std::size_t n = 0;
    if (!split_csv(text, fields_, n).empty() || n > 2) return false;
    const auto first = trim(fields_[0]);
    if (!iequals(first, "voter") && !iequals(first, "voter_id") && !iequals(first, "id")) {
      return false;
    }
    if (n == 2 && !iequals(trim(fields_[1]), "weight")) return false;
    r_.had_header = true;
    r_.weighted = n == 2;
    columns_ = n;
    return true;
  }

  void plain(std::size_t number, std::string_view raw, std::string_view text) {
    if (text.find(',') != std::string_view::npos) {
      return reject(number, raw, std::string(comma_reason));
    }
    std::string reason;
    auto voter = check_voter(text, lim_, reason);
    if (!voter) return reject(number, raw, std::move(reason));
    take(number, raw, std::move(*voter), 1);
  }

  void csv(std::size_t number, std::string_view raw, std::string_view text) {
    std::size_t n = 0;
    if (const auto bad = split_csv(text, fields_, n); !bad.empty()) {
      return reject(number, raw, std::string(bad));
    }
    if (n != columns_) {
      return reject(number, raw,
                    "expected " + std::to_string(columns_) +
                        (columns_ == 1 ? " column, got " : " columns, got ") + std::to_string(n));
    }
    std::string reason;
    auto voter = check_voter(fields_[0], lim_, reason);
    if (!voter) return reject(number, raw, std::move(reason));
    std::optional<std::uint64_t> weight = 1;
    if (columns_ == 2) weight = check_weight(fields_[1], lim_, reason);
    if (!weight) return reject(number, raw, std::move(reason));
    take(number, raw, std::move(*voter), *weight);
  }

  void reject(std::size_t number, std::string_view raw, std::string reason) {
    r_.rejected.push_back({.line = number, .text = display_text(raw), .reason = std::move(reason)});
  }

  void take(std::size_t number, std::string_view raw, std::string voter, std::uint64_t weight) {
    if (r_.entries.size() == voter_index::max_size) return reject(number, raw, "too many voters");
    r_.entries.push_back({.voter = std::move(voter), .weight = weight, .line = number});
    const auto taken = r_.entries.size() - 1;
    if (const auto first = seen_.insert(taken); first != taken) {
      r_.entries.pop_back();
      r_.duplicates.push_back(
          {.line = number,
           .text = display_text(raw),
           .reason = "duplicate of line " + std::to_string(r_.entries[first].line)});
      return;
    }
    r_.total_weight += weight;
  }

  roll_report& r_;
  const roll_limits& lim_;
  voter_index seen_;
  std::vector<std::string> fields_;  // reused from line to line
  bool started_ = false;             // the first data line (a possible header) was seen
  std::size_t columns_ = 0;          // 0: plain list; 1 or 2: CSV with a header
};

// The length of the well-formed UTF-8 character at s[i] (its code point in `cp`), or 0.
std::size_t utf8_char(std::string_view s, std::size_t i, char32_t& cp) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    cp = lead;
    return 1;
  }
  const std::size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (n == 0 || lead > 0xF4 || i + n > s.size()) return 0;
  cp = static_cast<char32_t>(lead & (0x7F >> n));
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | static_cast<char32_t>(byte(k) & 0x3F);
  }
  constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};  // shorter forms are overlong
  const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  return cp < smallest[n] || cp > 0x10FFFF || surrogate ? 0 : n;
}

// Characters that change how a terminal shows the rest of the line.
bool invisible_or_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x200E && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

std::string quoted_for_display(std::string_view s) {
  std::string out = "\"";
  char buf[16];
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const auto n = utf8_char(s, i, cp);
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(s[i]));
      out += buf;
      i += 1;
      continue;
    }
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (invisible_or_control(cp)) {
      std::snprintf(buf, sizeof buf, cp < 0x80 ? "\\x%02X" : "\\u%04X", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

std::string counted(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::optional<std::string> slurp(const std::string& path, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "cannot read '" + path + "': it is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    error = "cannot read '" + path + "'";
    return std::nullopt;
  }
  return text;
}

}  // namespace

roll_report parse_roll(std::string_view text, const roll_limits& lim) {
  roll_report r;
  if (text.starts_with(utf8_bom)) {
    r.had_bom = true;
    text.remove_prefix(utf8_bom.size());
  }
  // Room for every line that could be a voter: each needs an id byte and a line end, so blank
  // lines cannot make the reservation much larger than the text.
  const auto line_ends = static_cast<std::size_t>(std::ranges::count(text, '\n'));
  roll_parser parser(r, lim, std::min(line_ends, text.size() / 2) + 1);
  while (!text.empty()) {
    const auto eol = text.find('\n');
    auto raw = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (raw.ends_with('\r')) raw.remove_suffix(1);
    parser.line(++r.lines, raw);
  }
  return r;
}

std::optional<roll_report> read_roll_file(const std::string& path, std::string& error,
                                          const roll_limits& lim) {
  const auto text = slurp(path, error);
  if (!text) return std::nullopt;
  return parse_roll(*text, lim);
}

std::string roll_summary(const roll_report& r) {
  std::string s = "read " + counted(r.lines, "line", "lines") + ": " +
                  counted(r.entries.size(), "voter", "voters");
  if (r.weighted) s += " (weighted, total weight " + std::to_string(r.total_weight) + ")";
  return s + ", " + std::to_string(r.rejected.size()) + " rejected, " +
         counted(r.duplicates.size(), "duplicate", "duplicates");
}

std::vector<std::string> roll_problem_lines(const roll_report& r, std::size_t max_lines) {
  std::vector<std::string> out;
  const auto total = r.rejected.size() + r.duplicates.size();
  auto rej = r.rejected.begin();
  auto dup = r.duplicates.begin();
  while (out.size() < std::min(max_lines, total)) {
    const bool take_rejected =
        dup == r.duplicates.end() || (rej != r.rejected.end() && rej->line < dup->line);
    const auto& p = take_rejected ? *rej++ : *dup++;
    out.push_back("line " + std::to_string(p.line) + ": " + (take_rejected ? "rejected: " : "") +
                  p.reason + ": " + quoted_for_display(p.text));
  }
  if (total > out.size()) out.push_back("... and " + std::to_string(total - out.size()) + " more");
  return out;
}

std::string list_argument_warning(std::string_view arg) {
  bool tight_comma = false;  // "a,b" rather than "smith, john"
  for (std::size_t i = 0; i + 1 < arg.size(); ++i) {
    if (arg[i] == ',' && arg[i + 1] != ' ') tight_comma = true;
  }
  std::size_t pieces = 0;  // non-blank pieces between the commas
  for (std::size_t start = 0; start <= arg.size();) {
    const auto end = std::min(arg.find(',', start), arg.size());
    if (!trim(arg.substr(start, end - start)).empty()) ++pieces;
    start = end + 1;
  }
  if (!tight_comma || pieces < 2) return {};
  return "--authorized-users: " + quoted_for_display(arg) +
         " is one voter id with commas in it; to authorize " + std::to_string(pieces) +
         " voters, give each as its own argument (--authorized-users alice bob carol) or list "
         "them in an --authorized-users-file";
}

}  // namespace vote::client
