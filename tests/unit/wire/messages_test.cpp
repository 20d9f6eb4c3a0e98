// Client request codec: shape checks, limits and hostile input (responses: response_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "unit/wire/mutate.hpp"
#include "vote/wire/messages.hpp"

namespace vote::wire {
namespace {

using nlohmann::json;

struct request_case {
  std::string name;
  json valid;
  std::vector<std::string> required;
  std::vector<std::string> string_fields;
  std::vector<std::string> list_fields;
};

std::vector<request_case> every_request_type() {
  return {
      {"register",
       {{"type", "register"},
        {"request_id", "r1"},
        {"election_id", "e1"},
        {"candidates", {"A", "B"}},
        {"voters", {"u1", "u2"}},
        {"tie_break", "first_listed"},
        {"admin_token", "secret"}},
       {"type", "request_id", "election_id", "candidates", "voters"},
       {"request_id", "election_id", "tie_break", "admin_token"},
       {"candidates", "voters"}},
      {"vote",
       {{"type", "vote"},
        {"request_id", "r2"},
        {"election_id", "e1"},
        {"voter", "u1"},
        {"candidate", "A"}},
       {"type", "request_id", "election_id", "voter", "candidate"},
       {"request_id", "election_id", "voter", "candidate"},
       {}},
      {"close",
       {{"type", "close"}, {"request_id", "r3"}, {"election_id", "e1"}, {"admin_token", "s"}},
       {"type", "request_id", "election_id"},
       {"request_id", "election_id", "admin_token"},
       {}},
      {"results",
       {{"type", "results"}, {"election_id", "e1"}, {"admin_token", "s"}},
       {"type", "election_id"},
       {"election_id", "admin_token"},
       {}},
      {"status", {{"type", "status"}}, {"type"}, {}, {}},
  };
}

client_request decoded(std::string_view text, const limits& lim = {}) {
  auto d = decode_request(text, lim);
  if (auto* e = std::get_if<decode_error>(&d)) {
    ADD_FAILURE() << "refused: " << e->message << " in " << text;
    return {};
  }
  return std::get<client_request>(d);
}

decode_error refused(std::string_view text, const limits& lim = {}) {
  auto d = decode_request(text, lim);
  if (!std::holds_alternative<decode_error>(d)) {
    ADD_FAILURE() << "accepted: " << text;
    return {};
  }
  return std::get<decode_error>(d);
}

void expect_refused(const json& j, errc code, std::string_view mention, const limits& lim = {}) {
  const decode_error e = refused(j.dump(), lim);
  EXPECT_EQ(e.code, code) << j.dump() << " -> " << e.message;
  EXPECT_NE(e.message.find(mention), std::string::npos) << e.message;
}

TEST(Request, EveryTypeDecodesItsFields) {
  const client_request reg = decoded(every_request_type()[0].valid.dump());
  EXPECT_EQ(reg.type, request_type::register_election);
  EXPECT_EQ(reg.request_id, "r1");
  EXPECT_EQ(reg.admin_token, "secret");
  EXPECT_EQ(reg.body,
            command_body(register_cmd{"e1", {"A", "B"}, {"u1", "u2"}, tie_break::first_listed}));
  const client_request vote = decoded(every_request_type()[1].valid.dump());
  EXPECT_EQ(vote.body, command_body(vote_cmd{"e1", "u1", "A"}));
  const client_request close = decoded(every_request_type()[2].valid.dump());
  EXPECT_EQ(close.body, command_body(close_cmd{"e1"}));
  const client_request results = decoded(every_request_type()[3].valid.dump());
  EXPECT_EQ(results.type, request_type::results);
  EXPECT_EQ(results.election_id, "e1");
  EXPECT_FALSE(results.body.has_value());
  EXPECT_EQ(decoded(R"({"type":"status"})").type, request_type::status);
}

TEST(Request, EveryRequiredFieldIsRequired) {
  for (const auto& c : every_request_type()) {
    for (const auto& field : c.required) {
      json j = c.valid;
      j.erase(field);
      SCOPED_TRACE(c.name + " without " + field);
      expect_refused(j, errc::bad_request, "missing field '" + field + "'");
    }
  }
}

TEST(Request, OptionalFieldsMayBeOmitted) {
  json reg = every_request_type()[0].valid;
  reg.erase("tie_break");
  reg.erase("admin_token");
  const client_request r = decoded(reg.dump());
  EXPECT_EQ(std::get<register_cmd>(*r.body).rule, tie_break::none);
  EXPECT_EQ(r.admin_token, "");
  EXPECT_EQ(decoded(R"({"type":"close","request_id":"r","election_id":"e"})").admin_token, "");
}

TEST(Request, UnknownFieldIsRefusedByName) {
  for (const auto& c : every_request_type()) {
    for (const char* extra : {"extra", "voter", "request_id", "deadline"}) {
      if (c.valid.contains(extra)) continue;
      json j = c.valid;
      j[extra] = "x";
      SCOPED_TRACE(c.name + " with " + extra);
      expect_refused(j, errc::bad_request, std::string("unknown field '") + extra + "'");
    }
  }
}

TEST(Request, WrongTypedStringFieldIsRefusedByNameAndType) {
  const json wrong[] = {42, -1, 1.5, true, nullptr, json::object(), json::array({"a"})};
  for (const auto& c : every_request_type()) {
    for (const auto& field : c.string_fields) {
      for (const auto& w : wrong) {
        json j = c.valid;
        j[field] = w;
        SCOPED_TRACE(c.name + "." + field + " = " + w.dump());
        expect_refused(j, errc::bad_request, "field '" + field + "' must be a string");
      }
    }
  }
}

TEST(Request, WrongTypedListFieldIsRefusedByNameAndType) {
  for (const json& w : {json("A"), json(3), json(nullptr), json::object()}) {
    for (const char* field : {"candidates", "voters"}) {
      json j = every_request_type()[0].valid;
      j[field] = w;
      expect_refused(j, errc::bad_request, std::string("field '") + field + "' must be an array");
    }
  }
}

TEST(Request, ListEntriesMustBeStrings) {
  for (const json& entry : {json(1), json(nullptr), json::array(), json::object(), json(false)}) {
    json j = every_request_type()[0].valid;
    j["voters"] = json::array({"u1", entry});
    expect_refused(j, errc::bad_request, "field 'voters' entry 1 must be a string");
  }
}

TEST(Request, TypeMustBeAKnownString) {
  expect_refused({{"type", 1}}, errc::bad_request, "field 'type' must be a string");
  expect_refused({{"type", nullptr}}, errc::bad_request, "field 'type' must be a string");
  expect_refused(json::object(), errc::bad_request, "missing field 'type'");
  expect_refused({{"type", "delete"}}, errc::unsupported, "unknown request type 'delete'");
  expect_refused({{"type", "Status"}}, errc::unsupported, "'Status'");
}

TEST(Request, RequestIdMustNotBeEmpty) {
  for (int i = 0; i < 3; ++i) {
    json j = every_request_type()[static_cast<std::size_t>(i)].valid;
    j["request_id"] = "";
    expect_refused(j, errc::bad_request, "'request_id' must not be empty");
  }
}

TEST(Request, IdsLongerThanTheLimitAreTooLarge) {
  const limits lim{.max_id_bytes = 4, .max_candidates = 10, .max_voters = 10};
  for (const auto& c : every_request_type()) {
    for (const auto& field : c.string_fields) {
      if (field == "admin_token" || field == "tie_break") continue;
      json j = c.valid;
      j[field] = "abcd";
      EXPECT_TRUE(std::holds_alternative<client_request>(decode_request(j.dump(), lim)));
      j[field] = "abcde";
      SCOPED_TRACE(c.name + "." + field);
      expect_refused(j, errc::too_large, "field '" + field + "' is longer than 4 bytes", lim);
    }
  }
}

TEST(Request, ListEntriesLongerThanTheLimitAreTooLarge) {
  const limits lim{.max_id_bytes = 4, .max_candidates = 10, .max_voters = 10};
  json j = every_request_type()[0].valid;
  j["candidates"] = {"A", "toolong"};
  expect_refused(j, errc::too_large, "field 'candidates' entry 1 is longer than 4 bytes", lim);
}

TEST(Request, ListsLongerThanTheLimitAreTooLarge) {
  const limits lim{.max_id_bytes = 8, .max_candidates = 2, .max_voters = 3};
  json j = every_request_type()[0].valid;
  j["voters"] = {"a", "b", "c"};
  EXPECT_TRUE(std::holds_alternative<client_request>(decode_request(j.dump(), lim)));
  j["voters"] = {"a", "b", "c", "d"};
  expect_refused(j, errc::too_large, "field 'voters' has more than 3 entries", lim);
  j = every_request_type()[0].valid;
  j["candidates"] = {"a", "b", "c"};
  expect_refused(j, errc::too_large, "field 'candidates' has more than 2 entries", lim);
}

TEST(Request, AdminTokenUpTo1024BytesIsAccepted) {
  json j = every_request_type()[2].valid;
  j["admin_token"] = std::string(max_admin_token_bytes, 't');
  EXPECT_EQ(decoded(j.dump()).admin_token.size(), 1024u);
  j["admin_token"] = std::string(max_admin_token_bytes + 1, 't');
  expect_refused(j, errc::too_large, "field 'admin_token' is longer than 1024 bytes");
}

TEST(Request, TieBreakMustBeAKnownRule) {
  json j = every_request_type()[0].valid;
  j["tie_break"] = "none";
  EXPECT_EQ(std::get<register_cmd>(*decoded(j.dump()).body).rule, tie_break::none);
  for (const char* rule : {"", "coin_flip", "First_Listed", "first_listed "}) {
    j["tie_break"] = rule;
    expect_refused(j, errc::bad_request, "field 'tie_break' must be");
  }
  j["tie_break"] = std::string(1000, 'x');
  expect_refused(j, errc::bad_request, "field 'tie_break'");
}

TEST(Request, SemanticProblemsAreLeftToTheStateMachine) {
  json j = every_request_type()[0].valid;
  j["election_id"] = "";
  j["candidates"] = json::array();
  j["voters"] = {"u1", "u1"};
  const client_request r = decoded(j.dump());
  EXPECT_EQ(std::get<register_cmd>(*r.body).voters.size(), 2u);
}

}  // namespace
}  // namespace vote::wire
