// vote-bench: closed-loop vote throughput and latency (include/vote/client/bench.hpp;
// docs/clients.md). Registers its own elections, votes for --seconds, closes them and checks
// that every acknowledged vote was counted.
#include <iostream>

#include "vote/client/bench.hpp"
#include "vote/client/cli.hpp"
#include "vote/client/discovery.hpp"
#include "vote/client/output.hpp"

namespace {

namespace vc = vote::client;

// The leader to benchmark: the answer to a broadcast, or --server, or the leader that --server
// names when it is a follower (asked with a status request).
std::optional<vote::net::endpoint> find_leader(const vc::resolved_options& r, std::string& error) {
  if (r.call.server) {
    vote::wire::client_request status;
    status.type = vote::wire::request_type::status;
    const auto answer = vc::call(status, r.call);
    if (answer.response && answer.response->status) {
      const auto leader = vote::net::parse_endpoint(answer.response->status->leader.endpoint);
      if (leader) return leader;
    }
    return r.call.server;
  }
  const auto found =
      vc::discover_leader(r.call.discovery, std::chrono::steady_clock::now() + r.call.timeout);
  if (const auto* leader = std::get_if<vc::discovered_leader>(&found)) {
    return vote::net::parse_endpoint(leader->leader.endpoint);  // select_leader checked it
  }
  const auto& failure = std::get<vc::discovery_failure>(found);
  error = !failure.message.empty() ? failure.message
                                   : "no vote-server answered on " + r.call.discovery.broadcast +
                                         ":" + std::to_string(r.call.discovery.port) +
                                         " (is a server running? is --broadcast right?)";
  return std::nullopt;
}

int print(const vc::bench_report& report, bool json) {
  if (json) {
    std::cout << vc::bench_report_json(report).dump() << std::endl;
  } else {
    std::cout << vc::format_bench_report(report) << std::flush;
  }
  if (!report.setup_error.empty()) return vc::exit_code_for(report.setup_code);
  return report.mismatch() ? vc::exit_refused : vc::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Measure vote throughput and latency against the leader: N connections each "
      "send one vote, await the answer and repeat. Registers and closes its own "
      "elections (bench-<unix ms>-<k>) and checks every acknowledged vote was counted.",
      "vote-bench"};
  vc::common_options common;
  vc::bench_options options;
  app.add_option("--connections", options.connections, "Concurrent connections (closed loops)")
      ->type_name("N")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  app.add_option("--seconds", options.seconds, "How long to vote")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.001, 86'400.0))
      ->capture_default_str();
  app.add_option("--voters-per-election", options.voters_per_election,
                 "Voters registered per bench election (a large roll is registered in chunks)")
      ->type_name("N")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  const vc::flag_groups groups{.admin = true, .request_id = false, .progress = false};
  vc::add_common_flags(app, common, groups);
  app.footer(
      "Exit codes:\n  0  done, every acknowledged vote was counted\n"
      "  1  MISMATCH between acknowledged and counted votes, or the cluster refused setup\n"
      "  2  usage error\n  3  no leader reachable, or setup timed out\n\n"
      "--timeout bounds discovery, each connect and each vote exchange.");
  if (auto rc = vc::parse_command_line(app, argc, argv)) return *rc;

  auto resolved = vc::resolve_options(common, groups);
  if (auto* error = std::get_if<std::string>(&resolved)) return vc::usage_error(common, *error);
  const auto& r = std::get<vc::resolved_options>(resolved);
  std::string error;
  const auto leader = find_leader(r, error);
  if (!leader) return vc::early_error(common, error, "no_leader", vc::exit_unavailable);
  options.server = *leader;
  options.admin_token = r.admin_token;
  options.request_timeout = r.call.timeout;
  options.tls = r.call.tls;
  return print(vc::run_bench(options), common.json);
}
