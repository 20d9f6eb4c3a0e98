// vote-verify's library against records built here by an encoder of the test's own, following
// docs/record.md: nlohmann::json's dump() (keys sorted, no whitespace) for the canonical form,
// OpenSSL's one-shot EVP_Digest for SHA-256 and a bit-by-bit base32. Honest records must pass;
// every kind of tampering must fail the check that names it.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <nlohmann/json.hpp>

#include "vote/verify/codes.hpp"
#include "vote/verify/verify.hpp"

namespace {

using json = nlohmann::json;
namespace vv = vote::verify;

std::string sha256_bytes(std::string_view s) {
  unsigned char d[32];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(d), n);
}

std::string to_hex(std::string_view bytes) {
  std::string out;
  char buf[3];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

// base32 one bit at a time: an implementation unlike the library's.
std::string bitwise_base32(std::string_view bytes, std::size_t symbols) {
  const std::string alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  std::string out;
  for (std::size_t s = 0; s < symbols; ++s) {
    int v = 0;
    for (std::size_t b = 5 * s; b < 5 * s + 5; ++b) {
      const int bit =
          b / 8 < bytes.size() ? (static_cast<unsigned char>(bytes[b / 8]) >> (7 - b % 8)) & 1 : 0;
      v = 2 * v + bit;
    }
    out.push_back(alphabet[static_cast<std::size_t>(v)]);
  }
  return out;
}

std::string test_tracker(const std::string& election, const std::string& nonce,
                         const std::string& candidate) {
  const std::string ballot = json{{"candidate", candidate}}.dump();
  return bitwise_base32(sha256_bytes("vote-tracker/1\n" + election + "\n" + nonce + "\n" + ballot),
                        20);
}

std::string test_credential(const std::string& election, const std::string& code) {
  return to_hex(sha256_bytes("vote-credential/1\n" + election + "\n" + code));
}

// An election as the test sees it: who is on the roll, who voted for whom.
struct election {
  std::string id = "board-2026";
  std::vector<std::string> candidates{"Alice", "Bob", "Carol"};
  std::string tie_break = "none";
  std::vector<std::string> codes;    // one per voter on the roll
  std::vector<std::string> choices;  // choices[i]: voter i's candidate ("" = did not vote)
  std::string nonce(std::size_t i) const {
    return to_hex(sha256_bytes("n" + std::to_string(i))).substr(0, 32);
  }
};

election sample(std::vector<std::string> choices) {
  election e;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    e.codes.push_back(bitwise_base32(sha256_bytes("code" + std::to_string(i)), 16));
  }
  e.choices = std::move(choices);
  return e;
}

// The result docs/record.md describes, counted here.
json expected_result(const election& e, const json& ballots, std::size_t roll) {
  json tallies = json::object();
  for (const auto& c : e.candidates) tallies[c] = 0;
  for (const auto& b : ballots) {
    const std::string c = b["ballot"]["candidate"];
    tallies[c] = tallies.value(c, 0) + 1;
  }
  int top = 0;
  for (const auto& c : e.candidates) top = std::max(top, tallies[c].get<int>());
  std::vector<std::string> tied;
  for (const auto& c : e.candidates) {
    if (tallies[c].get<int>() == top) tied.push_back(c);
  }
  json winner = nullptr;
  bool tie = tied.size() > 1;
  if (!tie) {
    winner = tied.front();
    tied.clear();
  } else if (e.tie_break == "first_listed") {
    winner = tied.front();
  }
  return {{"eligible_voters", roll},      {"tallies", tallies}, {"tie", tie}, {"tied", tied},
          {"votes_cast", ballots.size()}, {"winner", winner}};
}

// Sets "digest" from the rest and returns the canonical bytes.
std::string seal(json r) {
  r.erase("digest");
  r["digest"] = to_hex(sha256_bytes(r.dump()));
  return r.dump();
}

json honest_json(const election& e) {
  std::vector<std::string> roll, used;
  json ballots = json::array();
  for (std::size_t i = 0; i < e.codes.size(); ++i) {
    roll.push_back(test_credential(e.id, e.codes[i]));
    if (e.choices[i].empty()) continue;
    used.push_back(roll.back());
    ballots.push_back({{"ballot", {{"candidate", e.choices[i]}}},
                       {"nonce", e.nonce(i)},
                       {"tracker", test_tracker(e.id, e.nonce(i), e.choices[i])}});
  }
  std::sort(roll.begin(), roll.end());
  std::sort(used.begin(), used.end());
  std::sort(ballots.begin(), ballots.end(),
            [](const json& a, const json& b) { return a["tracker"] < b["tracker"]; });
  json r = {{"ballots", ballots},
            {"candidates", e.candidates},
            {"closed_at_ms", 1764800000000},
            {"election_id", e.id},
            {"format", "vote-record/1"},
            {"result", expected_result(e, ballots, roll.size())},
            {"roll", roll},
            {"settings",
             {{"live_results", false},
              {"method", "plurality"},
              {"tie_break", e.tie_break},
              {"voters", "codes"}}},
            {"used", used}};
  return r;
}

const vv::check* find(const vv::record_checks& rc, std::string_view name) {
  for (const auto& c : rc.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<std::string> failed(const vv::record_checks& rc) {
  std::vector<std::string> out;
  for (const auto& c : rc.checks) {
    if (!c.passed) out.push_back(c.name);
  }
  return out;
}

using names = std::vector<std::string>;

class VerifyRecord : public ::testing::Test {
 protected:
  election e = sample({"Alice", "Bob", "Alice", "", "Carol", "Alice", ""});
  json record = honest_json(e);
};

}  // namespace

// --- fixed vectors, computed with coreutils and OpenSSL, not with this code --------------------
// T='tr ABCDEFGHIJKLMNOPQRSTUVWXYZ234567 23456789ABCDEFGHJKLMNPQRSTUVWXYZ' maps RFC 4648 base32
// (basenc --base32, same bit order, zero-padded last symbol) onto the code alphabet.

TEST(VerifyCodes, Base32MatchesRfc4648BitOrderOnTheCodeAlphabet) {
  // printf 'abc' | sha256sum | cut -c1-64 | xxd -r -p | basenc --base32 | $T
  EXPECT_EQ(vv::base32(vv::sha256::of("abc")),
            "RBW3FHWH299YNJC3A5H7VDK46GS28SF5LSDRP97N45ZQ5WJ24QQJ");
  // printf '\x01\x02\x03' | basenc --base32 | $T   -> 26328=== (24 bits: 4 symbols and a padded
  // one)
  const std::uint8_t three[] = {1, 2, 3};
  EXPECT_EQ(vv::base32(three, 3), "26328");
  EXPECT_EQ(vv::hex(vv::sha256::of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(VerifyCodes, CredentialTrackerCodeAndNonceMatchFixedVectors) {
  // printf 'vote-credential/1\nboard-2026\nK7QF9MZD3XTAPW2R' | sha256sum
  EXPECT_EQ(vv::public_credential("board-2026", "K7QF9MZD3XTAPW2R"),
            "7207639f079ff741e348af92ed56150bbda5586ae70962b2340fc7eb52acdaa8");
  EXPECT_EQ(vv::normalise_code("k7qf-9mzd 3xta-pw2r"), "K7QF9MZD3XTAPW2R");
  EXPECT_EQ(vv::normalise_code("K7QF-9MZD-3XTA-PW20"), std::nullopt);  // 0 is not a symbol
  // printf 'vote-tracker/1\nboard-2026\n00112233445566778899aabbccddeeff\n{"candidate":"Alice"}'
  //   | sha256sum | cut -c1-64 | xxd -r -p | basenc --base32 | $T | cut -c1-20
  EXPECT_EQ(vv::tracker("board-2026", "00112233445566778899aabbccddeeff",
                        vv::canonical_plurality_ballot("Alice")),
            "3G4VCMZSSUYRZQ4HN3HG");
  EXPECT_EQ(vv::group4("3G4VCMZSSUYRZQ4HN3HG"), "3G4V-CMZS-SUYR-ZQ4H-N3HG");
  // printf 'vote-code/1\nboard-2026\nann' | openssl dgst -sha256 -hmac 'secret-16-bytes!' -binary
  //   | basenc --base32 | $T | cut -c1-16
  EXPECT_EQ(vv::derived_code("secret-16-bytes!", "board-2026", "ann"), "BNZSZU3SYZFAFPT8");
  // printf 'vote-nonce/1\nboard-2026\nann\nr1' | sha256sum | cut -c1-32
  EXPECT_EQ(vv::fallback_nonce("board-2026", "ann", "r1"), "113f3994aedccc13a343aa7b2a659c4e");
}

TEST(VerifyCodes, CanonicalStringsEscapeLikeNlohmannDump) {
  for (const std::string& s : {std::string("plain"), std::string("q\"b\\s/"),
                               std::string("\b\f\n\r\t\x01\x1f\x7f"), std::string("Zoë 🗳")}) {
    std::string mine;
    vv::append_json_string(mine, s);
    EXPECT_EQ(mine, json(s).dump()) << s;
  }
}

// --- honest records ---------------------------------------------------------------------------

TEST_F(VerifyRecord, AcceptsAnHonestRecord) {
  const auto rc = vv::check_record(seal(record));
  EXPECT_EQ(failed(rc), names{});
  ASSERT_TRUE(rc.counted);
  EXPECT_EQ(rc.counted->winner, "Alice");
  EXPECT_EQ(rc.counted->ballots, 5u);
}

TEST_F(VerifyRecord, AcceptsTiesUnderBothRules) {
  e = sample({"Alice", "Bob", ""});
  EXPECT_EQ(failed(vv::check_record(seal(honest_json(e)))), names{});
  e.tie_break = "first_listed";
  const auto rc = vv::check_record(seal(honest_json(e)));
  EXPECT_EQ(failed(rc), names{});
  EXPECT_EQ(rc.counted->winner, "Alice");
  EXPECT_EQ(rc.counted->tied, (names{"Alice", "Bob"}));
}

TEST_F(VerifyRecord, AcceptsNamesThatNeedEscapesAndNonAscii) {
  e.candidates = {"Zoë \"Z\" \\", "Bob"};
  e.choices = {"Zoë \"Z\" \\", "Bob", "Zoë \"Z\" \\", "", "", "", ""};
  EXPECT_EQ(failed(vv::check_record(seal(honest_json(e)))), names{});
}

// --- tampering --------------------------------------------------------------------------------

TEST_F(VerifyRecord, RejectsAChangedBallot) {
  record["ballots"][0]["ballot"]["candidate"] =
      record["ballots"][0]["ballot"]["candidate"] == "Bob" ? "Carol" : "Bob";
  const auto rc = vv::check_record(seal(record));
  EXPECT_FALSE(find(rc, "trackers")->passed);
  EXPECT_FALSE(find(rc, "recount")->passed);
}

TEST_F(VerifyRecord, RejectsADroppedBallot) {
  record["ballots"].erase(2);
  EXPECT_EQ(failed(vv::check_record(seal(record))), (names{"counts", "votes_cast", "recount"}));
}

TEST_F(VerifyRecord, RejectsAnAddedBallot) {
  const std::string nonce(32, 'a');
  record["ballots"].push_back({{"ballot", {{"candidate", "Bob"}}},
                               {"nonce", nonce},
                               {"tracker", test_tracker(e.id, nonce, "Bob")}});
  std::sort(record["ballots"].begin(), record["ballots"].end(),
            [](const json& a, const json& b) { return a["tracker"] < b["tracker"]; });
  record["result"] = expected_result(e, record["ballots"], record["roll"].size());
  EXPECT_EQ(failed(vv::check_record(seal(record))), names{"counts"});
}

TEST_F(VerifyRecord, RejectsAChangedTally) {
  record["result"]["tallies"]["Bob"] = 2;
  EXPECT_EQ(failed(vv::check_record(seal(record))), names{"recount"});
}

TEST_F(VerifyRecord, RejectsAWinnerTheRecountDoesNotGive) {
  record["result"]["winner"] = "Carol";
  const auto rc = vv::check_record(seal(record));
  EXPECT_EQ(failed(rc), names{"recount"});
  EXPECT_NE(find(rc, "recount")->detail.find("winner"), std::string::npos);
}

TEST_F(VerifyRecord, RejectsABallotWithoutAUsedCredential) {
  record["used"].erase(0);
  EXPECT_EQ(failed(vv::check_record(seal(record))), names{"counts"});
}

TEST_F(VerifyRecord, RejectsAWrongDigest) {
  std::string bytes = seal(record);
  const auto at = bytes.find("\"digest\":\"") + 10;
  bytes[at] = bytes[at] == '0' ? '1' : '0';
  EXPECT_EQ(failed(vv::check_record(bytes)), names{"digest"});
}

TEST_F(VerifyRecord, RejectsATrackerThatDoesNotMatchItsBallot) {
  std::string t = record["ballots"][4]["tracker"];
  t.back() = t.back() == 'Z' ? 'Y' : 'Z';  // still sorted: it is the last ballot
  record["ballots"][4]["tracker"] = t;
  EXPECT_EQ(failed(vv::check_record(seal(record))), names{"trackers"});
}

TEST_F(VerifyRecord, RejectsBallotsOutOfTrackerOrderOrTwice) {
  std::swap(record["ballots"][0], record["ballots"][1]);
  EXPECT_EQ(failed(vv::check_record(seal(record))), names{"ballot_order"});
  record = honest_json(e);
  record["ballots"][1] = record["ballots"][0];
  EXPECT_FALSE(find(vv::check_record(seal(record)), "ballot_order")->passed);
}

TEST_F(VerifyRecord, RejectsAUsedCredentialNotOnTheRoll) {
  record["used"][0] = std::string(64, '0');
  EXPECT_EQ(failed(vv::check_record(seal(record))), names{"used"});
}

TEST_F(VerifyRecord, RejectsABallotForAnUnlistedCandidate) {
  e.choices[0] = "Mallory";
  record = honest_json(e);
  record["result"]["tallies"].erase("Mallory");
  // The recount ignores the ballot (it names no candidate); the candidates check names it.
  EXPECT_EQ(failed(vv::check_record(seal(record))), names{"candidates"});
}

TEST_F(VerifyRecord, RejectsWrongCountsInTheResult) {
  record["result"]["eligible_voters"] = 99;
  record["result"]["votes_cast"] = 4;
  EXPECT_EQ(failed(vv::check_record(seal(record))), (names{"eligible_voters", "votes_cast"}));
}

TEST_F(VerifyRecord, RejectsBytesThatAreNotCanonical) {
  const std::string bytes = seal(record);
  const std::string spaced = record.dump(1);  // same content, with whitespace
  const auto rc = vv::check_record(json::parse(bytes).dump(1));
  EXPECT_EQ(failed(rc), names{"canonical"});
  EXPECT_EQ(failed(vv::check_record(bytes + "\n")), names{"canonical"});
  std::string escaped = bytes;
  escaped.replace(escaped.find("\"Alice\""), 7, "\"\\u0041lice\"");
  EXPECT_EQ(failed(vv::check_record(escaped)), names{"canonical"});
}

TEST_F(VerifyRecord, RefusesUnknownMissingRepeatedAndMistypedMembers) {
  const std::string bytes = seal(record);
  auto parse_fails = [](const std::string& b) {
    const auto rc = vv::check_record(b);
    return rc.checks.size() == 1 && rc.checks[0].name == "parse" && !rc.checks[0].passed;
  };
  json extra = json::parse(bytes);
  extra["zzz"] = 1;
  EXPECT_TRUE(parse_fails(extra.dump()));
  json missing = json::parse(bytes);
  missing.erase("used");
  EXPECT_TRUE(parse_fails(missing.dump()));
  EXPECT_TRUE(parse_fails("{\"used\":[],\"used\":[]}"));
  json typed = json::parse(bytes);
  typed["result"]["votes_cast"] = -5;
  EXPECT_TRUE(parse_fails(typed.dump()));
  typed = json::parse(bytes);
  typed["ballots"][0]["nonce"] = "XYZ";
  EXPECT_TRUE(parse_fails(typed.dump()));
  EXPECT_TRUE(parse_fails("[1,2]"));
  EXPECT_TRUE(parse_fails(std::string(100000, '[')));
}

TEST_F(VerifyRecord, EveryPrefixOfAnHonestRecordIsRefusedWithoutACrash) {
  const std::string bytes = seal(record);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const auto rc = vv::check_record(bytes.substr(0, n));
    ASSERT_FALSE(rc.passed()) << n;
  }
}

// --- several copies ---------------------------------------------------------------------------

TEST_F(VerifyRecord, NamesTheServerWhoseCopyDiffersAndTheFirstDifferingByte) {
  const std::string good = seal(record);
  record["result"]["tallies"]["Bob"] = 2;
  const std::string bad = seal(record);
  const std::vector<vv::source> sources = {
      {"127.0.0.1:7001", good, ""}, {"127.0.0.1:7002", bad, ""}, {"127.0.0.1:7003", good, ""}};
  const vv::verdict v = vv::verify_sources(sources);
  EXPECT_EQ(v.exit_code(), vv::exit_failed);
  const auto& same = v.checks.back();
  EXPECT_EQ(same.name, "same_record");
  EXPECT_FALSE(same.passed);
  const auto mismatch = std::mismatch(good.begin(), good.end(), bad.begin()).first - good.begin();
  EXPECT_NE(same.detail.find("127.0.0.1:7002 differs from 127.0.0.1:7001 from byte " +
                             std::to_string(mismatch)),
            std::string::npos)
      << same.detail;
  EXPECT_EQ(same.detail.find("7003"), std::string::npos);
  EXPECT_NE(vv::verdict_line(v).find("recount [127.0.0.1:7002]"), std::string::npos);
}

TEST_F(VerifyRecord, IdenticalCopiesVerifyAndAnUnreadableOneIsExitThree) {
  const std::string good = seal(record);
  std::vector<vv::source> sources = {{"a", good, ""}, {"b", good, ""}};
  vv::verdict v =
      vv::verify_sources(sources, {.limits = {}, .election_id = "board-2026", .voter = {}});
  EXPECT_EQ(v.exit_code(), vv::exit_verified);
  EXPECT_EQ(
      vv::verdict_line(v).rfind(
          "VERIFIED: election board-2026, 5 ballots, winner Alice (Alice 3, Bob 1, Carol 1)", 0),
      0u)
      << vv::verdict_line(v);
  sources.push_back({"c", std::nullopt, "connection refused"});
  v = vv::verify_sources(sources);
  EXPECT_EQ(v.exit_code(), vv::exit_unreachable);
  v = vv::verify_sources(sources, {.limits = {}, .election_id = "other", .voter = {}});
  EXPECT_EQ(v.exit_code(), vv::exit_failed);
}

// --- receipts ---------------------------------------------------------------------------------

class VerifyReceipt : public VerifyRecord {
 protected:
  vv::record parsed() { return *vv::check_record(seal(record)).parsed; }
  std::string receipt_of(std::size_t voter, const std::string& candidate) {
    return json{{"ballot", {{"candidate", candidate}}},
                {"election_id", e.id},
                {"format", "vote-receipt/1"},
                {"nonce", e.nonce(voter)},
                {"tracker", vv::group4(test_tracker(e.id, e.nonce(voter), candidate))}}
        .dump();
  }
  vv::check check(const std::string& bytes) {
    const auto r = vv::parse_receipt(bytes);
    EXPECT_TRUE(std::holds_alternative<vv::receipt>(r));
    return vv::check_receipt(std::get<vv::receipt>(r), parsed());
  }
};

TEST_F(VerifyReceipt, FindsTheVotersBallot) {
  const auto c = check(receipt_of(1, "Bob"));
  EXPECT_TRUE(c.passed) << c.detail;
}

TEST_F(VerifyReceipt, ReportsATrackerThatIsNotInTheRecord) {
  const auto c = check(receipt_of(3, "Bob"));  // voter 3 did not vote
  EXPECT_FALSE(c.passed);
  EXPECT_NE(c.detail.find("is not in the record"), std::string::npos) << c.detail;
}

TEST_F(VerifyReceipt, ReportsAChoiceThatDiffers) {
  // The record holds voter 1's tracker with another choice: the server changed the ballot.
  const std::string t = test_tracker(e.id, e.nonce(1), "Bob");
  for (auto& b : record["ballots"]) {
    if (b["tracker"] == t) b["ballot"]["candidate"] = "Carol";
  }
  const auto c = check(receipt_of(1, "Bob"));
  EXPECT_FALSE(c.passed);
  EXPECT_NE(c.detail.find("the receipt says {\"candidate\":\"Bob\"}"), std::string::npos)
      << c.detail;
}

TEST_F(VerifyReceipt, ReportsAReceiptWhoseTrackerDoesNotRecompute) {
  json r = json::parse(receipt_of(1, "Bob"));
  r["ballot"]["candidate"] = "Alice";
  const auto c = check(r.dump());
  EXPECT_FALSE(c.passed);
  EXPECT_NE(c.detail.find("does not match its nonce and ballot"), std::string::npos) << c.detail;
}

TEST(VerifyReceiptFormat, RefusesMalformedReceipts) {
  EXPECT_TRUE(std::holds_alternative<vv::parse_error>(vv::parse_receipt("{}")));
  EXPECT_TRUE(std::holds_alternative<vv::parse_error>(vv::parse_receipt("not json")));
  EXPECT_TRUE(std::holds_alternative<vv::parse_error>(vv::parse_receipt(
      R"({"ballot":{"candidate":"A"},"election_id":"e","format":"vote-receipt/1","nonce":"00","tracker":"3G4V"})")));
}
