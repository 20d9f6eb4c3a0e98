// The failover bench (include/vote/lab/chaos.hpp, run_failover_bench): three servers on
// loopback, one client voting continuously, the leader disturbed once per round.
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <ostream>

#include "vote/client/request_id.hpp"
#include "vote/lab/chaos.hpp"
#include "vote/lab/cluster.hpp"

namespace vote::lab {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t voters_per_election = 20'000;

client::call_options bench_client(std::uint16_t discovery_port) {
  client::call_options o;
  o.discovery.broadcast = std::string(net::loopback_broadcast);
  o.discovery.port = discovery_port;
  o.discovery.collect_window = 10ms;
  o.timeout = 2s;
  o.attempt_timeout = 300ms;
  o.backoff_initial = 10ms;
  o.backoff_max = 50ms;
  return o;
}

// One client thread voting without pause, each vote by a fresh voter of the current election;
// remembers when each acknowledgement arrived and which server gave it.
class steady_voter {
 public:
  explicit steady_voter(std::uint16_t discovery_port)
      : options_(bench_client(discovery_port)), thread_([this] { loop(); }) {}
  ~steady_voter() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    thread_.join();
  }

  void set_election(const std::string& e) {
    std::lock_guard lock(mutex_);
    election_ = e;
    next_voter_ = 0;
  }

  // When the first vote acknowledged by a server other than `not_from` completed after `t`.
  std::optional<clock_type::time_point> first_ack_after(clock_type::time_point t,
                                                        const std::string& not_from,
                                                        std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<clock_type::time_point> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& [done, by] : acks_) {
        if (done > t && by != not_from) {
          found = done;
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  void loop() {
    for (;;) {
      wire::client_request r;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        if (election_.empty() || next_voter_ >= voters_per_election) {
          r.type = wire::request_type::status;  // nothing to vote in: idle briefly below
        } else {
          r.type = wire::request_type::vote;
          r.body = vote_cmd{election_, "b" + std::to_string(next_voter_++), "A"};
        }
      }
      if (r.type != wire::request_type::vote) {
        std::this_thread::sleep_for(10ms);
        continue;
      }
      r.request_id = client::make_request_id();
      const auto done = client::call(r, options_);
      if (!done.ok()) continue;
      std::lock_guard lock(mutex_);
      acks_.emplace_back(clock_type::now(), done.last_target);
      changed_.notify_all();
    }
  }

  client::call_options options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::string election_;
  std::size_t next_voter_ = 0;
  std::vector<std::pair<clock_type::time_point, std::string>> acks_;
  std::thread thread_;  // last: starts after everything above exists
};

bool register_election(test::cluster& c, const std::string& id) {
  register_cmd cmd{id, {"A", "B"}, {}, tie_break::none};
  for (std::size_t i = 0; i < voters_per_election; ++i)
    cmd.voters.push_back("b" + std::to_string(i));
  wire::client_request r;
  r.type = wire::request_type::register_election;
  r.request_id = client::make_request_id();
  r.body = std::move(cmd);
  auto o = bench_client(c.discovery_port());
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

// One round: disturb the leader `kind`-wise, measure, restore. nullopt when unmeasured.
std::optional<double> round(test::cluster& c, steady_voter& voter, const std::string& kind,
                            const std::string& election, std::chrono::milliseconds timeout) {
  if (!settled(c) || !register_election(c, election)) return std::nullopt;
  voter.set_election(election);
  if (!voter.first_ack_after(clock_type::now(), "", 5s)) return std::nullopt;
  const auto leader = c.size();
  const auto old = c.endpoint(leader);
  const auto t0 = clock_type::now();
  if (kind == "kill") c.kill9(leader);
  if (kind == "stop") c.pause(leader);
  if (kind == "term") c.proc(leader).signal(SIGTERM);
  const auto acked = voter.first_ack_after(t0, old, timeout);
  if (kind == "stop") c.resume(leader);
  if (kind == "term") c.proc(leader).wait(20s);
  if (kind != "stop") c.restart(leader);
  if (!acked) return std::nullopt;
  return std::chrono::duration<double, std::milli>(*acked - t0).count();
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
  steady_voter voter(c.discovery_port());
  std::vector<failover_samples> out;
  for (const char* kind : {"kill", "stop", "term"}) {
    failover_samples s;
    s.kind = kind;
    for (std::size_t i = 0; i < o.rounds; ++i) {
      const auto election = "fb-" + s.kind + "-" + std::to_string(i);
      const auto ms = round(c, voter, s.kind, election, o.round_timeout);
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
  out << "failover, 3 servers on loopback; time from the signal to the leader until the first "
         "vote acknowledged by another server\n(client: broadcast discovery, 300 ms attempts, "
         "10-50 ms backoff):\n";
  for (const auto& s : r) {
    out << "  " << s.kind << ": " << s.ms.size() << " rounds";
    if (!s.ms.empty()) {
      auto sorted = s.ms;
      std::sort(sorted.begin(), sorted.end());
      out << ", median " << static_cast<long>(nearest_rank(sorted, 0.5)) << " ms, p90 "
          << static_cast<long>(nearest_rank(sorted, 0.9)) << " ms, max "
          << static_cast<long>(sorted.back()) << " ms";
    }
    if (s.unmeasured) out << ", " << s.unmeasured << " not measured";
    out << "\n";
  }
}

nlohmann::json to_json(const std::vector<failover_samples>& r) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& s : r) out[s.kind] = {{"ms", s.ms}, {"unmeasured", s.unmeasured}};
  return out;
}

}  // namespace vote::lab
