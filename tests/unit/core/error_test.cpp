// Error codes: stable wire names and which outcomes may be unknown.
#include "vote/core/error.hpp"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace vote {
namespace {

TEST(Errc, EveryCodeRoundTripsThroughItsName) {
  for (int i = 0; i <= static_cast<int>(errc::internal); ++i) {
    const auto code = static_cast<errc>(i);
    EXPECT_EQ(errc_from_string(to_string(code)), code) << i;
  }
}

TEST(Errc, NamesAreTheSnakeCaseEnumNames) {
  EXPECT_EQ(to_string(errc::ok), "ok");
  EXPECT_EQ(to_string(errc::bad_request), "bad_request");
  EXPECT_EQ(to_string(errc::already_voted), "already_voted");
  EXPECT_EQ(to_string(errc::voter_not_authorized), "voter_not_authorized");
  EXPECT_EQ(to_string(errc::invalid_election), "invalid_election");
  EXPECT_EQ(to_string(errc::not_leader), "not_leader");
  EXPECT_EQ(to_string(errc::internal), "internal");
}

TEST(Errc, UnknownNamesAreRejected) {
  EXPECT_FALSE(errc_from_string("").has_value());
  EXPECT_FALSE(errc_from_string("Already_Voted").has_value());
  EXPECT_FALSE(errc_from_string("unknown").has_value());
}

TEST(Errc, OnlyClusterFailuresLeaveTheOutcomeUnknown) {
  for (const errc code : {errc::no_quorum, errc::timeout, errc::internal}) {
    EXPECT_TRUE(outcome_may_be_unknown(code)) << to_string(code);
  }
  // unavailable refuses a request the server did not propose: known not applied there.
  for (const errc code :
       {errc::ok, errc::not_leader, errc::unavailable, errc::bad_request, errc::already_voted,
        errc::election_closed, errc::unauthorized, errc::too_large}) {
    EXPECT_FALSE(outcome_may_be_unknown(code)) << to_string(code);
  }
}

}  // namespace
}  // namespace vote
