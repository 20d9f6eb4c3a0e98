// check_command(): the stateless shape checks and their messages.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vote/core/election.hpp"

namespace vote {
namespace {

class CheckCommandTest : public ::testing::Test {
 protected:
  outcome check_register(std::string id, std::vector<std::string> candidates,
                         std::vector<std::string> voters, std::string request_id = "r") const {
    return check_command(
        command{std::move(request_id), 0,
                register_cmd{std::move(id), std::move(candidates), std::move(voters)}},
        lim_);
  }
  outcome check_vote(std::string id, std::string voter, std::string candidate) const {
    return check_command(
        command{"r", 0, vote_cmd{std::move(id), std::move(voter), std::move(candidate)}}, lim_);
  }
  outcome check_close(std::string id) const {
    return check_command(command{"r", 0, close_cmd{std::move(id)}}, lim_);
  }
  static std::vector<std::string> numbered(const std::string& prefix, std::size_t n) {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
    return v;
  }

  limits lim_{.max_id_bytes = 128, .max_candidates = 5, .max_voters = 10};
};

void expect_refused(const outcome& o, errc code, const std::string& message) {
  EXPECT_EQ(o.code, code);
  EXPECT_EQ(o.message, message);
}

TEST_F(CheckCommandTest, WellFormedCommandsPass) {
  EXPECT_TRUE(check_register("e1", {"A", "B"}, {"v1", "v2"}).ok());
  EXPECT_TRUE(check_vote("e1", "v1", "A").ok());
  EXPECT_TRUE(check_close("e1").ok());
}

TEST_F(CheckCommandTest, EmptyElectionIdIsInvalid) {
  expect_refused(check_register("", {"A"}, {"v"}), errc::invalid_election,
                 "Error: election id is empty.");
  expect_refused(check_close(""), errc::invalid_election, "Error: election id is empty.");
}

TEST_F(CheckCommandTest, ElectionNeedsACandidate) {
  expect_refused(check_register("e1", {}, {"v"}), errc::invalid_election,
                 "Error: an election needs at least one candidate.");
}

TEST_F(CheckCommandTest, ElectionNeedsAnAuthorizedVoter) {
  expect_refused(check_register("e1", {"A"}, {}), errc::invalid_election,
                 "Error: an election needs at least one authorized voter.");
}

TEST_F(CheckCommandTest, DuplicateCandidateIsNamed) {
  expect_refused(check_register("e1", {"A", "B", "A"}, {"v"}), errc::invalid_election,
                 "Error: candidate 'A' is listed twice.");
}

TEST_F(CheckCommandTest, DuplicateVoterIsNamed) {
  expect_refused(check_register("e1", {"A"}, {"v1", "v2", "v1"}), errc::invalid_election,
                 "Error: voter 'v1' is listed twice.");
}

TEST_F(CheckCommandTest, TooManyCandidatesIsTooLarge) {
  EXPECT_TRUE(check_register("e1", numbered("c", 5), {"v"}).ok());
  expect_refused(check_register("e1", numbered("c", 6), {"v"}), errc::too_large,
                 "Error: too many candidates (6, at most 5).");
}

TEST_F(CheckCommandTest, TooManyVotersIsTooLarge) {
  EXPECT_TRUE(check_register("e1", {"A"}, numbered("v", 10)).ok());
  expect_refused(check_register("e1", {"A"}, numbered("v", 11)), errc::too_large,
                 "Error: too many voters (11, at most 10).");
}

TEST_F(CheckCommandTest, ListSizeIsCheckedBeforeDuplicates) {
  std::vector<std::string> voters(11, "same");
  EXPECT_EQ(check_register("e1", {"A"}, voters).code, errc::too_large);
}

TEST_F(CheckCommandTest, IdsUpToTheLimitPassAndLongerOnesAreTooLarge) {
  const std::string max(128, 'x');
  const std::string over(129, 'x');
  EXPECT_TRUE(check_vote(max, max, max).ok());
  expect_refused(check_vote("e1", over, "A"), errc::too_large,
                 "Error: voter id longer than 128 bytes.");
  expect_refused(check_vote("e1", "v", over), errc::too_large,
                 "Error: candidate name longer than 128 bytes.");
  expect_refused(check_close(over), errc::too_large, "Error: election id longer than 128 bytes.");
  expect_refused(check_register("e1", {over}, {"v"}), errc::too_large,
                 "Error: candidate name longer than 128 bytes.");
}

TEST_F(CheckCommandTest, ControlCharactersInIdsAreInvalid) {
  expect_refused(check_vote("e1", "v\n1", "A"), errc::invalid_election,
                 "Error: voter id contains a control character.");
  expect_refused(check_vote("e1", "v", std::string("A\0", 2)), errc::invalid_election,
                 "Error: candidate name contains a control character.");
  expect_refused(check_close("e\x7f"), errc::invalid_election,
                 "Error: election id contains a control character.");
  expect_refused(check_register("e1", {"A"}, {"ok", "bad\t"}), errc::invalid_election,
                 "Error: voter id contains a control character.");
}

TEST_F(CheckCommandTest, NonAsciiUtf8IdsPassAndMalformedUtf8IsInvalid) {
  EXPECT_TRUE(check_vote("wahl-\xC3\xBC", "J\xC3\xBCrgen", "\xE2\x82\xAC").ok());
  expect_refused(check_vote("e1", "v\xC3", "A"), errc::invalid_election,
                 "Error: voter id is not valid UTF-8.");
  EXPECT_EQ(check_vote("e1", "v", "\xC0\xAF").code, errc::invalid_election);      // overlong
  EXPECT_EQ(check_vote("e1", "v", "\xED\xA0\x80").code, errc::invalid_election);  // surrogate
}

TEST_F(CheckCommandTest, RequestIdMayBeEmptyButIsBounded) {
  EXPECT_TRUE(check_register("e1", {"A"}, {"v"}, "").ok());
  expect_refused(check_register("e1", {"A"}, {"v"}, std::string(129, 'r')), errc::too_large,
                 "Error: request id longer than 128 bytes.");
  expect_refused(check_register("e1", {"A"}, {"v"}, "r\r"), errc::invalid_election,
                 "Error: request id contains a control character.");
}

TEST_F(CheckCommandTest, EmptyVoteFieldsAreInvalid) {
  expect_refused(check_vote("e1", "", "A"), errc::invalid_election, "Error: voter id is empty.");
  expect_refused(check_vote("e1", "v", ""), errc::invalid_election,
                 "Error: candidate name is empty.");
  expect_refused(check_register("e1", {"A", ""}, {"v"}), errc::invalid_election,
                 "Error: candidate name is empty.");
}

TEST_F(CheckCommandTest, DefaultLimitsMatchTheDesign) {
  const limits lim;
  EXPECT_EQ(lim.max_id_bytes, 128U);
  EXPECT_EQ(lim.max_candidates, 1'000U);
  EXPECT_EQ(lim.max_voters, 10'000'000U);  // over all chunks (DESIGN.md §11)
}

}  // namespace
}  // namespace vote
