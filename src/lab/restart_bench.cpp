// Large synthetic states and the restart bench (include/vote/lab/restart_bench.hpp).
#include "vote/lab/restart_bench.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "vote/client/call.hpp"
#include "vote/client/request_id.hpp"
#include "vote/lab/cluster.hpp"
#include "vote/lab/harness.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/storage/file_system.hpp"
#include "vote/storage/snapshot.hpp"

namespace vote::lab {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

// 32 lowercase hex characters derived from n: a client's nonce.
std::string hex32(std::uint64_t n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(n * 0x9E3779B97F4A7C15ULL));
  return buf;
}

std::string voter_id(std::uint32_t i) {
  return "voter-" + std::to_string(i);
}

void apply_or_throw(synthetic_state& s, const command& c) {
  const outcome o = s.state.apply(c);
  if (!o.ok()) throw std::runtime_error("synthetic state: refused: " + o.message);
}

std::uint64_t rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

}  // namespace

synthetic_state make_synthetic_state(std::uint32_t elections, std::uint32_t voters,
                                     std::uint32_t chunk, std::int64_t timestamp_ms,
                                     bool one_left) {
  synthetic_state s{election_state(limits{}), 0, 0};
  chunk = std::max<std::uint32_t>(chunk, 1);
  for (std::uint32_t e = 0; e < elections; ++e) {
    const std::string election = "election-" + std::to_string(e);
    for (std::uint32_t first = 0; first < voters; first += chunk) {
      std::vector<std::string> ids;
      for (std::uint32_t i = first; i < std::min(voters, first + chunk); ++i) {
        ids.push_back(voter_id(i));
        s.id_bytes += ids.back().size();
      }
      const bool more = voters - first > chunk;
      command c;
      c.timestamp_ms = timestamp_ms;
      if (first == 0) {
        register_cmd r;
        r.election_id = election;
        r.candidates = {"Alice", "Bob", "Carol"};
        r.voters = std::move(ids);
        r.more_voters = more;
        c.request_id = "reg-" + election;
        c.body = std::move(r);
      } else {
        c.request_id = "add-" + election + "-" + std::to_string(first);
        c.body = add_voters_cmd{election, std::move(ids), {}, more};
      }
      apply_or_throw(s, c);
    }
    static const char* const names[] = {"Alice", "Bob", "Carol"};
    const std::uint32_t voting = one_left && e == 0 ? voters - 1 : voters;
    for (std::uint32_t i = 0; i < voting; ++i) {
      const std::uint64_t n = std::uint64_t{e} << 32 | i;
      command c;
      c.timestamp_ms = timestamp_ms;
      c.request_id = "vote-" + hex32(n).substr(0, 24);
      s.id_bytes += c.request_id.size();
      vote_cmd v;
      v.election_id = election;
      v.voter = voter_id(i);
      v.candidate = names[i % 3];
      v.nonce = hex32(n);
      c.body = std::move(v);
      apply_or_throw(s, c);
      ++s.votes;
    }
  }
  return s;
}

restart_result run_restart_bench(const restart_options& o, std::ostream& progress) {
  test::cluster::options co;
  co.size = 3;
  test::cluster c(co);
  // While forming, a snapshot after every entry: each server keeps one of its (empty) state to
  // replace. The restart uses the default.
  const std::vector<std::string> every_entry = {"--snapshot-every", "1"};
  progress << "restart: forming 3 servers on 127.0.0.1 (discovery port " << c.discovery_port()
           << ")" << std::endl;
  c.start(1, every_entry);
  if (!c.wait_until_leader_is(1, 20s)) {
    throw std::runtime_error("server 1 did not lead:\n" + c.logs());
  }
  c.start(2, every_entry);
  c.start(3, every_entry);
  if (!c.wait_until_leader_is(3, 30s)) throw std::runtime_error("no leader:\n" + c.logs());
  for (test::cluster::node_id id = 1; id <= 3; ++id) {
    if (!c.wait_caught_up(id, 10s)) throw std::runtime_error("a server did not catch up");
  }
  for (test::cluster::node_id id = 1; id <= 3; ++id) c.stop(id);

  restart_result r;
  const auto fs = storage::make_posix_file_system();
  std::int64_t timestamp_ms = 0;
  std::vector<storage::snapshot> snaps;
  for (test::cluster::node_id id = 1; id <= 3; ++id) {
    auto snap = storage::load_latest_snapshot(*fs, c.data_dir(id).string());
    if (!snap) throw std::runtime_error("server " + std::to_string(id) + " kept no snapshot");
    const auto state = election_state::restore(snap->state);
    if (!state || state->election_count() != 0) {
      throw std::runtime_error("the cluster's snapshot is not an empty election state");
    }
    timestamp_ms = std::max(timestamp_ms, state->last_timestamp_ms());
    snaps.push_back(std::move(*snap));
  }
  progress << "restart: building " << o.elections << " election(s) of " << o.voters
           << " voters, every one but one voting" << std::endl;
  auto start = clock_type::now();
  synthetic_state s = make_synthetic_state(o.elections, o.voters, 100'000, timestamp_ms, true);
  r.build_ms = ms_since(start);
  r.votes = s.votes;
  {
    const std::string bytes = o.json_v3 ? s.state.snapshot_v3() : s.state.snapshot();
    r.snapshot_bytes = bytes.size();
    for (test::cluster::node_id id = 1; id <= 3; ++id) {
      const auto ec =
          storage::write_snapshot(*fs, c.data_dir(id).string(), snaps[id - 1].meta, bytes);
      if (ec) throw std::runtime_error("writing a snapshot: " + ec.message());
    }
  }
  s.state = election_state(limits{});
  // VOTE_RESTART_KEEP=DIR: a copy of the three data directories, to time one server's start.
  if (const char* keep = std::getenv("VOTE_RESTART_KEEP")) {
    for (test::cluster::node_id id = 1; id <= 3; ++id) {
      std::filesystem::copy(c.data_dir(id), std::string(keep) + "/n" + std::to_string(id),
                            std::filesystem::copy_options::recursive);
    }
  }
  progress << "restart: " << r.votes << " votes in each server's snapshot ("
           << r.snapshot_bytes / 1'000'000 << " MB); starting the 3 servers" << std::endl;

  wire::client_request vote_req;
  vote_req.type = wire::request_type::vote;
  vote_req.request_id = client::make_request_id();
  vote_req.body = vote_cmd{"election-0", voter_id(o.voters - 1), "Alice"};
  client::call_options call;
  call.discovery.broadcast = std::string(net::loopback_broadcast);
  call.discovery.port = c.discovery_port();
  call.timeout = 120s;
  start = clock_type::now();
  for (test::cluster::node_id id = 1; id <= 3; ++id) c.launch(id, {});
  const auto answer = client::call(vote_req, call);
  r.first_vote_ms = ms_since(start);
  if (!answer.ok()) {
    throw std::runtime_error("the first vote after the restart failed: " + answer.message + "\n" +
                             c.logs());
  }
  for (test::cluster::node_id id = 1; id <= 3; ++id)
    r.rss_bytes.push_back(rss_bytes(c.proc(id).pid()));
  return r;
}

void print_restart(const restart_result& r, std::ostream& out) {
  out << "restart, 3 servers on loopback holding " << r.votes << " recorded votes ("
      << r.snapshot_bytes / 1'000'000 << " MB of state in each snapshot):\n"
      << "  spawn of the 3 servers -> first acknowledged vote: "
      << static_cast<long>(r.first_vote_ms) << " ms\n  resident memory:";
  for (const std::uint64_t b : r.rss_bytes) {
    out << " " << b / 1'000'000 << " MB (" << static_cast<double>(b) / static_cast<double>(r.votes)
        << " B/vote)";
  }
  out << "\n  (building the state took " << static_cast<long>(r.build_ms) << " ms)\n";
}

nlohmann::json to_json(const restart_result& r) {
  return {{"votes", r.votes},
          {"snapshot_bytes", r.snapshot_bytes},
          {"first_vote_ms", r.first_vote_ms},
          {"rss_bytes", r.rss_bytes},
          {"build_ms", r.build_ms}};
}

}  // namespace vote::lab
