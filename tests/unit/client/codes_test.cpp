// The admin's codes file and the voter's receipt (include/vote/client/codes.hpp).
#include "vote/client/codes.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "vote/core/credentials.hpp"

namespace vote::client {
namespace {

TEST(Codes, RandomCodesAreWellFormedAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string code = random_code();
    ASSERT_EQ(credentials::normalize_code(code), code);
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 1000u);  // 80 bits: a repeat would mean a broken generator
  EXPECT_TRUE(credentials::is_nonce(random_nonce()));
  EXPECT_NE(random_nonce(), random_nonce());
}

TEST(Codes, DerivedCodesComeBackWithTheSameSecret) {
  const std::vector<std::string> voters = {"ann", "bob"};
  const auto a = make_codes(voters, "e1", std::string("0123456789abcdef"));
  const auto b = make_codes(voters, "e1", std::string("0123456789abcdef"));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].code, b[0].code);
  EXPECT_NE(a[0].code, a[1].code);
  EXPECT_NE(make_codes(voters, "e1", std::nullopt)[0].code,
            make_codes(voters, "e1", std::nullopt)[0].code);
}

TEST(Codes, TheCsvQuotesNamesAndReadsBack) {
  const std::vector<voter_code> codes = {{"Ann, \"the\" first", "K7QF9MZD3XTAPW2R"},
                                         {"bob", "2222222222222222"}};
  const std::string csv = codes_csv(codes);
  EXPECT_EQ(
      csv, "voter,code\n\"Ann, \"\"the\"\" first\",K7QF-9MZD-3XTA-PW2R\nbob,2222-2222-2222-2222\n");
  const auto back = parse_codes_csv(csv);
  ASSERT_TRUE(std::holds_alternative<std::vector<voter_code>>(back));
  const auto& rows = std::get<std::vector<voter_code>>(back);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].voter, codes[0].voter);
  EXPECT_EQ(rows[0].code, codes[0].code);
  EXPECT_EQ(std::get<std::string>(parse_codes_csv("voter,code\nbob,not-a-code\n")),
            "line 2: expected 'voter,CODE'");
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_codes_csv("name,code\n")));
}

TEST(Codes, TheCsvCarriesLinksInAThirdColumnAndReadsBack) {
  const std::vector<voter_code> codes = {
      {.voter = "Ann", .code = "K7QF9MZD3XTAPW2R", .url = "http://h/vote#e=a%2Cb&c=K7QF"},
      {.voter = "bob", .code = "2222222222222222", .url = "https://h:8443/vote#e=x&c=2222"}};
  const std::string csv = codes_csv(codes);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "voter,code,url");
  const auto back = parse_codes_csv(csv);
  ASSERT_TRUE(std::holds_alternative<std::vector<voter_code>>(back));
  const auto& rows = std::get<std::vector<voter_code>>(back);
  ASSERT_EQ(rows.size(), 2u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].voter, codes[i].voter);
    EXPECT_EQ(rows[i].code, codes[i].code);
    EXPECT_EQ(rows[i].url, codes[i].url);
  }
  // The two-column sheet still reads back, without links.
  const auto old =
      std::get<std::vector<voter_code>>(parse_codes_csv("voter,code\nbob,2222-2222-2222-2222\n"));
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].url, "");
  // Every row has as many fields as the header; other headers are refused.
  EXPECT_EQ(std::get<std::string>(parse_codes_csv("voter,code,url\nbob,2222-2222-2222-2222\n")),
            "line 2: expected 'voter,CODE,URL'");
  EXPECT_EQ(std::get<std::string>(parse_codes_csv("voter,code,url\nbob,2222-2222-2222-2222,\n")),
            "line 2: expected 'voter,CODE,URL'");
  EXPECT_EQ(
      std::get<std::string>(parse_codes_csv("voter,code\nbob,2222-2222-2222-2222,http://h\n")),
      "line 2: expected 'voter,CODE'");
  EXPECT_EQ(std::get<std::string>(parse_codes_csv("voter,code,url,extra\n")),
            "line 1: the header must be 'voter,code' or 'voter,code,url'");
}

TEST(Codes, PrivateFilesAreNewAndOwnerOnly) {
  const auto path =
      std::filesystem::temp_directory_path() / ("vote-codes-test-" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  ASSERT_EQ(write_private_file(path.string(), "secret\n"), "");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(write_private_file(path.string(), "other\n").find("exists already"), std::string::npos);
  EXPECT_EQ(read_small_file(path.string(), 100), "secret\n");
  EXPECT_FALSE(read_small_file(path.string(), 3));
  std::filesystem::remove(path);
}

TEST(Codes, AReceiptIsCanonicalJson) {
  const std::string r = receipt_json("e1", std::string(32, 'a'), "Ann", "TRACKER");
  const auto j = nlohmann::json::parse(r);
  EXPECT_EQ(j.dump(), r);
  EXPECT_EQ(j["format"], "vote-receipt/1");
  EXPECT_EQ(j["ballot"]["candidate"], "Ann");
}

}  // namespace
}  // namespace vote::client
