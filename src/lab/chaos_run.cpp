// One chaos run from start to verdict (include/vote/lab/chaos.hpp, run_chaos).
#include <ostream>

#include "vote/client/request_id.hpp"
#include "vote/lab/chaos.hpp"

namespace vote::lab {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr const char* election = "chaos";
const std::vector<std::string> candidates = {"alice", "bob", "carol"};

std::int64_t ms_since(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t).count();
}

// An admin command through the client library; "" when acknowledged, else why not.
std::string admin_call(netns_cluster& c, wire::client_request r) {
  r.request_id = client::make_request_id();
  r.admin_token = c.admin_token();
  const auto done = c.call(r, c.client_options(15s));
  return done.ok() ? std::string()
                   : std::string(client::to_string(done.result)) + ": " + done.message;
}

std::string register_election(netns_cluster& c, std::size_t voters) {
  register_cmd cmd{election, candidates, {}, tie_break::none};
  cmd.live_results = true;  // the workload reads tallies while the election is open
  for (std::size_t i = 0; i < voters; ++i) cmd.voters.push_back("v" + std::to_string(i));
  wire::client_request r;
  r.type = wire::request_type::register_election;
  r.body = std::move(cmd);
  return admin_call(c, std::move(r));
}

std::string close_election(netns_cluster& c) {
  wire::client_request r;
  r.type = wire::request_type::close;
  r.body = close_cmd{election};
  return admin_call(c, std::move(r));
}

// Every server's applied state of the election, read locally; problems for those that fail.
std::vector<server_state> final_states(netns_cluster& c, std::vector<std::string>& problems) {
  std::vector<server_state> out;
  for (auto id : c.ids()) {
    const auto answer = c.local_results(id, election);
    if (answer && answer->ok() && answer->result) {
      out.push_back({id, *answer->result});
    } else {
      problems.push_back("no local results from server " + std::to_string(id) + ": " +
                         (answer ? answer->message : "no answer"));
    }
  }
  return out;
}

// The closed election's public record must be byte-identical on every server (docs/record.md).
void check_records(netns_cluster& c, std::vector<std::string>& problems) {
  std::optional<std::string> first;
  node_id first_id = 0;
  for (auto id : c.ids()) {
    std::string why;
    auto bytes = c.record(id, election, why);
    if (!bytes) {
      problems.push_back("no record from server " + std::to_string(id) + ": " + why);
    } else if (!first) {
      first = std::move(bytes);
      first_id = id;
    } else if (*bytes != *first) {
      problems.push_back("the record of server " + std::to_string(id) + " differs from server " +
                         std::to_string(first_id) + "'s");
    }
  }
}

void count_operations(const recorder& h, chaos_report& r) {
  r.votes_ok = h.count(op_type::vote, completion::ok);
  r.votes_refused = h.count(op_type::vote, completion::refused);
  r.votes_unknown = h.count(op_type::vote, completion::unknown);
  r.reads_ok = h.count(op_type::read, completion::ok);
  r.reads_failed =
      h.count(op_type::read, completion::refused) + h.count(op_type::read, completion::unknown);
  for (const auto& op : h.operations()) {
    if (op.type == op_type::vote && op.status != completion::ok)
      ++r.vote_codes[std::string(to_string(op.status)) + " " + std::string(to_string(op.code))];
  }
}

// The run after the cluster formed: workload + nemesis, heal, converge, close, check.
void disturb_and_check(netns_cluster& c, const chaos_options& o, chaos_report& r,
                       std::ostream& progress) {
  if (auto why = register_election(c, o.voters); !why.empty()) {
    r.problems.push_back("register failed: " + why);
    return;
  }
  recorder h;
  nemesis chaos(c, o.seed, progress);
  {
    workload clients(c, h, {election, candidates, o.voters, o.clients, o.seed, o.call_timeout});
    const auto t0 = clock_type::now();
    chaos.run(t0, t0 + o.duration);
    progress << "chaos: stopping the clients" << std::endl;
  }
  r.actions = chaos.actions();
  r.problems = chaos.anomalies();
  for (auto id : chaos.heal_all())
    r.problems.push_back("server " + std::to_string(id) + " was not running at the end");
  const auto healed = clock_type::now();
  progress << "chaos: healed everything; waiting for convergence" << std::endl;
  if (!c.wait_converged(c.ids(), o.recover_timeout)) {
    r.problems.push_back("no convergence within " + std::to_string(o.recover_timeout.count()) +
                         " s of healing");
    return;
  }
  r.recover_ms = ms_since(healed);
  if (auto why = close_election(c); !why.empty()) {
    r.problems.push_back("close failed: " + why);
    return;
  }
  if (!c.wait_converged(c.ids(), 20s)) r.problems.push_back("no convergence after the close");
  const auto finals = final_states(c, r.problems);
  check_records(c, r.problems);
  count_operations(h, r);
  r.checks = check_history(h.operations(), election, finals);
}

}  // namespace

chaos_report run_chaos(const chaos_options& o, std::ostream& progress) {
  chaos_report r;
  r.seed = o.seed;
  for (const auto& ns : remove_stale_namespaces())
    progress << "removed stale namespace " << ns << std::endl;
  netns_cluster::options co;
  co.servers = o.servers;
  co.bin_dir = o.bin_dir;
  co.keep = o.keep;
  netns_cluster c(co);
  r.work_dir = c.work_dir();
  progress << "chaos: forming a cluster of " << o.servers << " in namespaces ("
           << c.net().broadcast() << ")" << std::endl;
  try {
    c.form(60s);
    disturb_and_check(c, o, r, progress);
  } catch (const std::exception& e) {
    r.problems.push_back(e.what());
  }
  if (!r.passed() || o.keep) {
    c.save_logs();
    c.keep_work_dir();
  }
  return r;
}

}  // namespace vote::lab
