// register's roll in chunks and vote-admin add-voters (include/vote/client/registration.hpp).
#include "vote/client/registration.hpp"

#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "vote/client/codes.hpp"
#include "vote/core/credentials.hpp"
#include "vote/wire/frame.hpp"

namespace vote::client {
namespace {

register_cmd election_with(std::size_t voters, bool weighted) {
  register_cmd cmd;
  cmd.election_id = "big";
  cmd.candidates = {"A", "B"};
  for (std::size_t i = 0; i < voters; ++i) {
    cmd.voters.push_back("voter-" + std::to_string(i) + (i % 7 == 0 ? "-\"quoted\"" : ""));
    if (weighted) cmd.weights.push_back(1 + i % 5);
  }
  return cmd;
}

// Every request, encoded with a request id and a long admin token, fits one frame; together
// they carry every voter once, in order, each with its own weight.
void expect_whole_roll(const std::vector<wire::client_request>& requests, const register_cmd& cmd) {
  std::vector<std::string> voters;
  std::vector<std::uint64_t> weights;
  for (std::size_t k = 0; k < requests.size(); ++k) {
    wire::client_request r = requests[k];
    r.request_id = std::string(64, 'r');
    r.admin_token = std::string(512, 't');
    EXPECT_LE(wire::encode_request(r).size(), wire::default_max_frame_payload) << "request " << k;
    const bool last = k + 1 == requests.size();
    if (const auto* reg = std::get_if<register_cmd>(&*r.body)) {
      EXPECT_EQ(k, 0u);
      EXPECT_EQ(reg->more_voters, !last);
      voters.insert(voters.end(), reg->voters.begin(), reg->voters.end());
      weights.insert(weights.end(), reg->weights.begin(), reg->weights.end());
    } else {
      const auto& add = std::get<add_voters_cmd>(*r.body);
      EXPECT_EQ(r.type, wire::request_type::add_voters);
      EXPECT_EQ(add.election_id, cmd.election_id);
      EXPECT_EQ(add.more_voters, !last) << "request " << k;
      EXPECT_FALSE(add.voters.empty());
      EXPECT_EQ(add.weights.empty(), cmd.weights.empty());
      voters.insert(voters.end(), add.voters.begin(), add.voters.end());
      weights.insert(weights.end(), add.weights.begin(), add.weights.end());
    }
  }
  EXPECT_EQ(voters, cmd.voters);
  EXPECT_EQ(weights, cmd.weights);
}

TEST(Registration, ASmallRollIsOneRegisterRequest) {
  const register_cmd cmd = election_with(1000, false);
  const auto requests = registration_requests(cmd);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].type, wire::request_type::register_election);
  expect_whole_roll(requests, cmd);
}

TEST(Registration, ALargeRollGoesInChunksThatEachFitAFrame) {
  for (const bool weighted : {false, true}) {
    const register_cmd cmd = election_with(200'000, weighted);
    const auto requests = registration_requests(cmd);
    EXPECT_GE(requests.size(), 4u) << "weighted=" << weighted;
    expect_whole_roll(requests, cmd);
  }
}

TEST(Registration, AVoterLargerThanTheRoomStillTravelsAlone) {
  register_cmd cmd = election_with(3, false);
  const auto requests = registration_requests(cmd, 1);  // no room at all: one voter per request
  ASSERT_EQ(requests.size(), 3u);
  std::vector<std::string> voters;
  for (const auto& r : requests) {
    if (const auto* reg = std::get_if<register_cmd>(&*r.body)) {
      voters.insert(voters.end(), reg->voters.begin(), reg->voters.end());
    } else {
      const auto& add = std::get<add_voters_cmd>(*r.body);
      voters.insert(voters.end(), add.voters.begin(), add.voters.end());
    }
  }
  EXPECT_EQ(voters, cmd.voters);
}

TEST(Registration, AddVotersChunksEndWithTheOneThatCompletesTheRoll) {
  add_voters_cmd cmd;
  cmd.election_id = "e";
  for (int i = 0; i < 150'000; ++i) {
    cmd.voters.push_back("late-voter-" + std::to_string(i));
    cmd.weights.push_back(2);
  }
  const auto requests = add_voters_requests(cmd);
  ASSERT_GE(requests.size(), 2u);
  std::size_t total = 0;
  for (std::size_t k = 0; k < requests.size(); ++k) {
    EXPECT_EQ(requests[k].type, wire::request_type::add_voters);
    const auto& add = std::get<add_voters_cmd>(*requests[k].body);
    EXPECT_EQ(add.more_voters, k + 1 < requests.size());
    EXPECT_EQ(add.voters.size(), add.weights.size());
    EXPECT_EQ(add.voters.front(), cmd.voters[total]);
    total += add.voters.size();
  }
  EXPECT_EQ(total, cmd.voters.size());
  EXPECT_EQ(add_voters_requests(add_voters_cmd{.election_id = "e", .voters = {"x"}}).size(), 1u);
}

class RollFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("registration-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(RollFiles, CollectingDropsDuplicatesAcrossArgumentsAndFileAndKeepsWeights) {
  roll_options o;
  o.listed = {"ann", "bob,carl"};
  o.file = write("roll.csv", "voter,weight\nann,3\ndora,2\n");
  auto got = collect_roll(o);
  ASSERT_TRUE(std::holds_alternative<collected_roll>(got)) << std::get<std::string>(got);
  const auto& roll = std::get<collected_roll>(got);
  EXPECT_EQ(roll.voters, (std::vector<std::string>{"ann", "bob,carl", "dora"}));
  EXPECT_EQ(roll.weights, (std::vector<std::uint64_t>{1, 1, 2}));
  std::string notes;
  for (const auto& n : roll.notes) notes += n + "\n";
  EXPECT_NE(notes.find("Warning:"), std::string::npos) << notes;  // "bob,carl" looks like a list
  EXPECT_NE(notes.find("line 2: voter 'ann' is also in --authorized-users"), std::string::npos)
      << notes;
}

TEST_F(RollFiles, ARejectedLineRefusesTheRollUnlessSkipped) {
  roll_options o;
  o.file = write("roll.csv", "voter,weight\nann,1\nbob,zero\n");
  auto refused = collect_roll(o);
  ASSERT_TRUE(std::holds_alternative<std::string>(refused));
  EXPECT_NE(std::get<std::string>(refused).find("--skip-invalid-lines"), std::string::npos);
  o.skip_invalid = true;
  auto kept = collect_roll(o);
  ASSERT_TRUE(std::holds_alternative<collected_roll>(kept));
  EXPECT_EQ(std::get<collected_roll>(kept).voters, std::vector<std::string>{"ann"});
  EXPECT_TRUE(std::holds_alternative<std::string>(collect_roll(roll_options{})));
}

TEST_F(RollFiles, VoterCodesReplaceNamesByCredentialsThatKeepTheirWeights) {
  std::vector<std::string> voters = {"ann", "bob", "carl"};
  std::vector<std::uint64_t> weights = {5, 1, 2};
  const std::string codes_file = (dir_ / "codes.csv").string();
  std::string error;
  auto note = use_voter_codes("e1", voters, weights, codes_file, "", "", error);
  ASSERT_TRUE(note) << error;
  EXPECT_NE(note->find("Wrote 3 voting codes"), std::string::npos);
  EXPECT_TRUE(std::is_sorted(voters.begin(), voters.end()));
  auto text = read_small_file(codes_file, 1 << 20);
  ASSERT_TRUE(text);
  const auto codes = std::get<std::vector<voter_code>>(parse_codes_csv(*text));
  ASSERT_EQ(codes.size(), 3u);
  const std::map<std::string, std::uint64_t> expected = {{"ann", 5}, {"bob", 1}, {"carl", 2}};
  for (const auto& c : codes) {
    const auto credential = credentials::credential_of("e1", c.code);
    const auto at = std::find(voters.begin(), voters.end(), credential) - voters.begin();
    ASSERT_LT(static_cast<std::size_t>(at), voters.size()) << c.voter;
    EXPECT_EQ(weights[static_cast<std::size_t>(at)], expected.at(c.voter)) << c.voter;
  }

  // A retry with the same voters reuses the file; other voters are refused, never overwritten.
  std::vector<std::string> again = {"carl", "ann", "bob"};
  std::vector<std::uint64_t> no_weights;
  auto reused = use_voter_codes("e1", again, no_weights, codes_file, "", "", error);
  ASSERT_TRUE(reused) << error;
  EXPECT_NE(reused->find("Reusing"), std::string::npos);
  std::vector<std::string> sorted = voters;
  EXPECT_EQ(again, sorted);
  std::vector<std::string> others = {"dora"};
  EXPECT_FALSE(use_voter_codes("e1", others, no_weights, codes_file, "", "", error));
  EXPECT_NE(error.find("other voters"), std::string::npos);
}

TEST_F(RollFiles, ACodeUrlAddsLinksAndAPrivateSheetThatIsNeverOverwritten) {
  std::vector<std::string> voters = {"ann", "bob"};
  std::vector<std::uint64_t> weights;
  const std::string codes_file = (dir_ / "codes.csv").string();
  const std::string sheet = (dir_ / "codes.html").string();
  std::string error;
  auto note = use_voter_codes("board 2026", voters, weights, codes_file, "",
                              "http://127.0.0.1:8080/", error);
  ASSERT_TRUE(note) << error;
  EXPECT_NE(note->find(sheet), std::string::npos);
  const auto codes = std::get<std::vector<voter_code>>(
      parse_codes_csv(read_small_file(codes_file, 1 << 20).value_or("")));
  ASSERT_EQ(codes.size(), 2u);
  EXPECT_EQ(codes[0].url,
            "http://127.0.0.1:8080/vote#e=board%202026&c=" + credentials::group(codes[0].code));
  const auto html = read_small_file(sheet, 1 << 20);
  ASSERT_TRUE(html);
  EXPECT_NE(html->find(credentials::group(codes[1].code)), std::string::npos);
  EXPECT_EQ(std::filesystem::status(sheet).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  // A retry keeps both files as they are.
  std::vector<std::string> again = {"bob", "ann"};
  auto reused =
      use_voter_codes("board 2026", again, weights, codes_file, "", "http://127.0.0.1:8080", error);
  ASSERT_TRUE(reused) << error;
  EXPECT_NE(reused->find("Kept " + sheet), std::string::npos);
  EXPECT_EQ(read_small_file(sheet, 1 << 20), html);

  // A new CSV beside an old sheet is refused before anything is written.
  std::filesystem::remove(codes_file);
  std::vector<std::string> fresh = {"carl"};
  EXPECT_FALSE(use_voter_codes("board 2026", fresh, weights, codes_file, "",
                               "http://127.0.0.1:8080", error));
  EXPECT_NE(error.find("never overwritten"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(codes_file));

  // A bad URL is a usage error naming the flag, and writes nothing.
  EXPECT_FALSE(use_voter_codes("e1", fresh, weights, (dir_ / "other.csv").string(), "",
                               "ftp://127.0.0.1", error));
  EXPECT_EQ(error.rfind("--code-url: ", 0), 0u) << error;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "other.csv"));
}

}  // namespace
}  // namespace vote::client
