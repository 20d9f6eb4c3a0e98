// Client responses: round trips, every error code, and a hostile server's replies.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "unit/wire/mutate.hpp"
#include "vote/wire/messages.hpp"

namespace vote::wire {
namespace {

using nlohmann::json;

election_result closed_result() {
  election_result r;
  r.election_id = "e1";
  r.tallies = {{"Ann", 2}, {"Bob", 1}};
  r.winner = "Ann";
  r.votes_cast = 3;
  r.eligible_voters = 4;
  r.closed = true;
  r.closed_at_ms = 1'700'000'000'000;
  return r;
}

server_status leader_status() {
  return {.node_id = 18'446'744'073'709'551'615u,
          .role = "leader",
          .endpoint = "10.0.0.7:9000",
          .leader = {.id = 7, .endpoint = "10.0.0.7:9000"},
          .epoch = 3,
          .commit_index = 42,
          .applied_index = 41};
}

member_view member(std::uint64_t id, std::string role, std::optional<std::int64_t> contact) {
  member_view m;
  m.id = id;
  m.endpoint = "10.0.0." + std::to_string(id) + ":9000";
  m.role = std::move(role);
  m.voter = m.role != "learner";
  m.match_index = 40 + id;
  m.lag = 2;
  m.last_contact_ms = contact;
  return m;
}

cluster_view three_members() {
  cluster_view v;
  v.self = 3;
  v.leader = {.id = 3, .endpoint = "10.0.0.3:9000"};
  v.epoch = 5;
  v.commit_index = 44;
  v.applied_index = 43;
  v.cluster_uuid = "6a1f0c2e-uuid";
  v.members = {member(3, "leader", std::nullopt), member(1, "follower", 12),
               member(2, "learner", std::numeric_limits<std::int64_t>::max())};
  return v;
}

client_response response(std::string request_id, errc code, std::string message) {
  client_response r;
  r.request_id = std::move(request_id);
  r.code = code;
  r.message = std::move(message);
  return r;
}

client_response decoded(std::string_view text) {
  auto d = decode_response(text);
  if (auto* e = std::get_if<decode_error>(&d)) {
    ADD_FAILURE() << "refused: " << e->message << " in " << text;
    return {};
  }
  return std::get<client_response>(d);
}

decode_error refused(const json& j) {
  auto d = decode_response(j.dump());
  if (!std::holds_alternative<decode_error>(d)) {
    ADD_FAILURE() << "accepted: " << j.dump();
    return {};
  }
  return std::get<decode_error>(d);
}

json valid_success() {
  return json::parse(encode_response(response("r1", errc::ok, "Vote recorded.")));
}

json valid_failure() {
  client_response r = response("r1", errc::not_leader, "not the leader");
  r.leader_endpoint = "192.168.1.20:7000";
  return json::parse(encode_response(r));
}

TEST(Response, SuccessHasTheDocumentedForm) {
  EXPECT_EQ(encode_response(response("r1", errc::ok, "done")),
            R"({"message":"done","ok":true,"request_id":"r1"})");
}

TEST(Response, ErrorHasTheDocumentedForm) {
  client_response r = response("r1", errc::not_leader, "ask the leader");
  r.leader_endpoint = "10.0.0.1:9000";
  EXPECT_EQ(encode_response(r),
            R"({"error":{"code":"not_leader","message":"ask the leader"},"leader":"10.0.0.1:9000",)"
            R"("ok":false,"request_id":"r1"})");
}

TEST(Response, SuccessWithResultRoundTrips) {
  client_response r = response("r9", errc::ok, "Election e1 ended. The winner is Ann.");
  r.result = closed_result();
  EXPECT_EQ(decoded(encode_response(r)), r);
  election_result tie = closed_result();
  tie.tallies[1].votes = 2;
  tie.winner.reset();
  tie.tie = true;
  tie.tied = {"Ann", "Bob"};
  tie.closed = false;
  tie.closed_at_ms = 0;
  r.result = tie;
  EXPECT_EQ(decoded(encode_response(r)), r);
}

TEST(Response, ElectionReadRoundTripsAndIsCheckedStrictly) {
  client_response r = response("", errc::ok, "ok");
  election_info i;
  i.summary = {
      "board", phase::open, counting::method::stv, 2, voter_mode::codes, 40, 12, 0, 1796407200000,
      0,       true};
  i.candidates = {"Ann", "Bob", "Cy"};
  i.max_score = 5;
  i.live_results = true;
  r.election = i;
  const std::string text = encode_response(r);
  EXPECT_EQ(decoded(text), r);
  const json j = json::parse(text);
  EXPECT_EQ(j["election"]["candidates"], json({"Ann", "Bob", "Cy"}));
  EXPECT_EQ(j["election"]["votes_cast"], 12);
  for (const char* field : {"candidates", "max_score", "live_results", "votes_cast"}) {
    json missing = j;
    missing["election"].erase(field);
    EXPECT_NE(refused(missing).message.find("election"), std::string::npos) << field;
  }
  json extra = j;
  extra["election"]["roll"] = json::array();
  refused(extra);
  json mistyped = j;
  mistyped["election"]["candidates"] = "Ann";
  refused(mistyped);
}

TEST(Response, SuccessWithStatusRoundTrips) {
  client_response r = response("", errc::ok, "ok");
  r.status = leader_status();
  EXPECT_EQ(decoded(encode_response(r)), r);
  r.status->leader.endpoint = "";
  r.status->role = "follower";
  EXPECT_EQ(decoded(encode_response(r)), r);
}

TEST(Response, StatusHasTheDocumentedForm) {
  client_response r = response("", errc::ok, "ok");
  r.status = leader_status();
  EXPECT_EQ(encode_response(r),
            R"({"message":"ok","ok":true,"request_id":"","status":{"applied_index":41,)"
            R"("commit_index":42,"endpoint":"10.0.0.7:9000","epoch":3,)"
            R"("leader_endpoint":"10.0.0.7:9000","leader_id":7,)"
            R"("node_id":18446744073709551615,"role":"leader"}})");
}

// The epoch in which the leader was seen to lead is not part of status or cluster_status: a
// server fills it in, the JSON stays as old clients decode it, and it decodes as 0.
TEST(Response, StatusAndClusterLeaveTheLeadersEpochOut) {
  client_response r = response("", errc::ok, "ok");
  r.status = leader_status();
  r.cluster = three_members();
  const std::string without = encode_response(r);
  r.status->leader.epoch = 3;
  r.cluster->leader.epoch = 5;
  EXPECT_EQ(encode_response(r), without);
  const client_response back = decoded(without);
  EXPECT_EQ(back.status->leader.epoch, 0u);
  EXPECT_EQ(back.cluster->leader.epoch, 0u);
}

TEST(Response, ClusterHasTheDocumentedForm) {
  cluster_view v;
  v.self = 2;
  v.leader = {.id = 1, .endpoint = "127.0.0.1:7001"};
  v.epoch = 4;
  v.commit_index = 9;
  v.applied_index = 8;
  v.cluster_uuid = "u";
  v.members = {member(1, "leader", std::nullopt), member(2, "follower", 30)};
  client_response r = response("", errc::ok, "ok");
  r.cluster = v;
  EXPECT_EQ(encode_response(r),
            R"({"cluster":{"applied_index":8,"cluster_uuid":"u","commit_index":9,"epoch":4,)"
            R"("leader":{"endpoint":"127.0.0.1:7001","id":1},"members":[)"
            R"({"endpoint":"10.0.0.1:9000","id":1,"lag":2,"last_contact_ms":null,)"
            R"("match_index":41,"role":"leader","voter":true},)"
            R"({"endpoint":"10.0.0.2:9000","id":2,"lag":2,"last_contact_ms":30,)"
            R"("match_index":42,"role":"follower","voter":true}],"self":2},)"
            R"("message":"ok","ok":true,"request_id":""})");
  v.leader = {};
  v.members.clear();
  EXPECT_EQ(cluster_to_json(v).dump(),
            R"({"applied_index":8,"cluster_uuid":"u","commit_index":9,"epoch":4,"leader":null,)"
            R"("members":[],"self":2})");
}

TEST(Response, SuccessWithClusterRoundTrips) {
  client_response r = response("", errc::ok, "ok");
  r.cluster = three_members();
  EXPECT_EQ(decoded(encode_response(r)), r);
  r.cluster->leader = {};  // a follower on the minority side: no leader known
  r.cluster->members[1].last_contact_ms = -5;
  r.cluster->members[1].match_index = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(decoded(encode_response(r)), r);
  r.cluster->members.clear();
  r.cluster->cluster_uuid = "";
  EXPECT_EQ(decoded(encode_response(r)), r);
}

json valid_cluster() {
  client_response r = response("", errc::ok, "ok");
  r.cluster = three_members();
  return json::parse(encode_response(r));
}

void expect_cluster_refused(const json& j, std::string_view mention) {
  const decode_error e = refused(j);
  EXPECT_EQ(e.code, errc::bad_request);
  EXPECT_NE(e.message.find("in 'cluster'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(mention), std::string::npos) << e.message;
}

TEST(Response, ClusterFieldsAreCheckedOneByOne) {
  const json good = valid_cluster()["cluster"];
  for (const auto& [key, value] : good.items()) {
    for (const json& wrong : {json(), json(-1), json("7"), json(true), json::array({1})}) {
      if (wrong.type() == value.type()) continue;
      json j = valid_cluster();
      if (wrong.is_null()) {
        j["cluster"].erase(key);
      } else {
        j["cluster"][key] = wrong;
      }
      expect_cluster_refused(j, "'" + key + "'");
    }
  }
  json j = valid_cluster();
  j["cluster"]["term"] = 1;
  expect_cluster_refused(j, "unknown field 'term'");
  j = valid_cluster();
  j["cluster"] = json::array();
  expect_cluster_refused(j, "must be an object");
}

TEST(Response, MemberFieldsAreCheckedOneByOne) {
  const json good = valid_cluster()["cluster"]["members"][1];
  for (const auto& [key, value] : good.items()) {
    for (const json& wrong : {json(), json(-1), json(1.5), json("7"), json(true)}) {
      if (wrong.type() == value.type() || (key == "last_contact_ms" && wrong == json(-1))) {
        continue;
      }
      json j = valid_cluster();
      if (wrong.is_null()) {
        j["cluster"]["members"][1].erase(key);
      } else {
        j["cluster"]["members"][1][key] = wrong;
      }
      expect_cluster_refused(j, "'members' entry 1: ");
      expect_cluster_refused(j, "'" + key + "'");
    }
  }
  json j = valid_cluster();
  j["cluster"]["members"][0]["term"] = 1;
  expect_cluster_refused(j, "unknown field 'term'");
  j["cluster"]["members"] = json::array({json::array()});
  expect_cluster_refused(j, "'members' entry 0: must be an object");
}

TEST(Response, LastContactIsASigned64BitIntegerOrNull) {
  json j = valid_cluster();
  j["cluster"]["members"][0]["last_contact_ms"] = nullptr;
  EXPECT_FALSE(decoded(j.dump()).cluster->members[0].last_contact_ms.has_value());
  j["cluster"]["members"][0]["last_contact_ms"] = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(decoded(j.dump()).cluster->members[0].last_contact_ms,
            std::numeric_limits<std::int64_t>::min());
  j["cluster"]["members"][0]["last_contact_ms"] =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1;
  expect_cluster_refused(j, "field 'last_contact_ms' must be a 64-bit integer or null");
  j["cluster"]["members"][0].erase("last_contact_ms");
  expect_cluster_refused(j, "missing field 'last_contact_ms'");
}

TEST(Response, LeaderIsNullOrAnObjectWithANonZeroId) {
  const std::pair<json, std::string> bad_leaders[] = {
      {json::object(), "missing field 'id'"},
      {{{"id", 3}}, "missing field 'endpoint'"},
      {{{"id", 0}, {"endpoint", ""}}, "field 'id' must not be 0"},
      {{{"id", -3}, {"endpoint", "x"}}, "field 'id' must be an unsigned integer"},
      {{{"id", 3}, {"endpoint", 9000}}, "field 'endpoint' must be a string"},
      {{{"id", 3}, {"endpoint", "x"}, {"epoch", 1}}, "unknown field 'epoch'"},
      {"10.0.0.3:9000", "field 'leader' must be an object or null"},
      {3, "field 'leader' must be an object or null"}};
  for (const auto& [leader, mention] : bad_leaders) {
    json j = valid_cluster();
    j["cluster"]["leader"] = leader;
    expect_cluster_refused(j, mention);
  }
  json j = valid_cluster();
  j["cluster"].erase("leader");
  expect_cluster_refused(j, "missing field 'leader'");
}

TEST(Response, EveryErrorCodeRoundTrips) {
  for (int c = static_cast<int>(errc::bad_request); c <= static_cast<int>(errc::internal); ++c) {
    client_response r = response("req", static_cast<errc>(c), "message for " + std::to_string(c));
    EXPECT_EQ(decoded(encode_response(r)), r) << to_string(r.code);
    r.leader_endpoint = "127.0.0.1:1";
    EXPECT_EQ(decoded(encode_response(r)), r) << to_string(r.code);
  }
}

TEST(Response, EncodeDropsFieldsTheFormHasNoPlaceFor) {
  client_response err = response("r", errc::already_voted, "no");
  err.result = closed_result();
  err.status = leader_status();
  err.cluster = three_members();
  EXPECT_EQ(decoded(encode_response(err)), response("r", errc::already_voted, "no"));
  client_response ok = response("r", errc::ok, "yes");
  ok.leader_endpoint = "10.0.0.1:2";
  EXPECT_EQ(decoded(encode_response(ok)), response("r", errc::ok, "yes"));
}

TEST(Response, UnknownErrorCodeBecomesInternalWithItsMessage) {
  json j = valid_failure();
  j["error"]["code"] = "quota_exceeded";
  j["error"]["message"] = "try tomorrow";
  const client_response r = decoded(j.dump());
  EXPECT_EQ(r.code, errc::internal);
  EXPECT_EQ(r.message, "try tomorrow");
}

TEST(Response, ErrorWithCodeOkIsRefused) {
  json j = valid_failure();
  j["error"]["code"] = "ok";
  EXPECT_EQ(refused(j).code, errc::bad_request);
}

TEST(Response, MissingOrMistypedTopLevelFieldsAreRefused) {
  const std::pair<const char*, json> cases[] = {{"ok", json()},
                                                {"ok", "true"},
                                                {"ok", 1},
                                                {"request_id", json()},
                                                {"request_id", 5},
                                                {"message", json()},
                                                {"message", false},
                                                {"result", "x"},
                                                {"result", json::object()},
                                                {"status", json::array()},
                                                {"status", json::object()},
                                                {"cluster", json::array()},
                                                {"cluster", json::object()},
                                                {"extra", 1}};
  for (const auto& [field, value] : cases) {
    json j = valid_success();
    if (value.is_null()) {
      j.erase(field);
    } else {
      j[field] = value;
    }
    const decode_error e = refused(j);
    EXPECT_EQ(e.code, errc::bad_request);
    EXPECT_NE(e.message.find(field), std::string::npos) << e.message;
  }
}

TEST(Response, MalformedErrorObjectsAreRefused) {
  const json bad_errors[] = {json(),
                             "not_leader",
                             json::array(),
                             json::object(),
                             {{"code", "timeout"}},
                             {{"message", "m"}},
                             {{"code", 3}, {"message", "m"}},
                             {{"code", "timeout"}, {"message", "m"}, {"extra", 1}}};
  for (const json& e : bad_errors) {
    json j = valid_failure();
    if (e.is_null()) {
      j.erase("error");
    } else {
      j["error"] = e;
    }
    EXPECT_EQ(refused(j).code, errc::bad_request) << j.dump();
  }
  json j = valid_failure();
  j["message"] = "belongs in error";
  EXPECT_NE(refused(j).message.find("unknown field 'message'"), std::string::npos);
}

TEST(Response, LeaderMustBeAnEndpoint) {
  for (const json& leader : {json("leader"), json("10.0.0.1"), json("10.0.0.1:0"),
                             json("host.example:80"), json(9000), json(nullptr)}) {
    json j = valid_failure();
    j["leader"] = leader;
    EXPECT_NE(refused(j).message.find("'leader'"), std::string::npos) << leader.dump();
  }
}

TEST(Response, StatusFieldsAreCheckedOneByOne) {
  client_response with_status = response("", errc::ok, "");
  with_status.status = leader_status();
  const json good = json::parse(encode_response(with_status))["status"];
  for (const auto& [key, value] : good.items()) {
    for (const json& wrong : {json(), json(-1), json(1.5), json("7"), json(1e300), json(true)}) {
      if (wrong.type() == value.type()) continue;
      json j = valid_success();
      j["status"] = good;
      if (wrong.is_null()) {
        j["status"].erase(key);
      } else {
        j["status"][key] = wrong;
      }
      EXPECT_NE(refused(j).message.find("'" + key + "'"), std::string::npos) << j.dump();
    }
  }
}

TEST(Response, HostileTextNeverThrows) {
  for (const std::string& text :
       {std::string(""), std::string(500'000, '{'), std::string("[1,2]"),
        std::string("{\"ok\":true,\"request_id\":\"\xff\",\"message\":\"\"}"),
        std::string(R"({"ok":true,"ok":true,"request_id":"","message":""})"),
        std::string(
            R"({"ok":false,"request_id":"","error":{"code":"timeout","message":1e999}})")}) {
    std::variant<client_response, decode_error> d;
    EXPECT_NO_THROW(d = decode_response(text));
    EXPECT_TRUE(std::holds_alternative<decode_error>(d)) << text.substr(0, 80);
  }
}

TEST(Response, RandomMutationsNeverThrow) {
  std::mt19937 rng(test::fuzz_seed);
  client_response with_result = response("r", errc::ok, "closed");
  with_result.result = closed_result();
  client_response with_status = response("r", errc::ok, "status");
  with_status.status = leader_status();
  const std::string samples[] = {encode_response(with_result), encode_response(with_status),
                                 valid_failure().dump(), valid_cluster().dump()};
  for (int i = 0; i < 8000; ++i) {
    const std::string text = test::mutate(samples[i % 4], rng);
    std::variant<client_response, decode_error> d;
    ASSERT_NO_THROW(d = decode_response(text)) << text;
    if (auto* r = std::get_if<client_response>(&d)) {
      ASSERT_NO_THROW((void)encode_response(*r)) << text;
    }
  }
}

}  // namespace
}  // namespace vote::wire
