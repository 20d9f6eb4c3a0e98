// The chaos layer (DESIGN.md §9 "Multi-host", "History checking"): vote-server clusters inside
// network namespaces, a seeded nemesis, concurrent recorded clients, and the failover bench.
//
// netns_cluster: servers 1..N, server i in namespace node_ns(i) of its own netns_lab, started
// with --id i, the same --port and --discovery-port everywhere (they are different hosts), an
// admin token file and a data directory under the cluster's work directory, and no --host or
// --broadcast: each server detects eth0 and the lab's broadcast address itself. Clients run on
// threads that entered the lab's client namespace. A restarted server keeps its data directory.
// The destructor SIGKILLs every server (paused ones too), then the lab removes the namespaces;
// the work directory (data, logs) is removed unless `keep`.
//
// run_chaos: forms a cluster, registers one election, runs recorded client threads against it
// while the nemesis disturbs at most a minority at a time (one action at a time, random gaps),
// heals everything, waits for convergence, closes the election, reads the final state of every
// server locally and checks the history (history.hpp). Same seed, same nemesis schedule and
// client choices; thread timing is the real world's.
//
// run_failover_bench: three servers on loopback (vote::test::cluster, --host 127.0.0.1
// --broadcast 127.255.255.255); per disturbance kind (SIGKILL, SIGSTOP, SIGTERM of the leader)
// and round, the time from the signal until one `vote` process started right after it, with the
// CLI's default flags (only pointed at the loopback broadcast), exited 0 with an answer from
// another server: what a voter feels, process start included.
//
// Threading: one thread drives a netns_cluster; call(), status() and friends may be used from
// any thread (each runs on a thread of its own inside the client namespace).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/client/call.hpp"
#include "vote/history/history.hpp"
#include "vote/lab/netns.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/wire/messages.hpp"

namespace vote::lab {

// The client history is the one record every test lab shares (vote/history/history.hpp).
using history::all_passed;
using history::check_history;
using history::check_result;
using history::completion;
using history::op_type;
using history::operation;
using history::recorder;
using history::server_state;
using history::tally_map;

// One request to `server` over a fresh connection from the calling thread's namespace, bounded
// by `timeout` in total (connect included). nullopt on a transport failure, a timeout or an
// undecodable answer. No retries, no redirects.
std::optional<wire::client_response> exchange(const net::endpoint& server,
                                              const wire::client_request& request,
                                              std::chrono::milliseconds timeout);

using node_id = std::size_t;

class netns_cluster {
 public:
  struct options {
    std::size_t servers = 5;
    std::string bin_dir;  // holds vote-server; empty: where vote::test::bin() looks
    std::uint16_t port = 7300;
    std::uint16_t discovery_port = 7301;
    std::string log_level = "info";
    std::vector<std::string> server_args;  // appended to every start
    bool keep = false;                     // keep namespaces and the work directory
  };
  explicit netns_cluster(options o);
  ~netns_cluster();
  netns_cluster(const netns_cluster&) = delete;
  netns_cluster& operator=(const netns_cluster&) = delete;

  netns_lab& net() { return *lab_; }
  std::string client_ns() const { return lab_->client_ns(); }
  std::size_t size() const { return options_.servers; }
  std::vector<node_id> ids() const;  // 1..size
  const std::string& admin_token() const { return admin_token_; }
  const std::filesystem::path& work_dir() const { return work_; }
  net::endpoint endpoint(node_id id) const;

  // Lifecycle; start() spawns and returns (a starting server is polled with status()).
  void start(node_id id);
  void kill9(node_id id);
  int stop(node_id id);  // SIGTERM; the exit code, -1 when still running after 20 s
  void pause(node_id id);
  void resume(node_id id);
  bool running(node_id id);
  bool paused(node_id id) const;

  // Starts server 1 and waits until it leads, then starts the others and waits until all agree
  // on one leader. Throws std::runtime_error (with the logs) when that takes over `timeout`.
  void form(std::chrono::milliseconds timeout);

  // Requests from the client namespace.
  std::optional<wire::server_status> status(
      node_id id, std::chrono::milliseconds timeout = std::chrono::milliseconds(800));
  // status() of each of `among`, in parallel.
  std::vector<std::optional<wire::server_status>> statuses(
      const std::vector<node_id>& among,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(800));
  // Exactly one of `among` says it leads and every other one names it; nullopt otherwise (also
  // when one of them does not answer).
  std::optional<node_id> agreed_leader(const std::vector<node_id>& among);
  bool wait_until_leader_is(node_id id, const std::vector<node_id>& among,
                            std::chrono::milliseconds timeout);
  // An agreed leader and the same commit_index and applied_index on all of `among`.
  bool wait_converged(const std::vector<node_id>& among, std::chrono::milliseconds timeout);
  // {"type":"results","local":true}: this server's applied state of the election.
  std::optional<wire::client_response> local_results(node_id id, const std::string& election_id);
  // The whole public record of a closed election as server `id` serves it (docs/record.md);
  // nullopt, with the reason in `why`, when it cannot be had.
  std::optional<std::string> record(node_id id, const std::string& election_id, std::string& why);
  // The client library in the client namespace, finding the leader by broadcast.
  client::call_options client_options(std::chrono::milliseconds timeout) const;
  client::call_result call(const wire::client_request& request,
                           const client::call_options& how) const;

  // Every server's stderr over all its runs, the last `lines` lines each, prefixed "[n<id>] ".
  std::string logs(std::size_t lines = 60);
  // Writes each server's whole stderr to work_dir()/n<id>.log; returns those paths.
  std::vector<std::filesystem::path> save_logs();
  // Leaves the work directory (data, logs) behind when the cluster is destroyed.
  void keep_work_dir() { keep_work_ = true; }

 private:
  struct member {
    std::unique_ptr<test::process> proc;
    std::string earlier_logs;
    bool paused = false;
  };
  std::vector<std::string> args(node_id id) const;
  std::string all_logs(node_id id) const;

  options options_;
  std::string admin_token_;
  std::filesystem::path work_;
  bool keep_work_ = false;
  std::unique_ptr<netns_lab> lab_;
  std::vector<member> members_;  // index id - 1
};

// --- building blocks of a chaos run ---

// What the nemesis did: kill (SIGKILL, later restart), term (SIGTERM: a graceful stop that must
// exit 0, later restart), pause (SIGSTOP, later SIGCONT), partition (nodes on the far bridge; the
// clients on `client_far` side), isolate (link down).
struct nemesis_action {
  std::int64_t at_ms = 0;  // since the run began
  std::string kind;
  std::vector<node_id> nodes;
  bool client_far = false;
  std::int64_t held_ms = 0;
  std::string note;  // e.g. "leader"
};

// Recorded clients: `clients` threads inside the client namespace, each looping until stop():
// mostly a vote of a fresh voter, sometimes a second vote of one of its earlier voters (another
// candidate, a new request_id: must be refused already_voted, or be the one counted), sometimes
// a linearizable results read. Even-numbered clients find the leader by broadcast; odd ones send
// to a random server and follow not_leader redirects. Every call is recorded in the history.
class workload {
 public:
  struct options {
    std::string election_id;
    std::vector<std::string> candidates;
    std::size_t voters = 0;  // voter ids v0..v<voters-1>
    std::size_t clients = 8;
    std::uint64_t seed = 0;
    std::chrono::milliseconds call_timeout{2000};
  };
  workload(const netns_cluster& cluster, recorder& h, options o);
  ~workload();
  workload(const workload&) = delete;
  workload& operator=(const workload&) = delete;
  // Lets every thread finish its current call, then joins them.
  void stop();

 private:
  void client_loop(std::size_t k);
  void vote(std::size_t k, std::mt19937_64& rng, std::vector<std::string>& mine);
  void read(std::size_t k, std::mt19937_64& rng);
  client::call_options call_options(std::size_t k, std::mt19937_64& rng) const;

  const netns_cluster& cluster_;
  recorder& history_;
  options options_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> next_voter_{0};
  std::vector<std::thread> threads_;
};

// The seeded nemesis: one action at a time with random gaps, each undone before the next, so at
// most a minority is ever disturbed: kill -9 a server (restarted on its data directory), stop
// one with SIGTERM (restarted likewise), SIGSTOP one (SIGCONT later), partition a random
// minority from the majority (the clients on a random side), or isolate one server. Half of the
// single-server actions aim at the current leader.
class nemesis {
 public:
  nemesis(netns_cluster& cluster, std::uint64_t seed, std::ostream& progress);
  // Acts until `until` (the action under way is completed); times are relative to `t0`.
  void run(std::chrono::steady_clock::time_point t0, std::chrono::steady_clock::time_point until);
  // Resumes, restarts and reconnects everything. Returns the servers it found not running: the
  // nemesis restarts what it kills, so those exited by themselves.
  std::vector<node_id> heal_all();
  const std::vector<nemesis_action>& actions() const { return actions_; }
  // What went wrong on the way, e.g. a graceful stop that did not exit 0.
  const std::vector<std::string>& anomalies() const { return anomalies_; }

 private:
  node_id pick_target(std::string& note);
  void act(nemesis_action& a);

  netns_cluster& cluster_;
  std::mt19937_64 rng_;
  std::ostream& progress_;
  std::vector<nemesis_action> actions_;
  std::vector<std::string> anomalies_;
};

// --- the chaos run ---

struct chaos_options {
  std::uint64_t seed = 0;
  std::chrono::seconds duration{20};
  std::size_t servers = 5;
  std::size_t clients = 8;
  std::size_t voters = 20000;  // authorized voters of the election
  std::string bin_dir;
  bool keep = false;
  std::chrono::milliseconds call_timeout{2000};
  std::chrono::seconds recover_timeout{60};
};

struct chaos_report {
  std::uint64_t seed = 0;
  std::size_t votes_ok = 0, votes_refused = 0, votes_unknown = 0;
  std::size_t reads_ok = 0, reads_failed = 0;
  std::map<std::string, std::size_t> vote_codes;  // "refused already_voted" -> count, ...
  std::vector<nemesis_action> actions;
  std::optional<std::int64_t> recover_ms;  // from healing everything to a converged cluster
  std::vector<check_result> checks;
  std::vector<std::string> problems;  // a run that could not be checked says why
  std::filesystem::path work_dir;     // kept when the run failed or with --keep
  bool passed() const { return problems.empty() && all_passed(checks); }
};

// Runs one chaos run; `progress` gets a line per phase and per nemesis action.
chaos_report run_chaos(const chaos_options& o, std::ostream& progress);
nlohmann::json to_json(const chaos_report& r);
void print_summary(const chaos_report& r, std::ostream& out);

// --- the failover bench ---

// The servers are vote::test::bin("vote-server") (set $VOTE_BIN_DIR to choose another build).
struct failover_options {
  std::size_t rounds = 5;
};

struct failover_samples {
  std::string kind;            // "kill", "stop", "term"
  std::vector<double> ms;      // one per measured round
  std::size_t unmeasured = 0;  // rounds whose vote failed or was answered by the old leader
  std::size_t abandoned = 0;   // attempts the CLIs left unanswered for a newer leader
};

std::vector<failover_samples> run_failover_bench(const failover_options& o, std::ostream& progress);
void print_failover(const std::vector<failover_samples>& r, std::ostream& out);
nlohmann::json to_json(const std::vector<failover_samples>& r);

}  // namespace vote::lab
