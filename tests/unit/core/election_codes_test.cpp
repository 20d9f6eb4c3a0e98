// Voting codes, trackers, sealed results and the public record (DESIGN.md §10,
// docs/record.md) in the election state machine.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "election_fixture.hpp"
#include "vote/core/credentials.hpp"

namespace vote::test {
namespace {

namespace cr = credentials;

// Expected values computed outside this code base:
//   printf 'vote-credential/1\ne1\nK7QF9MZD3XTAPW2R' | sha256sum
//   python3: base32 (the code alphabet) of SHA-256 / HMAC-SHA-256, as in docs/record.md.
TEST(Credentials, MatchValuesComputedIndependently) {
  EXPECT_EQ(cr::credential_of("e1", "K7QF9MZD3XTAPW2R"),
            "d5dd73687011eb83890043602dfdd5faa80be7b99e3b31ff163f357b0804e3c0");
  EXPECT_EQ(cr::tracker_of("e1", "0123456789abcdef0123456789abcdef", R"({"candidate":"A"})"),
            "6FHVGTLZUZC5CNVRLSMM");
  EXPECT_EQ(cr::derived_code("0123456789abcdef-secret", "e1", "alice"), "NGNQCU29KPW6HZSZ");
  EXPECT_EQ(cr::plurality_ballot("A"), R"({"candidate":"A"})");
}

TEST(Credentials, AlphabetHasNoLookAlikesAndCodesNormalise) {
  EXPECT_EQ(cr::alphabet.size(), 32u);
  for (const char c : std::string("01IO")) EXPECT_EQ(cr::alphabet.find(c), std::string::npos);
  EXPECT_EQ(cr::normalize_code("k7qf-9mzd 3xta-pw2r"), "K7QF9MZD3XTAPW2R");
  EXPECT_FALSE(cr::normalize_code("K7QF-9MZD-3XTA-PW2"));    // 15 symbols
  EXPECT_FALSE(cr::normalize_code("K7QF-9MZD-3XTA-PW2RR"));  // 17
  EXPECT_FALSE(cr::normalize_code("K7QF-9MZD-3XTA-PW2O"));   // O is not a symbol
  EXPECT_EQ(cr::group("K7QF9MZD3XTAPW2R"), "K7QF-9MZD-3XTA-PW2R");
}

TEST(Credentials, CodesCarryEightyBitsAndDerivedCodesAreReproducible) {
  std::array<std::uint8_t, 10> zero{};
  std::array<std::uint8_t, 10> ones{};
  ones.fill(0xff);
  EXPECT_EQ(cr::code_from_bytes(zero), "2222222222222222");
  EXPECT_EQ(cr::code_from_bytes(ones), "ZZZZZZZZZZZZZZZZ");
  // Every one of the 80 bits changes the code.
  std::set<std::string> seen;
  for (int bit = 0; bit < 80; ++bit) {
    std::array<std::uint8_t, 10> b{};
    b[static_cast<std::size_t>(bit / 8)] = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    seen.insert(cr::code_from_bytes(b));
  }
  EXPECT_EQ(seen.size(), 80u);
  EXPECT_EQ(cr::derived_code("s3cret-s3cret-s3cret", "e", "bob"),
            cr::derived_code("s3cret-s3cret-s3cret", "e", "bob"));
  EXPECT_NE(cr::derived_code("s3cret-s3cret-s3cret", "e", "bob"),
            cr::derived_code("s3cret-s3cret-s3cret", "e2", "bob"));
}

class CodesElection : public election_fixture {
 protected:
  std::string code(int i) const {
    return cr::derived_code("test-secret-0123", "e1", std::to_string(i));
  }
  std::string credential(int i, const std::string& election = "e1") const {
    return cr::credential_of(election, code(i));
  }
  void given_codes_election(bool live = false) {
    register_cmd r{"e1", {"A", "B"}, {}, tie_break::none};
    for (int i = 0; i < 4; ++i) r.voters.push_back(credential(i));
    r.mode = voter_mode::codes;
    r.live_results = live;
    ASSERT_TRUE(submit("reg", r).ok());
  }
  outcome vote_by_code(const std::string& credential_hex, const std::string& candidate,
                       const std::string& request_id, const std::string& nonce = "") {
    vote_cmd v{"e1", credential_hex, candidate};
    v.by_code = true;
    v.nonce = nonce;
    return submit(request_id, v);
  }
};

TEST_F(CodesElection, AVoteByCodeNamesNoVoterAndCarriesItsTracker) {
  given_codes_election();
  const std::string nonce = "00112233445566778899aabbccddeeff";
  const outcome o = vote_by_code(credential(0), "A", "r1", nonce);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(o.message, "Vote for 'A' has been registered.");
  EXPECT_EQ(o.tracker, cr::tracker_of("e1", nonce, cr::plurality_ballot("A")));
  // The retry of the same request: recorded, no candidate named, the tracker for its nonce.
  const outcome retry = vote_by_code(credential(0), "A", "r1", nonce);
  EXPECT_EQ(retry.message, "Your vote has been registered.");
  EXPECT_EQ(retry.tracker, o.tracker);
  EXPECT_TRUE(
      vote_by_code(credential(0), "A", "r1", "ffffffffffffffffffffffffffffffff").tracker.empty());
}

TEST_F(CodesElection, WrongReusedOtherElectionAndPlainIdsGetOneAnswer) {
  given_codes_election();
  ASSERT_TRUE(vote_by_code(credential(1), "B", "r1").ok());
  const outcome reused = vote_by_code(credential(1), "A", "r2");
  const outcome wrong = vote_by_code(cr::credential_of("e1", "2222222222222222"), "A", "r3");
  const outcome other = vote_by_code(credential(2, "e9"), "A", "r4");
  // A plain vote naming a credential as its voter id never stands for the code.
  const outcome plain = vote("e1", credential(2), "A", "r5");
  for (const outcome* o : {&reused, &wrong, &other}) {
    EXPECT_EQ(o->code, errc::voter_not_authorized);
    EXPECT_EQ(o->message, reused.message);
  }
  EXPECT_EQ(plain.code, errc::voter_not_authorized);
  EXPECT_EQ(reused.message,
            "Error: this code is not valid for this election, or it has already been used.");
  EXPECT_EQ(votes_for("e1", "B"), 1u);
  EXPECT_EQ(votes_for("e1", "A"), 0u);
}

TEST_F(CodesElection, ACodeVoteToAnIdsElectionIsRefusedTheSameWay) {
  given_open_election();
  vote_cmd v{"e1", cr::credential_of("e1", "2222222222222222"), "A"};
  v.by_code = true;
  EXPECT_EQ(submit("r", v).message,
            "Error: this code is not valid for this election, or it has already been used.");
}

TEST_F(CodesElection, OpenResultsAreSealedUnlessRegisteredLive) {
  given_codes_election();
  ASSERT_TRUE(vote_by_code(credential(0), "A", "r1").ok());
  const auto sealed = state_.published_result_of("e1");
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(sealed->sealed);
  EXPECT_EQ(sealed->votes_cast, 1u);
  for (const tally& t : sealed->tallies) EXPECT_EQ(t.votes, 0u);
  EXPECT_FALSE(sealed->winner);
  ASSERT_TRUE(close("e1").ok());
  const auto closed = state_.published_result_of("e1");
  EXPECT_FALSE(closed->sealed);
  EXPECT_EQ(closed->tallies[0].votes, 1u);
}

TEST_F(CodesElection, LiveResultsShowTalliesWhileOpen) {
  given_codes_election(true);
  ASSERT_TRUE(vote_by_code(credential(0), "A", "r1").ok());
  const auto live = state_.published_result_of("e1");
  EXPECT_FALSE(live->sealed);
  EXPECT_EQ(live->tallies[0].votes, 1u);
}

TEST_F(CodesElection, TheRecordSeparatesWhoTookPartFromWhatWasChosen) {
  given_codes_election();
  EXPECT_FALSE(state_.record_of("e1").bytes);  // open: no record yet
  EXPECT_TRUE(state_.record_of("e1").known);
  EXPECT_FALSE(state_.record_of("nope").known);
  ASSERT_TRUE(vote_by_code(credential(2), "B", "r1").ok());
  ASSERT_TRUE(vote_by_code(credential(0), "A", "r2").ok());
  ASSERT_TRUE(vote_by_code(credential(3), "B", "r3").ok());
  ASSERT_TRUE(close("e1").ok());
  const auto bytes = state_.record_of("e1").bytes;
  ASSERT_TRUE(bytes);
  nlohmann::json j = nlohmann::json::parse(*bytes);
  EXPECT_EQ(j.dump(), *bytes);  // canonical: sorted keys, no whitespace
  const std::string digest = j["digest"];
  j.erase("digest");
  EXPECT_EQ(digest, cr::hex(cr::sha256(j.dump())));
  EXPECT_EQ(j["format"], "vote-record/1");
  EXPECT_EQ(j["settings"]["voters"], "codes");
  EXPECT_EQ(j["roll"].size(), 4u);
  std::vector<std::string> used{credential(0), credential(2), credential(3)};
  std::sort(used.begin(), used.end());
  EXPECT_EQ(j["used"], nlohmann::json(used));
  ASSERT_EQ(j["ballots"].size(), 3u);
  std::vector<std::string> trackers;
  for (const auto& b : j["ballots"]) {
    EXPECT_EQ(b.size(), 3u);  // ballot, nonce, tracker: no credential beside a choice
    EXPECT_EQ(b["tracker"],
              cr::tracker_of("e1", b["nonce"].get<std::string>(), b["ballot"].dump()));
    trackers.push_back(b["tracker"]);
  }
  EXPECT_TRUE(std::is_sorted(trackers.begin(), trackers.end()));
  EXPECT_EQ(j["result"]["tallies"]["B"], 2);
  EXPECT_EQ(j["result"]["winner"], "B");
  // Equal on a replica restored from a snapshot.
  const auto restored = election_state::restore(state_.snapshot());
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->record_of("e1").bytes, bytes);
}

TEST_F(CodesElection, AVersionOneSnapshotRestoresWithDerivedNonces) {
  const std::string v1 =
      R"({"format":"vote-state","version":1,"elections":[{"id":"e","candidates":["A"],)"
      R"("tie_break":"none","register_request_id":"","voters":[["v1",0,"q1"],["v2",-1,""]],)"
      R"("result":null}]})";
  const auto state = election_state::restore(v1);
  ASSERT_TRUE(state);
  auto copy = *state;
  ASSERT_TRUE(copy.apply(command{"", 5, close_cmd{"e"}}).ok());
  const auto record = nlohmann::json::parse(*copy.record_of("e").bytes);
  EXPECT_EQ(record["ballots"][0]["nonce"], cr::default_nonce("e", "v1", "q1"));
  EXPECT_EQ(record["settings"]["voters"], "ids");
}

TEST(CommandCodec, NewFieldsRoundTripAndOldEntriesStillRead) {
  register_cmd r{"e", {"A"}, {std::string(64, 'a')}, tie_break::none};
  r.mode = voter_mode::codes;
  r.live_results = true;
  vote_cmd v{"e", std::string(64, 'a'), "A"};
  v.by_code = true;
  v.nonce = std::string(32, 'b');
  for (const command& c : {command{"r", 1, r}, command{"q", 2, v}}) {
    EXPECT_EQ(decode_command(encode_command(c)), c);
  }
  const auto old = decode_command(
      R"({"op":"vote","request_id":"q","ts":3,"election_id":"e","voter":"v","candidate":"A"})");
  ASSERT_TRUE(old);
  EXPECT_FALSE(std::get<vote_cmd>(old->body).by_code);
  // A default written explicitly is not the canonical form: refused.
  EXPECT_FALSE(decode_command(
      R"({"op":"vote","request_id":"q","ts":3,"election_id":"e","voter":"v","candidate":"A","by_code":false})"));
}

}  // namespace
}  // namespace vote::test
