// Voter rolls: the format of docs/rolls.md, every rejection reason with its line, duplicates,
// the summary and the problem listing.
#include "vote/client/roll.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vote/client/request_id.hpp"

namespace vote::client {
namespace {

using strings = std::vector<std::string>;

strings voters_of(const roll_report& r) {
  strings out;
  for (const auto& e : r.entries) out.push_back(e.voter);
  return out;
}

// The only problem of a roll, as "line N: reason".
std::string only_rejection(const roll_report& r) {
  if (r.rejected.size() != 1 || !r.duplicates.empty()) return "not exactly one rejection";
  return "line " + std::to_string(r.rejected[0].line) + ": " + r.rejected[0].reason;
}

std::string rejection_of(std::string_view text, const roll_limits& lim = {}) {
  return only_rejection(parse_roll(text, lim));
}

TEST(Roll, PlainListOneVoterPerLine) {
  const auto r = parse_roll("alice\n  bob \t\ncarol");
  EXPECT_EQ(voters_of(r), (strings{"alice", "bob", "carol"}));
  EXPECT_EQ(r.lines, 3U);
  EXPECT_EQ(r.entries[1].line, 2U);
  EXPECT_EQ(r.entries[1].weight, 1U);
  EXPECT_EQ(r.total_weight, 3U);
  EXPECT_FALSE(r.had_bom || r.had_header || r.weighted);
  EXPECT_TRUE(r.rejected.empty());
}

TEST(Roll, EmptyTextHasNoLines) {
  const auto r = parse_roll("");
  EXPECT_EQ(r.lines, 0U);
  EXPECT_TRUE(r.entries.empty());
  EXPECT_EQ(parse_roll("\n").lines, 1U);
}

TEST(Roll, StripsTheByteOrderMarkOnlyAtTheStart) {
  const auto r = parse_roll(
      "\xEF\xBB\xBF"
      "alice\nbob\n");
  EXPECT_TRUE(r.had_bom);
  EXPECT_EQ(voters_of(r), (strings{"alice", "bob"}));
  EXPECT_EQ(r.lines, 2U);
  // A BOM elsewhere is U+FEFF inside an id, not a line end or a blank.
  EXPECT_FALSE(parse_roll("alice\n\xEF\xBB\xBF"
                          "bob\n")
                   .had_bom);
}

TEST(Roll, ByteOrderMarkBeforeAHeader) {
  const auto r = parse_roll("\xEF\xBB\xBFvoter,weight\r\nalice,2\r\n");
  EXPECT_TRUE(r.had_bom && r.had_header && r.weighted);
  EXPECT_EQ(voters_of(r), (strings{"alice"}));
}

TEST(Roll, CrlfAndLfLineEnds) {
  const auto r = parse_roll("alice\r\nbob\ncarol\r\n");
  EXPECT_EQ(voters_of(r), (strings{"alice", "bob", "carol"}));
  EXPECT_EQ(r.lines, 3U);
}

TEST(Roll, BlankLinesAndCommentsAreSkippedSilently) {
  const auto r = parse_roll("# staff\n\nalice\n   \n\t# interns\n\r\nbob\n#,commas, too\n");
  EXPECT_EQ(voters_of(r), (strings{"alice", "bob"}));
  EXPECT_EQ(r.entries[1].line, 7U);
  EXPECT_EQ(r.lines, 8U);
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_TRUE(r.duplicates.empty());
}

TEST(Roll, VoterHeaderMakesAOneColumnCsv) {
  const auto r = parse_roll("# roll\n\nvoter\n\"smith, john\"\nalice\n");
  EXPECT_TRUE(r.had_header);
  EXPECT_FALSE(r.weighted);
  EXPECT_EQ(voters_of(r), (strings{"smith, john", "alice"}));
  EXPECT_EQ(rejection_of("voter\nalice,3\n"), "line 2: expected 1 column, got 2");
}

TEST(Roll, HeaderIsMatchedCaseInsensitivelyInEveryForm) {
  for (const char* header :
       {"voter", "VOTER", "Voter_Id", "id", " ID ", "voter,weight", "Voter , WEIGHT",
        "voter_id,weight", "Id,Weight", "\"voter\",\"weight\""}) {
    const auto r = parse_roll(std::string(header) + "\nalice\n");
    EXPECT_TRUE(r.had_header) << header;
    EXPECT_EQ(r.weighted, std::string_view(header).find(',') != std::string_view::npos) << header;
  }
}

TEST(Roll, HeaderOnlyOnTheFirstDataLine) {
  const auto r = parse_roll("alice\nvoter\n");
  EXPECT_FALSE(r.had_header);
  EXPECT_EQ(voters_of(r), (strings{"alice", "voter"}));
  EXPECT_FALSE(parse_roll("name,weight\nalice,1\n").had_header);
}

TEST(Roll, WeightColumn) {
  const auto r = parse_roll("voter,weight\nalice,3\n bob , 0010 \n\"carol\",\"1\"\n");
  EXPECT_TRUE(r.weighted);
  ASSERT_EQ(voters_of(r), (strings{"alice", "bob", "carol"}));
  EXPECT_EQ(r.entries[0].weight, 3U);
  EXPECT_EQ(r.entries[1].weight, 10U);
  EXPECT_EQ(r.entries[2].weight, 1U);
  EXPECT_EQ(r.total_weight, 14U);
}

TEST(Roll, QuotedFieldsFollowRfc4180) {
  const auto r = parse_roll(
      "voter,weight\n\"smith, john\",2\n\"say \"\"hi\"\"\",1\n  \"padded\"  , 4\n\"\"\"\",1\n");
  EXPECT_EQ(voters_of(r), (strings{"smith, john", "say \"hi\"", "padded", "\""}));
  EXPECT_TRUE(r.rejected.empty());
}

TEST(Roll, RejectsACommaWithoutAHeader) {
  EXPECT_EQ(rejection_of("alice\nbob,3\n"),
            "line 2: contains a comma: add a header line `voter,weight` for a CSV roll");
}

TEST(Roll, RejectsMalformedCsvLines) {
  EXPECT_EQ(rejection_of("voter,weight\nalice,1\n\nbob,1,x\n"),
            "line 4: expected 2 columns, got 3");
  EXPECT_EQ(rejection_of("voter,weight\nalice\n"), "line 2: expected 2 columns, got 1");
  EXPECT_EQ(rejection_of("voter,weight\n\"alice,1\n"), "line 2: unterminated quoted field");
  EXPECT_EQ(rejection_of("voter,weight\n\"al\"ice,1\n"), "line 2: text after a closing quote");
  EXPECT_EQ(rejection_of("voter,weight\nal\"ice,1\n"), "line 2: quote inside an unquoted field");
}

TEST(Roll, RejectsBadVoterIds) {
  EXPECT_EQ(rejection_of("voter,weight\n ,5\n"), "line 2: empty voter id");
  EXPECT_EQ(rejection_of("voter\n\"  \"\n"), "line 2: empty voter id");
  EXPECT_EQ(rejection_of("alice\n\xC0\xAF\n"), "line 2: voter id is not valid UTF-8");
  EXPECT_EQ(rejection_of("a\xED\xA0\x80z\n"), "line 1: voter id is not valid UTF-8");
  EXPECT_EQ(rejection_of("alice\nbo\x01"
                         "b\n"),
            "line 2: voter id contains a control character");
  EXPECT_EQ(rejection_of("bo\tb\n"), "line 1: voter id contains a control character");
  EXPECT_EQ(rejection_of("bo\x7F"
                         "b\n"),
            "line 1: voter id contains a control character");
  EXPECT_EQ(rejection_of("bo\xC2\x85"
                         "b\n"),
            "line 1: voter id contains a control character");
  EXPECT_EQ(rejection_of("x\ny\nbo\rb\n"), "line 3: voter id contains a control character");
  EXPECT_EQ(rejection_of("voter\n\"a\tb\"\n"), "line 2: voter id contains a control character");
}

TEST(Roll, VoterIdLengthIsCountedAfterNfc) {
  const roll_limits lim{.max_id_bytes = 4};
  EXPECT_TRUE(parse_roll("abcd\n", lim).rejected.empty());
  EXPECT_EQ(rejection_of("abcde\n", lim), "line 1: voter id is longer than 4 bytes");
  // "ab" + "e" + U+0301 is 5 bytes as written, 4 in NFC ("ab" + U+00E9).
  EXPECT_TRUE(parse_roll("abe\xCC\x81\n", lim).rejected.empty());
  EXPECT_EQ(parse_roll(std::string(128, 'v')).entries.size(), 1U);
  EXPECT_EQ(rejection_of(std::string(129, 'v')), "line 1: voter id is longer than 128 bytes");
}

TEST(Roll, RejectsBadWeights) {
  const auto bad = [](std::string_view line) {
    return rejection_of("voter,weight\n" + std::string(line) + "\n");
  };
  EXPECT_EQ(bad("alice,"), "line 2: empty weight");
  EXPECT_EQ(bad("alice,0"), "line 2: weight out of range 1..1000000");
  EXPECT_EQ(bad("alice,1000001"), "line 2: weight out of range 1..1000000");
  EXPECT_EQ(bad("alice,99999999999999999999999"), "line 2: weight out of range 1..1000000");
  for (const char* w : {"-1", "+1", "1.5", "1 000", "x", "1e3", "0x10"}) {
    EXPECT_EQ(bad(std::string("alice,") + w), "line 2: weight is not a decimal integer") << w;
  }
  EXPECT_EQ(parse_roll("voter,weight\nalice,1000000\n").total_weight, 1'000'000U);
  EXPECT_EQ(rejection_of("voter,weight\nalice,11\n", {.max_weight = 10}),
            "line 2: weight out of range 1..10");
}

TEST(Roll, RejectedLinesKeepTheirTextCutForDisplay) {
  const auto r = parse_roll("ok\n  a,b  \r\n" + std::string(200, 'x') + ",1\n");
  ASSERT_EQ(r.rejected.size(), 2U);
  EXPECT_EQ(r.rejected[0].text, "  a,b  ");
  EXPECT_EQ(r.rejected[1].text, std::string(77, 'x') + "...");
  // The cut does not split a character: 76 bytes, then a two-byte "é" at 76..77.
  const auto accented = parse_roll(std::string(76, 'x') + "\xC3\xA9" + std::string(20, 'y') + ",");
  EXPECT_EQ(accented.rejected.at(0).text, std::string(76, 'x') + "...");
}

TEST(Roll, LaterLineOfAVoterIsADuplicate) {
  const auto r = parse_roll("alice\nbob\n\nalice\n  bob\n");
  EXPECT_EQ(voters_of(r), (strings{"alice", "bob"}));
  ASSERT_EQ(r.duplicates.size(), 2U);
  EXPECT_EQ(r.duplicates[0].line, 4U);
  EXPECT_EQ(r.duplicates[0].reason, "duplicate of line 1");
  EXPECT_EQ(r.duplicates[1].reason, "duplicate of line 2");
  EXPECT_TRUE(r.rejected.empty());
}

TEST(Roll, DuplicatesAreFoundAfterNfc) {
  const auto r = parse_roll("voter,weight\n\xC3\xA9mile,2\ne\xCC\x81mile,5\n");
  ASSERT_EQ(voters_of(r), (strings{"\xC3\xA9mile"}));
  EXPECT_EQ(r.total_weight, 2U);  // the first line's weight
  ASSERT_EQ(r.duplicates.size(), 1U);
  EXPECT_EQ(r.duplicates[0].line, 3U);
  EXPECT_EQ(r.duplicates[0].reason, "duplicate of line 2");
  EXPECT_EQ(voters_of(parse_roll("e\xCC\x81\n")), (strings{"\xC3\xA9"}));  // stored in NFC
}

TEST(Roll, RejectedLineDoesNotMakeALaterOneADuplicate) {
  const auto r = parse_roll("voter,weight\nalice,0\nalice,2\n");
  EXPECT_EQ(voters_of(r), (strings{"alice"}));
  EXPECT_EQ(r.entries[0].line, 3U);
  EXPECT_TRUE(r.duplicates.empty());
}

TEST(RollSummary, CountsLinesVotersRejectedAndDuplicates) {
  EXPECT_EQ(roll_summary(parse_roll("alice\nbob\nbob\na,b\n# c\n")),
            "read 5 lines: 2 voters, 1 rejected, 1 duplicate");
  EXPECT_EQ(roll_summary(parse_roll("alice")), "read 1 line: 1 voter, 0 rejected, 0 duplicates");
  EXPECT_EQ(roll_summary(parse_roll("voter,weight\nalice,40\nbob,2\nbob,1\nbob,3\n")),
            "read 5 lines: 2 voters (weighted, total weight 42), 0 rejected, 2 duplicates");
}

TEST(RollProblems, ListsRejectedAndDuplicatesInLineOrder) {
  const auto r = parse_roll("alice\n,\nalice\nb\x1B[31mob\n");
  EXPECT_EQ(roll_problem_lines(r, 10),
            (strings{"line 2: rejected: contains a comma: add a header line `voter,weight` for a "
                     "CSV roll: \",\"",
                     "line 3: duplicate of line 1: \"alice\"",
                     "line 4: rejected: voter id contains a control character: \"b\\x1B[31mob\""}));
}

TEST(RollProblems, EscapesWhatATerminalWouldInterpret) {
  const auto r = parse_roll("a\tb\n\"q\\\"\n\xFF\n\xE2\x80\xAEtxt.exe\n");
  const auto lines = roll_problem_lines(r, 10);
  ASSERT_EQ(lines.size(), 2U);  // a quote and U+202E (a format character) may be in an id
  EXPECT_EQ(lines[0], "line 1: rejected: voter id contains a control character: \"a\\tb\"");
  EXPECT_EQ(lines[1], "line 3: rejected: voter id is not valid UTF-8: \"\\xFF\"");
  const auto dup =
      roll_problem_lines(parse_roll("\xE2\x80\xAEx\n\xE2\x80\xAEx\n\"q\\\"\n\"q\\\"\n"), 5);
  EXPECT_EQ(dup, (strings{"line 2: duplicate of line 1: \"\\u202Ex\"",
                          "line 4: duplicate of line 3: \"\\\"q\\\\\\\"\""}));
}

TEST(RollProblems, CutWithACountOfTheRest) {
  std::string text = "voter,weight\n";
  for (int i = 0; i < 7; ++i) text += "v" + std::to_string(i) + ",0\n";
  text += "v1,1\nv1,1\nv1,1\n";  // one taken, two duplicates: 9 problems in all
  const auto r = parse_roll(text);
  const auto lines = roll_problem_lines(r, 3);
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[0], "line 2: rejected: weight out of range 1..1000000: \"v0,0\"");
  EXPECT_EQ(lines[3], "... and 6 more");
  EXPECT_EQ(roll_problem_lines(r, 0), (strings{"... and 9 more"}));
  EXPECT_EQ(roll_problem_lines(r, 9).size(), 9U);
  EXPECT_EQ(roll_problem_lines(r, 9).back(), "line 11: duplicate of line 9: \"v1,1\"");
  EXPECT_TRUE(roll_problem_lines(parse_roll("alice\n"), 3).empty());
}

TEST(ListArgumentWarning, WarnsForACommaSeparatedList) {
  const auto w = list_argument_warning("a,b,c");
  EXPECT_NE(w.find("\"a,b,c\""), std::string::npos) << w;
  EXPECT_NE(w.find("3 voters"), std::string::npos) << w;
  EXPECT_NE(w.find("--authorized-users-file"), std::string::npos) << w;
  EXPECT_NE(list_argument_warning("alice, bob,carol").find("3 voters"), std::string::npos);
  EXPECT_NE(list_argument_warning("alice,,bob").find("2 voters"), std::string::npos);
}

TEST(ListArgumentWarning, QuietForOneVoter) {
  EXPECT_EQ(list_argument_warning("alice"), "");
  EXPECT_EQ(list_argument_warning("smith, john"), "");
  EXPECT_EQ(list_argument_warning("alice,"), "");
  EXPECT_EQ(list_argument_warning(",alice"), "");
  EXPECT_EQ(list_argument_warning(""), "");
}

class roll_file {
 public:
  explicit roll_file(const std::string& text)
      : path_(std::filesystem::temp_directory_path() / ("vote-roll-test-" + make_request_id())) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~roll_file() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(RollFile, ReadsAndParsesAFile) {
  roll_file f("\xEF\xBB\xBFvoter,weight\r\nalice,2\r\nbob,3\r\n");
  std::string error;
  const auto r = read_roll_file(f.path(), error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(roll_summary(*r),
            "read 3 lines: 2 voters (weighted, total weight 5), 0 rejected, "
            "0 duplicates");
}

TEST(RollFile, UnreadableFileIsAnError) {
  std::string error;
  EXPECT_FALSE(read_roll_file("/nonexistent/roll.csv", error));
  EXPECT_NE(error.find("/nonexistent/roll.csv"), std::string::npos);
  error.clear();
  EXPECT_FALSE(read_roll_file(std::filesystem::temp_directory_path().string(), error));
  EXPECT_NE(error.find("directory"), std::string::npos) << error;
}

TEST(RollScale, TwoHundredThousandLines) {
  std::string text = "# generated\nvoter,weight\n";
  char line[64];
  for (int i = 1; i <= 200'000; ++i) {
    std::snprintf(line, sizeof line, "voter%07d,%d\r\n", i, i % 10 == 0 ? 0 : i % 3 + 1);
    text += line;
  }
  text += "voter0000001,1\nvoter0000002,1\n";
  const auto r = parse_roll(text);
  EXPECT_EQ(r.lines, 200'004U);
  EXPECT_EQ(r.entries.size(), 180'000U);
  EXPECT_EQ(r.rejected.size(), 20'000U);  // weight 0 on every tenth line
  EXPECT_EQ(r.duplicates.size(), 2U);
  std::uint64_t total = 0;
  for (int i = 1; i <= 200'000; ++i) total += i % 10 == 0 ? 0 : i % 3 + 1;
  EXPECT_EQ(r.total_weight, total);
  EXPECT_EQ(r.entries.back().voter, "voter0199999");
  EXPECT_EQ(r.duplicates[1].reason, "duplicate of line 4");
}

}  // namespace
}  // namespace vote::client
