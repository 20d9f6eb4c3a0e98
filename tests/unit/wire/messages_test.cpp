// Client request codec: shape checks, limits and hostile input (responses: response_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
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
      {"election",
       {{"type", "election"}, {"election_id", "e1"}},
       {"type", "election_id"},
       {"election_id"},
       {}},
      {"status", {{"type", "status"}}, {"type"}, {}, {}},
      {"cluster_status", {{"type", "cluster_status"}}, {"type"}, {}, {}},
      {"remove_member",
       {{"type", "remove_member"}, {"request_id", "r4"}, {"node_id", 3}, {"admin_token", "s"}},
       {"type", "request_id", "node_id"},
       {"request_id", "admin_token"},
       {}},
      {"transfer_leadership",
       {{"type", "transfer_leadership"},
        {"request_id", "r5"},
        {"node_id", 2},
        {"admin_token", "s"}},
       {"type", "request_id"},
       {"request_id", "admin_token"},
       {}},
      {"force_new_cluster",
       {{"type", "force_new_cluster"},
        {"request_id", "r6"},
        {"confirm", true},
        {"admin_token", "s"}},
       {"type", "request_id", "confirm"},
       {"request_id", "admin_token"},
       {}},
  };
}

const json& valid_of(std::string_view type) {
  static const std::vector<request_case> cases = every_request_type();
  for (const auto& c : cases) {
    if (c.name == type) return c.valid;
  }
  throw std::logic_error("no request case " + std::string(type));
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
  // The public election read: its id is NFC-normalised like a vote's, and it round-trips.
  const client_request info = decoded(R"({"type":"election","election_id":"cafe\u0301"})");
  EXPECT_EQ(info.type, request_type::election);
  EXPECT_EQ(info.election_id, "caf\u00e9");
  EXPECT_EQ(decoded(encode_request(info)), info);
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
  for (const auto& c : every_request_type()) {
    if (!c.valid.contains("request_id")) continue;
    json j = c.valid;
    j["request_id"] = "";
    SCOPED_TRACE(c.name);
    expect_refused(j, errc::bad_request, "'request_id' must not be empty");
  }
}

TEST(Request, AdminRequestsDecodeTheirFields) {
  const client_request remove = decoded(valid_of("remove_member").dump());
  EXPECT_EQ(remove.type, request_type::remove_member);
  EXPECT_EQ(remove.request_id, "r4");
  EXPECT_EQ(remove.node_id, 3u);
  EXPECT_EQ(remove.admin_token, "s");
  EXPECT_FALSE(remove.body.has_value());
  const client_request transfer = decoded(valid_of("transfer_leadership").dump());
  EXPECT_EQ(transfer.type, request_type::transfer_leadership);
  EXPECT_EQ(transfer.node_id, 2u);
  const client_request force = decoded(valid_of("force_new_cluster").dump());
  EXPECT_EQ(force.type, request_type::force_new_cluster);
  EXPECT_TRUE(force.confirm);
  EXPECT_EQ(force.request_id, "r6");
  EXPECT_EQ(decoded(R"({"type":"cluster_status"})").type, request_type::cluster_status);
}

TEST(Request, RemoveMemberNamesANonZeroNode) {
  json j = valid_of("remove_member");
  j["node_id"] = 18'446'744'073'709'551'615u;
  EXPECT_EQ(decoded(j.dump()).node_id, 18'446'744'073'709'551'615u);
  j["node_id"] = 0;
  expect_refused(j, errc::bad_request, "field 'node_id' must name a member");
}

TEST(Request, TransferLeadershipWithoutNodeIdMeansTheHighestCaughtUpMember) {
  json j = valid_of("transfer_leadership");
  j.erase("node_id");
  j.erase("admin_token");
  const client_request r = decoded(j.dump());
  EXPECT_EQ(r.node_id, 0u);
  EXPECT_EQ(r.admin_token, "");
  j["node_id"] = 0;
  EXPECT_EQ(decoded(j.dump()), r);
}

TEST(Request, NodeIdMustBeAnUnsignedInteger) {
  const json wrong[] = {-1, 1.5, 1e300, "3", true, nullptr, json::object(), json::array({1})};
  for (const char* type : {"remove_member", "transfer_leadership"}) {
    for (const auto& w : wrong) {
      json j = valid_of(type);
      j["node_id"] = w;
      SCOPED_TRACE(std::string(type) + " node_id = " + w.dump());
      expect_refused(j, errc::bad_request, "field 'node_id' must be an unsigned integer");
    }
  }
}

TEST(Request, ForceNewClusterIsRefusedWithoutAnExplicitConfirmTrue) {
  json j = valid_of("force_new_cluster");
  j["confirm"] = false;
  expect_refused(j, errc::bad_request, "field 'confirm' must be true: force_new_cluster");
  expect_refused(j, errc::bad_request, "may lose acknowledged votes");
  j.erase("confirm");
  expect_refused(j, errc::bad_request, "missing field 'confirm': force_new_cluster");
  for (const json& w : {json("true"), json(1), json(nullptr), json::object()}) {
    j["confirm"] = w;
    expect_refused(j, errc::bad_request, "field 'confirm' must be a boolean");
  }
}

TEST(Request, ResultsMayAskForALocalRead) {
  json j = valid_of("results");
  EXPECT_FALSE(decoded(j.dump()).local);
  j["local"] = true;
  EXPECT_TRUE(decoded(j.dump()).local);
  j["local"] = false;
  EXPECT_FALSE(decoded(j.dump()).local);
  for (const json& w : {json("true"), json(1), json(nullptr)}) {
    j["local"] = w;
    expect_refused(j, errc::bad_request, "field 'local' must be a boolean");
  }
}

TEST(Request, FieldsOfOtherTypesAreRefused) {
  const std::pair<const char*, json> foreign[] = {
      {"node_id", 1}, {"confirm", true}, {"local", true}};
  for (const auto& c : every_request_type()) {
    for (const auto& [field, value] : foreign) {
      if (c.valid.contains(field) || (c.name == "results" && std::string(field) == "local")) {
        continue;
      }
      json j = c.valid;
      j[field] = value;
      SCOPED_TRACE(c.name + " with " + field);
      expect_refused(j, errc::bad_request, std::string("unknown field '") + field + "'");
    }
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
