// Client requests: round trips and hostile input (malformed JSON, nesting bombs, bad UTF-8, huge
// numbers, random mutations). Shape rules are in messages_test.cpp.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "unit/wire/mutate.hpp"
#include "vote/wire/messages.hpp"

namespace vote::wire {
namespace {

client_request round_trip(const client_request& r) {
  const std::string text = encode_request(r);
  auto d = decode_request(text);
  if (auto* e = std::get_if<decode_error>(&d)) {
    ADD_FAILURE() << e->message << " in " << text;
    return {};
  }
  return std::get<client_request>(d);
}

decode_error refused(std::string_view text) {
  auto d = decode_request(text);
  if (!std::holds_alternative<decode_error>(d)) {
    ADD_FAILURE() << "accepted: " << text;
    return {};
  }
  return std::get<decode_error>(d);
}

client_request request(request_type type, std::string request_id,
                       std::optional<command_body> body = std::nullopt) {
  client_request r;
  r.type = type;
  r.request_id = std::move(request_id);
  r.body = std::move(body);
  return r;
}

std::vector<client_request> sample_requests() {
  client_request reg =
      request(request_type::register_election, "req-1",
              register_cmd{"e1", {"Ann", "Bob"}, {"u1", "u2"}, tie_break::first_listed});
  reg.admin_token = "tok";
  client_request vote = request(request_type::vote, "req-2", vote_cmd{"e1", "u1", "Ann"});
  client_request close = request(request_type::close, "req-3", close_cmd{"e1"});
  client_request results = request(request_type::results, "");
  results.admin_token = "tok";
  results.election_id = "e1";
  client_request local_results = results;
  local_results.local = true;
  client_request unicode =
      request(request_type::vote, "r\"\\/\n\t\x01",
              vote_cmd{"\xc3\xa9lection \xe2\x9c\x93", "\xf0\x9f\x97\xb3", "\x7f"});
  client_request remove = request(request_type::remove_member, "req-4");
  remove.node_id = 18'446'744'073'709'551'615u;
  remove.admin_token = "tok";
  client_request transfer = request(request_type::transfer_leadership, "req-5");
  client_request transfer_to = transfer;
  transfer_to.node_id = 7;
  client_request force = request(request_type::force_new_cluster, "req-6");
  force.confirm = true;
  return {reg,     vote,          close,       request(request_type::status, ""),
          results, local_results, unicode,     request(request_type::cluster_status, ""),
          remove,  transfer,      transfer_to, force};
}

TEST(RequestCodec, EveryRequestRoundTrips) {
  for (const client_request& r : sample_requests()) {
    EXPECT_EQ(round_trip(r), r) << encode_request(r);
  }
}

TEST(RequestCodec, EncodeWritesOnlyTheFieldsOfTheType) {
  client_request vote = request(request_type::vote, "r", vote_cmd{"e", "u", "c"});
  vote.admin_token = "ignored-token";
  vote.election_id = "ignored-id";
  vote.node_id = 9;
  vote.local = true;
  vote.confirm = true;
  EXPECT_EQ(encode_request(vote),
            R"({"candidate":"c","election_id":"e","request_id":"r","type":"vote","voter":"u"})");
  EXPECT_EQ(encode_request(client_request{}), R"({"type":"status"})");
  vote.type = request_type::cluster_status;
  EXPECT_EQ(encode_request(vote), R"({"type":"cluster_status"})");
}

TEST(RequestCodec, AdminRequestsHaveTheDocumentedForm) {
  client_request remove = request(request_type::remove_member, "r");
  remove.node_id = 3;
  remove.admin_token = "t";
  EXPECT_EQ(encode_request(remove),
            R"({"admin_token":"t","node_id":3,"request_id":"r","type":"remove_member"})");
  client_request transfer = request(request_type::transfer_leadership, "r");
  transfer.confirm = true;  // not a field of transfer_leadership
  EXPECT_EQ(encode_request(transfer),
            R"({"node_id":0,"request_id":"r","type":"transfer_leadership"})");
  client_request force = request(request_type::force_new_cluster, "r");
  force.confirm = true;
  force.node_id = 4;  // not a field of force_new_cluster
  EXPECT_EQ(encode_request(force),
            R"({"confirm":true,"request_id":"r","type":"force_new_cluster"})");
  client_request results = request(request_type::results, "ignored");
  results.election_id = "e";
  results.local = true;
  EXPECT_EQ(encode_request(results), R"({"election_id":"e","local":true,"type":"results"})");
  results.local = false;
  EXPECT_EQ(encode_request(results), R"({"election_id":"e","type":"results"})");
}

TEST(RequestCodec, EncodeRefusesACommandWithoutAMatchingBody) {
  client_request bad = request(request_type::vote, "r", close_cmd{"e"});
  EXPECT_THROW((void)encode_request(bad), std::invalid_argument);
  bad.body.reset();
  EXPECT_THROW((void)encode_request(bad), std::invalid_argument);
}

TEST(RequestCodec, MalformedJsonIsABadRequest) {
  for (const char* text : {"", " ", "{", "}", R"({"type":})", R"({"type":"status"} x)",
                           R"({"type":"status",})", R"({type:"status"})", "{'type':'status'}",
                           R"({"type":"status"}{"type":"status"})", "nul", "\x00"}) {
    EXPECT_EQ(refused(text).code, errc::bad_request) << text;
  }
}

TEST(RequestCodec, NonObjectJsonIsABadRequest) {
  for (const char* text : {"[]", R"(["type","status"])", "\"status\"", "1", "null", "true"}) {
    const decode_error e = refused(text);
    EXPECT_EQ(e.code, errc::bad_request);
    EXPECT_NE(e.message.find("JSON object"), std::string::npos) << e.message;
  }
}

TEST(RequestCodec, NestingBombIsRefusedWithoutParsing) {
  const std::string bomb(1'000'000, '[');
  EXPECT_NE(refused(bomb).message.find("nested deeper"), std::string::npos);
  const std::string closed = std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_NE(refused(closed).message.find("nested deeper"), std::string::npos);
  const std::string objects = R"({"type":"status","x":)" + std::string(50, '{') + "}";
  EXPECT_NE(refused(objects).message.find("nested deeper"), std::string::npos);
}

TEST(RequestCodec, NestingUpToTheLimitIsOnlyAShapeError) {
  // Depth 8 (the object plus 7 arrays) parses; the request is refused for its unknown field.
  const std::string deep =
      R"({"type":"status","x":)" + std::string(7, '[') + std::string(7, ']') + "}";
  EXPECT_NE(refused(deep).message.find("unknown field 'x'"), std::string::npos);
  // Brackets inside strings do not count.
  const std::string in_string =
      R"({"type":"results","election_id":")" + std::string(100, '[') + R"(\"{{{{{{{{{{"})";
  EXPECT_FALSE(std::holds_alternative<decode_error>(decode_request(in_string)));
}

TEST(RequestCodec, InvalidUtf8IsABadRequest) {
  for (const std::string bad :
       {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\x80z", "\xe2\x9c"}) {
    const std::string in_value = R"({"type":"results","election_id":")" + bad + "\"}";
    EXPECT_EQ(refused(in_value).code, errc::bad_request);
    const std::string in_key = R"({"type":"status",")" + bad + "\":1}";
    EXPECT_EQ(refused(in_key).code, errc::bad_request);
  }
  // A lone surrogate escape is invalid too.
  EXPECT_EQ(refused(R"({"type":"results","election_id":"\ud800"})").code, errc::bad_request);
}

TEST(RequestCodec, HugeNumbersAreRefusedWithoutThrowing) {
  for (const char* n :
       {"1e999", "-1e999", "99999999999999999999999999", "1e-999", "-99999999999999999999"}) {
    const std::string text = std::string(R"({"type":"results","election_id":)") + n + "}";
    EXPECT_EQ(refused(text).code, errc::bad_request) << n;
  }
  EXPECT_EQ(refused(R"({"type":1e999})").code, errc::bad_request);
}

TEST(RequestCodec, DuplicateFieldsAreRefused) {
  const decode_error e = refused(R"({"type":"status","type":"status"})");
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_NE(e.message.find("duplicate field 'type'"), std::string::npos) << e.message;
  EXPECT_EQ(refused(R"({"type":"results","election_id":"a","election_id":"b"})").code,
            errc::bad_request);
}

TEST(RequestCodec, LongUnknownFieldNamesAreCutInTheMessage) {
  const std::string text = R"({"type":"status",")" + std::string(10'000, 'k') + "\":1}";
  const decode_error e = refused(text);
  EXPECT_LT(e.message.size(), 200u);
  EXPECT_NE(e.message.find("unknown field 'kkk"), std::string::npos);
}

void expect_stable(std::string_view text) {
  std::variant<client_request, decode_error> d;
  ASSERT_NO_THROW(d = decode_request(text));
  if (auto* r = std::get_if<client_request>(&d)) {
    // Whatever is accepted re-encodes to a request that decodes to the same value.
    auto again = decode_request(encode_request(*r));
    ASSERT_TRUE(std::holds_alternative<client_request>(again)) << text;
    ASSERT_EQ(std::get<client_request>(again), *r) << text;
  } else {
    ASSERT_FALSE(std::get<decode_error>(d).message.empty());
  }
}

TEST(RequestCodec, RandomGarbageNeverThrows) {
  std::mt19937 rng(test::fuzz_seed);
  for (int i = 0; i < 3000; ++i) {
    ASSERT_NO_FATAL_FAILURE(expect_stable(test::random_bytes(rng, 80))) << "iteration " << i;
  }
}

TEST(RequestCodec, RandomMutationsOfValidRequestsNeverThrow) {
  std::mt19937 rng(test::fuzz_seed);
  const auto samples = sample_requests();
  int accepted = 0;
  for (int i = 0; i < 6000; ++i) {
    const std::string valid = encode_request(samples[static_cast<std::size_t>(i) % samples.size()]);
    const std::string text = test::mutate(valid, rng);
    ASSERT_NO_FATAL_FAILURE(expect_stable(text)) << "iteration " << i << ": " << text;
    accepted += std::holds_alternative<client_request>(decode_request(text)) ? 1 : 0;
  }
  EXPECT_GT(accepted, 0);  // the mutations also reach the field checks, not only the parser
}

TEST(RequestCodec, RequestTypeNamesAreTheWireNames) {
  EXPECT_EQ(to_string(request_type::register_election), "register");
  EXPECT_EQ(to_string(request_type::vote), "vote");
  EXPECT_EQ(to_string(request_type::close), "close");
  EXPECT_EQ(to_string(request_type::results), "results");
  EXPECT_EQ(to_string(request_type::status), "status");
  EXPECT_EQ(to_string(request_type::cluster_status), "cluster_status");
  EXPECT_EQ(to_string(request_type::remove_member), "remove_member");
  EXPECT_EQ(to_string(request_type::transfer_leadership), "transfer_leadership");
  EXPECT_EQ(to_string(request_type::force_new_cluster), "force_new_cluster");
}

}  // namespace
}  // namespace vote::wire

namespace vote::wire {
namespace {

// nlohmann's parser treats a NUL byte as the end of input; the strict parser must not.
TEST(RequestCodec, BytesAfterANulAreNotIgnored) {
  const std::string valid = R"({"type":"status"})";
  ASSERT_TRUE(std::holds_alternative<client_request>(decode_request(valid)));
  const std::string smuggled = valid + std::string(1, '\0') + "junk";
  const auto d = decode_request(smuggled);
  ASSERT_TRUE(std::holds_alternative<decode_error>(d));
  EXPECT_EQ(std::get<decode_error>(d).code, errc::bad_request);
  const std::string response = R"({"ok":true,"request_id":"","message":"ok"})";
  ASSERT_TRUE(std::holds_alternative<client_response>(decode_response(response)));
  EXPECT_TRUE(
      std::holds_alternative<decode_error>(decode_response(response + std::string(1, '\0') + "x")));
}

}  // namespace
}  // namespace vote::wire
