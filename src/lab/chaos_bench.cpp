// The failover bench (include/vote/lab/chaos.hpp, run_failover_bench): three servers on
// loopback, the leader disturbed once per round, one `vote` process timed per round.
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>

#include "vote/client/request_id.hpp"
#include "vote/lab/chaos.hpp"
#include "vote/lab/cluster.hpp"
#include "vote/lab/harness.hpp"

namespace vote::lab {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr int voters_per_election = 10;

// What one `vote` process, started right after the signal, saw.
struct cli_vote {
  int code = -1;
  double ms = 0;              // from the signal until the process exited
  std::string server;         // which server answered ("server" in its --json output)
  std::size_t abandoned = 0;  // attempts it left unanswered for a newer leader
};

// The shipped CLI with its default flags, only pointed at the loopback cluster: the same code path,
// attempt timeout and hedging a voter gets.
cli_vote run_vote_cli(test::cluster& c, const std::string& election, const std::string& voter,
                      clock_type::time_point signalled) {
  const auto r = test::run("vote",
                           {"--broadcast", std::string(net::loopback_broadcast), "--discovery-port",
                            std::to_string(c.discovery_port()), "--election-id", election, "--id",
                            voter, "--candidate", "A", "--json"},
                           30s);
  cli_vote v;
  v.code = r.code;
  v.ms = std::chrono::duration<double, std::milli>(clock_type::now() - signalled).count();
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_object()) {
    v.server = j.value("server", "");
    if (j.contains("abandoned") && j["abandoned"].is_array()) v.abandoned = j["abandoned"].size();
  }
  return v;
}

bool register_election(test::cluster& c, const std::string& id) {
  register_cmd cmd{id, {"A", "B"}, {}, tie_break::none};
  for (int i = 0; i < voters_per_election; ++i) cmd.voters.push_back("b" + std::to_string(i));
  wire::client_request r;
  r.type = wire::request_type::register_election;
  r.request_id = client::make_request_id();
  r.body = std::move(cmd);
  client::call_options o;
  o.discovery.broadcast = std::string(net::loopback_broadcast);
  o.discovery.port = c.discovery_port();
  o.timeout = 10s;
  return client::call(r, o).ok();
}

// Waits until the highest id leads again and everyone has caught up.
bool settled(test::cluster& c) {
  if (!c.wait_until_leader_is(c.size(), 30s)) return false;
  for (test::cluster::node_id id = 1; id <= c.size(); ++id) {
    if (!c.wait_caught_up(id, 10s)) return false;
  }
  return true;
}

// One round: a warm-up vote through the CLI, then the leader disturbed `kind`-wise and one more
// `vote` process; measured when it exits 0 with an answer from another server.
std::optional<double> round(test::cluster& c, const std::string& kind, const std::string& election,
                            failover_samples& s, std::ostream& progress) {
  if (!settled(c) || !register_election(c, election)) return std::nullopt;
  const auto leader = c.size();
  const auto old = c.endpoint(leader);
  if (run_vote_cli(c, election, "b0", clock_type::now()).code != 0) return std::nullopt;
  const auto t0 = clock_type::now();
  if (kind == "kill") c.kill9(leader);
  if (kind == "stop") c.pause(leader);
  if (kind == "term") c.proc(leader).signal(SIGTERM);
  const auto v = run_vote_cli(c, election, "b1", t0);
  if (kind == "stop") c.resume(leader);
  if (kind == "term") c.proc(leader).wait(20s);
  if (kind != "stop") c.restart(leader);
  s.abandoned += v.abandoned;
  if (v.code != 0 || v.server.empty() || v.server == old) {
    progress << "failover: vote exited " << v.code << " after " << static_cast<long>(v.ms)
             << " ms (answered by '" << v.server << "')" << std::endl;
    return std::nullopt;
  }
  return v.ms;
}

double nearest_rank(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

std::vector<failover_samples> run_failover_bench(const failover_options& o,
                                                 std::ostream& progress) {
  test::cluster::options co;
  co.size = 3;
  test::cluster c(co);
  progress << "failover: starting 3 servers on 127.0.0.1 (discovery port " << c.discovery_port()
           << ")" << std::endl;
  c.start(1);
  if (!c.wait_until_leader_is(1, 20s))
    throw std::runtime_error("server 1 did not lead:\n" + c.logs());
  c.start(2);
  c.start(3);
  std::vector<failover_samples> out;
  for (const char* kind : {"kill", "stop", "term"}) {
    failover_samples s;
    s.kind = kind;
    for (std::size_t i = 0; i < o.rounds; ++i) {
      const auto election = "fb-" + s.kind + "-" + std::to_string(i);
      const auto ms = round(c, s.kind, election, s, progress);
      progress << "failover: " << s.kind << " round " << i + 1 << ": "
               << (ms ? std::to_string(static_cast<long>(*ms)) + " ms" : "not measured")
               << std::endl;
      if (ms) {
        s.ms.push_back(*ms);
      } else {
        ++s.unmeasured;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

void print_failover(const std::vector<failover_samples>& r, std::ostream& out) {
  out << "failover, 3 servers on loopback; time from the signal to the leader until one `vote` "
         "process\nstarted right after it (default flags: broadcast discovery, hedging) exited 0 "
         "with an answer from another server:\n";
  for (const auto& s : r) {
    out << "  " << s.kind << ": " << s.ms.size() << " rounds";
    if (!s.ms.empty()) {
      auto sorted = s.ms;
      std::sort(sorted.begin(), sorted.end());
      out << ", median " << static_cast<long>(nearest_rank(sorted, 0.5)) << " ms, p90 "
          << static_cast<long>(nearest_rank(sorted, 0.9)) << " ms, max "
          << static_cast<long>(sorted.back()) << " ms";
    }
    if (s.abandoned) out << ", " << s.abandoned << " attempts abandoned for a newer leader";
    if (s.unmeasured) out << ", " << s.unmeasured << " not measured";
    out << "\n";
  }
}

nlohmann::json to_json(const std::vector<failover_samples>& r) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& s : r) {
    out[s.kind] = {{"ms", s.ms}, {"unmeasured", s.unmeasured}, {"abandoned", s.abandoned}};
  }
  return out;
}

}  // namespace vote::lab
