// vote-status and vote-admin against fake servers on 127.0.0.1: what is sent, to whom, what is
// printed and the exit codes. No test sleeps: each call ends on an answer or on its own deadline.
#include <cstdlib>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>

#include "fake_server.hpp"
#include "vote/client/admin.hpp"
#include "vote/client/output.hpp"

namespace vote::client {
namespace {

using testing::fake_server;
using testing::reply;

// Every request a fake server received, readable from the test thread.
class recorder {
 public:
  void add(const wire::client_request& r) {
    std::lock_guard lock(mutex_);
    requests_.push_back(r);
  }
  std::vector<wire::client_request> all() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<wire::client_request> requests_;
};

wire::cluster_view view(std::uint64_t self, std::uint64_t leader) {
  wire::cluster_view v;
  v.self = self;
  v.leader = {.id = leader, .endpoint = leader == 0 ? "" : "127.0.0.1:7003"};
  v.epoch = 2;
  v.commit_index = 10;
  v.applied_index = 10;
  v.cluster_uuid = "u-1";
  wire::member_view m;
  m.id = 3;
  m.endpoint = "127.0.0.1:7003";
  m.role = leader == 3 ? "leader" : "follower";
  m.match_index = 10;
  v.members = {m};
  return v;
}

reply with_view(const wire::cluster_view& v) {
  reply r = reply::ok("ok");
  r.response.cluster = v;
  return r;
}

class Admin : public ::testing::Test {
 protected:
  common_options to(const fake_server& s, double timeout_s = 5.0) {
    common_options o;
    o.server = s.endpoint_text();
    o.timeout_s = timeout_s;
    return o;
  }
  int status(const common_options& o) { return run_cluster_status(o, {out, err}); }
  int admin(const common_options& o, admin_command cmd) {
    return run_admin_command(o, cmd, {out, err});
  }

  recorder seen;
  std::ostringstream out;
  std::ostringstream err;
};

TEST_F(Admin, StatusAsksForTheClusterViewAndPrintsIt) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return with_view(view(3, 3));
  });
  EXPECT_EQ(status(to(s)), exit_ok);
  ASSERT_EQ(seen.all().size(), 1U);
  EXPECT_EQ(seen.all()[0].type, wire::request_type::cluster_status);
  EXPECT_EQ(out.str().rfind("leader: node 3 at 127.0.0.1:7003\n", 0), 0U) << out.str();
  EXPECT_NE(out.str().find("3   127.0.0.1:7003  leader  yes    10     0    -"), std::string::npos)
      << out.str();
  EXPECT_TRUE(err.str().empty());
}

TEST_F(Admin, StatusJsonPrintsOnlyTheClusterObject) {
  fake_server s([](const wire::client_request&, std::size_t) { return with_view(view(3, 3)); });
  auto o = to(s);
  o.json = true;
  EXPECT_EQ(status(o), exit_ok);
  EXPECT_EQ(out.str(), cluster_view_json(view(3, 3)).dump() + "\n");
}

TEST_F(Admin, StatusFromAServerWithoutLeaderSaysSoAndExits3) {
  fake_server s([](const wire::client_request&, std::size_t) { return with_view(view(1, 0)); });
  EXPECT_EQ(status(to(s)), exit_unavailable);
  EXPECT_EQ(out.str().rfind("leader: none known to node 1\n", 0), 0U) << out.str();
}

TEST_F(Admin, StatusByDiscoveryAsksTheLeader) {
  fake_server leader([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return with_view(view(3, 3));
  });
  const auto port = testing::free_udp_port();
  testing::fake_responder responder(port, [&](const wire::who_is_leader&) {
    return std::vector{testing::answer(leader.endpoint_text(), 2)};
  });
  common_options o;
  o.broadcast = "127.255.255.255";
  o.discovery_port = port;
  EXPECT_EQ(status(o), exit_ok);
  EXPECT_EQ(seen.all().size(), 1U);
}

TEST_F(Admin, StatusWithoutAnyLeaderAnsweringDiscoveryExits3) {
  common_options o;
  o.broadcast = "127.255.255.255";
  o.discovery_port = testing::free_udp_port();
  o.timeout_s = 0.3;
  EXPECT_EQ(status(o), exit_unavailable);
  EXPECT_EQ(err.str().rfind("Error: no leader known: no vote-server answered", 0), 0U) << err.str();
  EXPECT_EQ(err.str().find("applied"), std::string::npos);  // a read: nothing to apply
}

TEST_F(Admin, StatusOfAServerThatDoesNotKnowTheRequestIsARefusal) {
  fake_server old([](const wire::client_request&, std::size_t) {
    return reply::error(errc::unsupported, "unknown request type 'cluster_status'");
  });
  EXPECT_EQ(status(to(old)), exit_refused);
  EXPECT_EQ(err.str(), "Error: unknown request type 'cluster_status'\n");
}

TEST_F(Admin, RemoveSendsTheNodeWithARequestIdAndTheAdminToken) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return reply::ok("removal of node 4 proposed");
  });
  auto o = to(s);
  o.admin_token = "tok";
  EXPECT_EQ(admin(o, {.action = admin_action::remove_member, .node_id = 4}), exit_ok);
  ASSERT_EQ(seen.all().size(), 1U);
  const auto r = seen.all()[0];
  EXPECT_EQ(r.type, wire::request_type::remove_member);
  EXPECT_EQ(r.node_id, 4U);
  EXPECT_EQ(r.admin_token, "tok");
  EXPECT_EQ(r.request_id.size(), 32U);
  EXPECT_EQ(out.str(), "removal of node 4 proposed\n");
}

TEST_F(Admin, RemoveOfNodeZeroIsAUsageError) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return reply::ok("?");
  });
  EXPECT_EQ(admin(to(s), {.action = admin_action::remove_member, .node_id = 0}), exit_usage);
  EXPECT_TRUE(seen.all().empty());
}

TEST_F(Admin, TransferWithoutNodeAsksForTheHighestCaughtUpMember) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return reply::ok("handing leadership to the highest caught-up member");
  });
  ::setenv("VOTE_ADMIN_TOKEN", "from-env", 1);
  auto o = to(s);
  o.json = true;
  o.request_id = "my-id";
  EXPECT_EQ(admin(o, {.action = admin_action::transfer_leadership}), exit_ok);
  ::unsetenv("VOTE_ADMIN_TOKEN");
  ASSERT_EQ(seen.all().size(), 1U);
  EXPECT_EQ(seen.all()[0].type, wire::request_type::transfer_leadership);
  EXPECT_EQ(seen.all()[0].node_id, 0U);
  EXPECT_EQ(seen.all()[0].admin_token, "from-env");
  EXPECT_EQ(out.str(),
            R"({"ok":true,"message":"handing leadership to the highest caught-up member",)"
            R"("request_id":"my-id","server":")" +
                s.endpoint_text() + "\"}\n");
}

TEST_F(Admin, RefusalIsPrintedVerbatimAndExits1) {
  fake_server s([](const wire::client_request&, std::size_t) {
    return reply::error(errc::unauthorized, "Error: the admin token is not valid.");
  });
  EXPECT_EQ(admin(to(s), {.action = admin_action::transfer_leadership, .node_id = 2}),
            exit_refused);
  EXPECT_EQ(err.str(), "Error: the admin token is not valid.\n");
}

TEST_F(Admin, ForceNewClusterIsRefusedWithoutTheAcknowledgement) {
  fake_server s([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return reply::ok("?");
  });
  EXPECT_EQ(admin(to(s), {.action = admin_action::force_new_cluster}), exit_usage);
  EXPECT_TRUE(seen.all().empty());
  EXPECT_EQ(err.str().rfind("Error: force-new-cluster is unsafe", 0), 0U) << err.str();
  EXPECT_NE(err.str().find("votes included"), std::string::npos);
  EXPECT_NE(err.str().find("add --i-understand-this-may-lose-votes."), std::string::npos);
}

TEST_F(Admin, ForceNewClusterNeedsOneNamedServer) {
  common_options o;
  o.broadcast = "127.255.255.255";
  o.discovery_port = testing::free_udp_port();
  o.json = true;
  EXPECT_EQ(admin(o, {.action = admin_action::force_new_cluster, .unsafe_acknowledged = true}),
            exit_usage);
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["error"]["code"], "usage");
  EXPECT_EQ(j["outcome"], "not_sent");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("give --server HOST:PORT"),
            std::string::npos);
}

TEST_F(Admin, ForceNewClusterSendsConfirmAndNeverFollowsARedirect) {
  recorder elsewhere;
  fake_server leader([&](const wire::client_request& r, std::size_t) {
    elsewhere.add(r);
    return reply::ok("?");
  });
  fake_server named([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return reply::redirect(leader.endpoint_text());
  });
  EXPECT_EQ(admin(to(named, 0.3),
                  {.action = admin_action::force_new_cluster, .unsafe_acknowledged = true}),
            exit_unavailable);
  EXPECT_TRUE(elsewhere.all().empty());
  ASSERT_FALSE(seen.all().empty());
  EXPECT_EQ(seen.all()[0].type, wire::request_type::force_new_cluster);
  EXPECT_TRUE(seen.all()[0].confirm);
}

TEST_F(Admin, ForceNewClusterPrintsTheServersAnswer) {
  fake_server s([](const wire::client_request&, std::size_t) {
    return reply::ok("This server now forms a new cluster alone from its own log.");
  });
  EXPECT_EQ(admin(to(s), {.action = admin_action::force_new_cluster, .unsafe_acknowledged = true}),
            exit_ok);
  EXPECT_EQ(out.str(), "This server now forms a new cluster alone from its own log.\n");
}

TEST_F(Admin, NoQuorumUntilTheDeadlineSaysTheOutcomeIsUnknownAndExits3) {
  fake_server minority([&](const wire::client_request& r, std::size_t) {
    seen.add(r);
    return reply::error(errc::no_quorum, "Error: no quorum: this server knows no leader.");
  });
  auto o = to(minority, 0.3);
  o.request_id = "rid-9";
  EXPECT_EQ(admin(o, {.action = admin_action::remove_member, .node_id = 2}), exit_unavailable);
  EXPECT_EQ(err.str(),
            "Error: no quorum: the cluster could not reach a majority of its members within "
            "0.3 s (the last answer, from " +
                minority.endpoint_text() +
                ": Error: no quorum: this server knows no leader.); the outcome is unknown: "
                "node 2 may or may not have been removed. Retrying with --request-id rid-9 is "
                "safe.\n");
  const auto requests = seen.all();
  ASSERT_GE(requests.size(), 2U);  // retried until the deadline, with one request id
  for (const auto& r : requests) EXPECT_EQ(r.request_id, "rid-9");
}

TEST_F(Admin, NoQuorumInJsonHasTheCodeAndOutcome) {
  fake_server minority([](const wire::client_request&, std::size_t) {
    return reply::error(errc::no_quorum, "Error: no quorum.");
  });
  auto o = to(minority, 0.3);
  o.json = true;
  EXPECT_EQ(admin(o, {.action = admin_action::transfer_leadership}), exit_unavailable);
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["error"]["code"], "no_quorum");
  EXPECT_EQ(j["outcome"], "unknown");
  EXPECT_EQ(j["error"]["message"].get<std::string>().rfind("no quorum: the cluster", 0), 0U);
}

TEST_F(Admin, BadServerIsAUsageError) {
  common_options o;
  o.server = "127.0.0.1:0";
  EXPECT_EQ(status(o), exit_usage);
  EXPECT_EQ(admin(o, {.action = admin_action::transfer_leadership}), exit_usage);
}

}  // namespace
}  // namespace vote::client
