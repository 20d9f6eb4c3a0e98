// Voter rolls: the file of `register --authorized-users-file FILE` (docs/rolls.md).
//
// A roll is UTF-8 text, read line by line into voter ids (and weights), and every line that is
// not taken is reported with its line number and the reason: nothing is dropped silently.
//
//   * A UTF-8 byte order mark at the very start is stripped (had_bom). Lines end in LF or CRLF.
//   * Blank lines and lines whose first character after trimming is '#' are skipped (comments;
//     they are counted in `lines` but are neither voters nor problems).
//   * Plain list: one voter id per line. A line containing a comma is rejected ("contains a
//     comma: add a header line `voter,weight` for a CSV roll"): a list such as "alice,bob" is
//     never guessed to be one id, two ids or an id and a weight.
//   * CSV: when the first line that is not blank or a comment is, case-insensitively and with
//     each field trimmed, `voter` or `voter,weight` (the first column may also be named
//     `voter_id` or `id`), it is a header (had_header). With `weight` the roll has a weight
//     column (weighted) and every data line must have exactly two fields; with one column,
//     exactly one. Fields are separated by commas and trimmed; a field may be double-quoted as
//     in RFC 4180 ("smith, john", "say ""hi""") but cannot span lines. A roll whose first voter
//     is literally named `voter`, `voter_id` or `id` therefore needs a header line.
//   * Voter ids are trimmed (spaces and tabs) and NFC-normalised (vote::nfc), so "é" written
//     precomposed or as "e" + U+0301 is one voter. Rejected: empty, not valid UTF-8, containing
//     a control character (U+0000..U+001F, U+007F..U+009F), longer than max_id_bytes bytes
//     after normalisation.
//   * Weights: a decimal integer from 1 to max_weight, digits only (no sign, no spaces inside,
//     no decimal point). Without a weight column every voter has weight 1.
//   * A voter id seen before (after NFC) is a duplicate: the later line is reported in
//     `duplicates` ("duplicate of line N", N the line that was taken) and not taken, whatever
//     its weight.
//
// Pure functions apart from read_roll_file, which reads the whole file into memory first.
// parse_roll is linear in the size of the text (a million lines in well under a second).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vote::client {

struct roll_entry {
  std::string voter;         // trimmed, NFC
  std::uint64_t weight = 1;  // 1 without a weight column
  std::size_t line = 0;      // 1-based line of the file
};

struct roll_line_problem {
  std::size_t line = 0;  // 1-based
  std::string text;      // the line as read (no line end), cut to 80 bytes ("..." at the end)
  std::string reason;    // e.g. "empty voter id", "duplicate of line 3"
};

struct roll_report {
  std::vector<roll_entry> entries;            // in file order, NFC-normalised, trimmed
  std::vector<roll_line_problem> rejected;    // every line not taken, with the reason
  std::vector<roll_line_problem> duplicates;  // a voter seen before: reason names the first line
  std::size_t lines = 0;                      // lines read, blank lines and comments included
  bool had_bom = false;
  bool had_header = false;
  bool weighted = false;           // the header names a weight column
  std::uint64_t total_weight = 0;  // the sum of the entries' weights
};

struct roll_limits {
  std::size_t max_id_bytes = 128;        // per voter id, after NFC
  std::uint64_t max_weight = 1'000'000;  // per voter
};

// Reads the text of a roll. Never fails: problems are per line, in the report.
roll_report parse_roll(std::string_view text, const roll_limits& lim = {});

// Reads and parses a file. nullopt (with `error` set) only when it cannot be read.
std::optional<roll_report> read_roll_file(const std::string& path, std::string& error,
                                          const roll_limits& lim = {});

// One line: "read 1000003 lines: 1000000 voters (weighted, total weight 1000042), 2 rejected,
// 1 duplicate" ("(weighted, ...)" only for a weighted roll).
std::string roll_summary(const roll_report& r);

// Rejected and duplicate lines in line order, one display line each, at most `max_lines` of
// them, then "... and N more" when some were left out:
//   line 17: rejected: empty voter id: ",5"
//   line 20: duplicate of line 3: "alice"
// The line's text is quoted with control characters, invalid UTF-8 and invisible direction
// marks escaped (\t, \xNN, \u202E), so a roll cannot write escape sequences to a terminal.
std::vector<std::string> roll_problem_lines(const roll_report& r, std::size_t max_lines);

// A single --authorized-users argument "a,b,c" probably meant three voters: the warning text,
// or "" when the argument looks fine. It warns when the commas separate at least two non-blank
// pieces and some comma is directly followed by something other than a space ("a,b,c",
// "alice, bob,carol"); not for "smith, john" (comma and space: likely a "last, first" name), nor
// for "alice," or ",alice" (one piece).
std::string list_argument_warning(std::string_view arg);

}  // namespace vote::client
