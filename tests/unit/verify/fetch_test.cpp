// The pure part of fetching a record in chunks (include/vote/verify/fetch.hpp): replies that do
// not continue the record are refused.
#include <gtest/gtest.h>

#include "vote/verify/fetch.hpp"

namespace vv = vote::verify;

TEST(RecordChunks, RequestIsTheDocumentedObject) {
  EXPECT_EQ(vv::record_request("board", 262144),
            R"({"election_id":"board","offset":262144,"type":"record"})");
}

TEST(RecordChunks, DecodesChunksAndRefusals) {
  const auto c = vv::decode_record_reply(
      R"({"ok":true,"request_id":"","record":{"total_bytes":5,"offset":0,"data":"{\"a\""}})");
  ASSERT_TRUE(std::holds_alternative<vv::record_chunk>(c));
  EXPECT_EQ(std::get<vv::record_chunk>(c).data, "{\"a\"");
  const auto r = vv::decode_record_reply(
      R"({"ok":false,"error":{"code":"election_open","message":"still open"}})");
  ASSERT_TRUE(std::holds_alternative<vv::record_refusal>(r));
  EXPECT_EQ(std::get<vv::record_refusal>(r).code, "election_open");
  for (const char* bad : {"", "[]", R"({"ok":true})",
                          R"({"ok":true,"record":{"total_bytes":-1,"offset":0,"data":""}})",
                          R"({"ok":true,"record":{"total_bytes":1,"offset":0,"data":1}})"}) {
    EXPECT_TRUE(std::holds_alternative<vv::parse_error>(vv::decode_record_reply(bad))) << bad;
  }
}

TEST(RecordChunks, AssemblesInOrderAndRefusesGapsOverrunsAndChanges) {
  vv::record_assembler a(100);
  EXPECT_EQ(a.add({10, 0, "01234"}), std::nullopt);
  EXPECT_FALSE(a.complete());
  EXPECT_NE(a.add({10, 4, "x"}), std::nullopt);       // not where it was asked
  EXPECT_NE(a.add({11, 5, "x"}), std::nullopt);       // total changed
  EXPECT_NE(a.add({10, 5, "567890"}), std::nullopt);  // runs past the total
  EXPECT_NE(a.add({10, 5, ""}), std::nullopt);        // no progress
  EXPECT_EQ(a.add({10, 5, "56789"}), std::nullopt);
  EXPECT_TRUE(a.complete());
  EXPECT_EQ(a.take(), "0123456789");
  vv::record_assembler small(100);
  EXPECT_NE(small.add({101, 0, "x"}), std::nullopt);  // over the bound
}
