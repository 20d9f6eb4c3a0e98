// The voters' JSON API on real vote-servers (--http-addr; docs/web.md): a vote with a code sent
// to a follower is counted once however often it is retried, and its refusals are the TCP
// protocol's, word for word; the record and the election read after the close; admin requests
// are refused over HTTP even from the server's own machine; wrong codes are slowed per address;
// a leader killed before a vote is sent costs the voter nothing but time; the pages carry the
// security headers.
#include <gtest/gtest.h>

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "vote/core/credentials.hpp"
#include "vote/lab/cluster.hpp"
#include "vote/lab/harness.hpp"
#include "vote/net/http_listener.hpp"

namespace vote::test {
namespace {

namespace http = boost::beast::http;
using json = nlohmann::json;
using namespace std::chrono_literals;
using node_id = cluster::node_id;

json parsed(const http_answer& a) {
  return json::parse(a.body, nullptr, false);
}

std::string hex32(int n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return buf;
}

class WebTest : public ::testing::Test {
 protected:
  void start(node_id id) {
    http_port_[id] = free_port();
    c_.start(id, {"--http-addr", "127.0.0.1:" + std::to_string(http_port_[id])});
  }

  std::optional<node_id> form(node_id n) {
    start(1);
    if (!c_.wait_until_leader_is(1, 20s)) return std::nullopt;
    for (node_id id = 2; id <= n; ++id) start(id);
    const auto leader = c_.wait_for_leader(20s);
    if (!leader || !all_voters(*leader, n)) return std::nullopt;
    return leader;
  }

  bool all_voters(node_id leader, node_id n) {
    return eventually(
        [&] {
          const auto j = c_.cluster_status(leader);
          if (!j || !j->value("ok", false) || !j->contains("cluster")) return false;
          node_id voters = 0;
          for (const auto& m : (*j)["cluster"]["members"]) voters += m.value("voter", false);
          return voters == n;
        },
        20s, 50ms);
  }

  std::optional<http_answer> api(node_id at, const json& request) {
    return http_call(http_port_.at(at), http::verb::post, "/api/v1/request", request.dump());
  }

  // A ranked election whose roll is the public credentials of `codes`.
  json register_codes(const std::string& election, const std::vector<std::string>& codes) {
    json voters = json::array();
    for (const auto& code : codes)
      voters.push_back(credentials::credential_of(election, *credentials::normalize_code(code)));
    return {{"type", "register"},      {"request_id", "reg-" + election},
            {"election_id", election}, {"candidates", {"Ann", "Bob", "Cy"}},
            {"voters", voters},        {"voters_mode", "codes"},
            {"method", "irv"}};
  }

  cluster c_;
  std::map<node_id, std::uint16_t> http_port_;
};

const std::string code_a = "K7QF-9MZD-3XTA-PW2R";
const std::string code_b = "Q4ZK-8W2M-TT7C-J3NB";

TEST_F(WebTest, AVoteWithACodeThroughAFollowerIsCountedOnceAndRefusedAsOverTcp) {
  const auto leader = form(3);
  ASSERT_TRUE(leader) << c_.logs();
  const node_id follower = *leader == 1 ? 2 : 1;
  const auto reg = request_json(c_.port(*leader), register_codes("web", {code_a, code_b}));
  ASSERT_TRUE(reg && (*reg)["ok"] == true) << (reg ? reg->dump() : "no answer");

  // The public read the ballot is drawn from, answered through a follower.
  const auto info = api(follower, {{"type", "election"}, {"election_id", "web"}});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status, 200u);
  EXPECT_EQ(info->header("Content-Type"), "application/json");
  const json e = parsed(*info)["election"];
  EXPECT_EQ(e["method"], "irv");
  EXPECT_EQ(e["candidates"], json({"Ann", "Bob", "Cy"}));
  EXPECT_EQ(e["state"], "open");
  EXPECT_EQ(e["votes_cast"], 0);
  EXPECT_EQ(e["eligible_voters"], 2);
  // The CLI shows the same, to anyone: the page shows nothing the CLI would not.
  auto flags = c_.direct_flags(follower);
  flags.insert(flags.end(), {"--election", "web"});
  const auto shown = run("vote-status", flags);
  EXPECT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("Candidates: Ann, Bob, Cy"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("0/2"), std::string::npos) << shown.out;

  // A ranked vote by code (typed in lower case without dashes), then its retry: one ballot, the
  // same tracker, and the retry's answer names no choice.
  const json vote = {{"type", "vote"},         {"request_id", hex32(1)},
                     {"election_id", "web"},   {"code", "k7qf9mzd3xtapw2r"},
                     {"rank", {"Bob", "Ann"}}, {"nonce", hex32(7)}};
  const auto first = api(follower, vote);
  ASSERT_TRUE(first);
  ASSERT_EQ(parsed(*first)["ok"], true) << first->body;
  const std::string tracker = parsed(*first)["tracker"];
  EXPECT_EQ(tracker.size(), 20u);
  const auto again = api(follower, vote);
  ASSERT_TRUE(again);
  EXPECT_EQ(parsed(*again)["ok"], true) << again->body;
  EXPECT_EQ(parsed(*again)["tracker"], tracker);
  EXPECT_EQ(parsed(*again)["message"].get<std::string>().find("Bob"), std::string::npos);
  const auto after = api(follower, {{"type", "election"}, {"election_id", "web"}});
  ASSERT_TRUE(after);
  EXPECT_EQ(parsed(*after)["election"]["votes_cast"], 1);

  // Refusals: the same code with a new request id, an unknown code, a candidate that does not
  // run, a malformed request. Each answer is the one the TCP port gives, word for word.
  const std::vector<json> refused = {
      {{"type", "vote"},
       {"request_id", hex32(2)},
       {"election_id", "web"},
       {"code", code_a},
       {"rank", {"Cy"}}},
      {{"type", "vote"},
       {"request_id", hex32(3)},
       {"election_id", "web"},
       {"code", "2222-3333-4444-5555"},
       {"rank", {"Cy"}}},
      {{"type", "vote"},
       {"request_id", hex32(4)},
       {"election_id", "web"},
       {"code", code_b},
       {"rank", {"Zed"}}},
      {{"type", "vote"}, {"request_id", hex32(5)}, {"election_id", "web"}, {"code", code_b}},
      {{"type", "vote"},
       {"request_id", hex32(6)},
       {"election_id", "nope"},
       {"code", code_b},
       {"rank", {"Ann"}}},
  };
  // (A used code is refused as an unknown one: codes mode says nothing about who voted.)
  const std::vector<std::string> codes = {"voter_not_authorized", "voter_not_authorized",
                                          "invalid_candidate", "bad_request", "unknown_election"};
  for (std::size_t i = 0; i < refused.size(); ++i) {
    const auto over_http = api(follower, refused[i]);
    const auto over_tcp = request_json(c_.port(*leader), refused[i]);
    ASSERT_TRUE(over_http && over_tcp) << i;
    EXPECT_EQ(parsed(*over_http), *over_tcp) << i;
    EXPECT_EQ(parsed(*over_http)["error"]["code"], codes[i]) << over_http->body;
  }

  // Closed: the record through the API is the TCP record, byte for byte, and holds the tracker.
  ASSERT_TRUE(request_json(
      c_.port(*leader), {{"type", "close"}, {"request_id", "close-web"}, {"election_id", "web"}}));
  const auto closed = api(follower, {{"type", "election"}, {"election_id", "web"}});
  ASSERT_TRUE(closed);
  EXPECT_EQ(parsed(*closed)["election"]["state"], "closed");
  const json record_request = {{"type", "record"}, {"election_id", "web"}};
  ASSERT_TRUE(eventually([&] {
    const auto r = api(follower, record_request);
    return r && parsed(*r)["ok"] == true;
  }));
  const auto by_http = api(follower, record_request);
  const auto by_tcp = request_json(c_.port(*leader), record_request);
  ASSERT_TRUE(by_http && by_tcp);
  EXPECT_EQ(parsed(*by_http), *by_tcp);
  const std::string data = parsed(*by_http)["record"]["data"];
  EXPECT_NE(data.find(tracker), std::string::npos);
}

TEST_F(WebTest, AdminRequestsAreRefusedOverHttpEvenFromTheServersOwnMachine) {
  const auto leader = form(1);
  ASSERT_TRUE(leader) << c_.logs();
  // Over TCP from this machine, without a token file, these would be the admin's.
  const std::vector<json> admin = {
      register_codes("admin", {code_a}),
      {{"type", "close"}, {"request_id", "c1"}, {"election_id", "admin"}},
      {{"type", "results"}, {"election_id", "admin"}},
      {{"type", "elections"}},
      {{"type", "extend"}, {"request_id", "x1"}, {"election_id", "admin"}, {"closes_at_ms", 1}},
      {{"type", "add_voters"}, {"request_id", "a1"}, {"election_id", "admin"}, {"voters", {"u"}}},
      {{"type", "transfer_leadership"}, {"request_id", "t1"}},
      {{"type", "remove_member"}, {"request_id", "r1"}, {"node_id", 5}},
      {{"type", "force_new_cluster"}, {"request_id", "f1"}, {"confirm", true}},
  };
  for (const auto& r : admin) {
    const auto a = api(1, r);
    ASSERT_TRUE(a) << r.dump();
    EXPECT_EQ(a->status, 200u);
    EXPECT_EQ(parsed(*a)["ok"], false) << a->body;
    EXPECT_EQ(parsed(*a)["error"]["code"], "unauthorized") << a->body;
    EXPECT_NE(parsed(*a)["error"]["message"].get<std::string>().find("not available over HTTP"),
              std::string::npos);
  }
  // Nothing was registered: the election is unknown to the public read and to the admin.
  const auto info = api(1, {{"type", "election"}, {"election_id", "admin"}});
  ASSERT_TRUE(info);
  EXPECT_EQ(parsed(*info)["error"]["code"], "unknown_election") << info->body;
  // The reads anyone may make are answered.
  const auto st = api(1, {{"type", "status"}});
  ASSERT_TRUE(st);
  EXPECT_EQ(parsed(*st)["status"]["role"], "leader");
}

TEST_F(WebTest, WrongCodesAreSlowedAndCountedPerAddress) {
  const auto leader = form(1);
  ASSERT_TRUE(leader) << c_.logs();
  ASSERT_TRUE(request_json(c_.port(1), register_codes("guess", {code_a})));
  // The first ten wrong codes are answered; the eleventh vote is refused before the node sees
  // it, with how long to wait. A right code from the same address waits too.
  int answered = 0;
  std::optional<http_answer> limited;
  for (int i = 0; i < 30 && !limited; ++i) {
    const auto a = api(1, {{"type", "vote"},
                           {"request_id", hex32(100 + i)},
                           {"election_id", "guess"},
                           {"code", "2222333344445" + std::string(1, "6789ABCDEF"[i % 10]) + "77"},
                           {"rank", {"Ann"}}});
    ASSERT_TRUE(a);
    if (a->status == 429) {
      limited = a;
    } else {
      EXPECT_EQ(parsed(*a)["error"]["code"], "voter_not_authorized") << a->body;
      ++answered;
    }
  }
  ASSERT_TRUE(limited) << "never limited";
  EXPECT_EQ(answered, 10);
  EXPECT_EQ(parsed(*limited)["error"]["code"], "unavailable");
  EXPECT_NE(parsed(*limited)["error"]["message"].get<std::string>().find("wait"),
            std::string::npos);
  EXPECT_GE(std::stoi(limited->header("Retry-After")), 1);
  const auto right = api(1, {{"type", "vote"},
                             {"request_id", hex32(999)},
                             {"election_id", "guess"},
                             {"code", code_a},
                             {"rank", {"Ann"}}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 429u);
  // Reads still work from that address.
  const auto st = api(1, {{"type", "election"}, {"election_id", "guess"}});
  ASSERT_TRUE(st);
  EXPECT_EQ(parsed(*st)["election"]["votes_cast"], 0);
}

// Votes in flight at once cannot overdraw the budget: each takes its token when it is admitted.
TEST_F(WebTest, ConcurrentWrongCodesGetNoMoreThanTheBudget) {
  const auto leader = form(1);
  ASSERT_TRUE(leader) << c_.logs();
  ASSERT_TRUE(request_json(c_.port(1), register_codes("burst", {code_a})));
  constexpr int n = 32;
  std::vector<std::optional<http_answer>> answers(n);
  std::vector<std::thread> voters;
  for (int i = 0; i < n; ++i) {
    voters.emplace_back([&, i] {
      answers[i] = api(1, {{"type", "vote"},
                           {"request_id", hex32(300 + i)},
                           {"election_id", "burst"},
                           {"code", "2222333344445" + std::string(1, "6789ABCDEF"[i % 10]) + "77"},
                           {"rank", {"Ann"}}});
    });
  }
  for (auto& t : voters) t.join();
  int refused = 0;
  int limited = 0;
  for (const auto& a : answers) {
    ASSERT_TRUE(a);
    if (a->status == 429) {
      ++limited;
    } else if (parsed(*a)["error"]["code"] == "voter_not_authorized") {
      ++refused;
    }
  }
  EXPECT_LE(refused, 10);
  EXPECT_EQ(refused + limited, n);
}

TEST_F(WebTest, AVoteSentAfterTheLeaderDiedIsCountedOnce) {
  const auto leader = form(3);
  ASSERT_TRUE(leader) << c_.logs();
  ASSERT_TRUE(request_json(c_.port(*leader), register_codes("fail", {code_a, code_b})));
  node_id follower = *leader == 1 ? 2 : 1;
  ASSERT_TRUE(c_.wait_caught_up(follower, 10s));
  // The page was loaded from the follower; the leader dies before the voter submits.
  c_.kill9(*leader);
  const json vote = {{"type", "vote"}, {"request_id", hex32(21)}, {"election_id", "fail"},
                     {"code", code_a}, {"rank", {"Cy", "Ann"}},   {"nonce", hex32(22)}};
  const auto a = api(follower, vote);
  ASSERT_TRUE(a);
  EXPECT_EQ(parsed(*a)["ok"], true) << a->body << c_.logs();
  // However often the page retries, one ballot.
  const auto b = api(follower, vote);
  ASSERT_TRUE(b);
  EXPECT_EQ(parsed(*b)["ok"], true) << b->body;
  EXPECT_EQ(parsed(*b)["tracker"], parsed(*a)["tracker"]);
  const auto info = api(follower, {{"type", "election"}, {"election_id", "fail"}});
  ASSERT_TRUE(info);
  EXPECT_EQ(parsed(*info)["election"]["votes_cast"], 1) << info->body;
}

TEST_F(WebTest, PagesAreServedWithTheSecurityHeadersAndNoCookie) {
  const auto leader = form(1);
  ASSERT_TRUE(leader) << c_.logs();
  for (const std::string page : {"/", "/vote", "/verify", "/results", "/observer", "/app.css"}) {
    const auto a = http_call(http_port_[1], http::verb::get, page);
    ASSERT_TRUE(a) << page;
    EXPECT_EQ(a->status, 200u) << page;
    EXPECT_EQ(a->header("Content-Security-Policy"), net::http_content_security_policy);
    EXPECT_EQ(a->header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(a->header("X-Frame-Options"), "DENY");
    EXPECT_EQ(a->headers.count("Set-Cookie"), 0u);
    EXPECT_FALSE(a->body.empty());
  }
  // The API takes JSON only: a cross-site form cannot post to it without a CORS preflight.
  const auto form_post = http_call(http_port_[1], http::verb::post, "/api/v1/request",
                                   R"({"type":"status"})", 15s, "text/plain");
  ASSERT_TRUE(form_post);
  EXPECT_EQ(form_post->status, 415u);
  EXPECT_EQ(form_post->header("Access-Control-Allow-Origin"), "");
  const auto missing = http_call(http_port_[1], http::verb::get, "/nothing-here");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404u);
  const auto api_get = http_call(http_port_[1], http::verb::get, "/api/v1/request");
  ASSERT_TRUE(api_get);
  EXPECT_EQ(api_get->status, 405u);
  // A body over the limit is refused before it is read whole.
  const auto big =
      http_call(http_port_[1], http::verb::post, "/api/v1/request", std::string(200 * 1024, 'x'));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413u);
  EXPECT_EQ(parsed(*big)["error"]["code"], "too_large");
}

}  // namespace
}  // namespace vote::test
