// The seeded nemesis of a chaos run (include/vote/lab/chaos.hpp, nemesis).
#include <algorithm>
#include <ostream>
#include <thread>

#include "vote/lab/chaos.hpp"

namespace vote::lab {
namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

std::string describe(const nemesis_action& a) {
  std::string nodes;
  for (auto n : a.nodes) nodes += (nodes.empty() ? "n" : ",n") + std::to_string(n);
  std::string text = std::to_string(a.at_ms) + "ms " + a.kind + " " + nodes;
  if (a.kind == "partition") text += a.client_far ? " (clients with them)" : " (clients apart)";
  if (!a.note.empty()) text += " (" + a.note + ")";
  return text + " for " + std::to_string(a.held_ms) + "ms";
}

}  // namespace

nemesis::nemesis(netns_cluster& cluster, std::uint64_t seed, std::ostream& progress)
    : cluster_(cluster), rng_(seed), progress_(progress) {}

node_id nemesis::pick_target(std::string& note) {
  const auto ids = cluster_.ids();
  const auto random = ids[static_cast<std::size_t>(uniform(rng_, 0, ids.size() - 1))];
  if (uniform(rng_, 0, 1) == 0) return random;
  if (const auto leader = cluster_.agreed_leader(ids)) {
    note = "leader";
    return *leader;
  }
  return random;
}

void nemesis::run(clock_type::time_point t0, clock_type::time_point until) {
  static const char* kinds[] = {"kill", "term", "pause", "partition", "isolate"};
  while (clock_type::now() < until) {
    std::this_thread::sleep_for(milliseconds(uniform(rng_, 300, 1500)));  // the schedule's gap
    if (clock_type::now() >= until) break;
    nemesis_action a;
    a.kind = kinds[uniform(rng_, 0, std::size(kinds) - 1)];
    a.held_ms = uniform(rng_, 500, 3000);
    if (a.kind == "partition") {
      auto ids = cluster_.ids();
      std::shuffle(ids.begin(), ids.end(), rng_);
      const auto minority = static_cast<std::size_t>(uniform(rng_, 1, (ids.size() - 1) / 2));
      const bool far_is_minority = uniform(rng_, 0, 1) == 0;
      const auto split = far_is_minority ? minority : ids.size() - minority;
      a.nodes.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(split));
      std::sort(a.nodes.begin(), a.nodes.end());
      a.client_far = uniform(rng_, 0, 1) == 0;
      a.note = far_is_minority ? "far side is the minority" : "far side is the majority";
    } else {
      a.nodes = {pick_target(a.note)};
    }
    a.at_ms = std::chrono::duration_cast<milliseconds>(clock_type::now() - t0).count();
    progress_ << "nemesis: " << describe(a) << std::endl;
    act(a);
    actions_.push_back(a);
  }
}

// Does `a`, holds it for a.held_ms, and undoes it.
void nemesis::act(nemesis_action& a) {
  const auto n = a.nodes.front();
  if (a.kind == "kill") {
    cluster_.kill9(n);
  } else if (a.kind == "term") {
    if (const int code = cluster_.stop(n); code != 0)
      anomalies_.push_back("server " + std::to_string(n) + " stopped by SIGTERM at " +
                           std::to_string(a.at_ms) + " ms exited " + std::to_string(code));
  } else if (a.kind == "pause") {
    cluster_.pause(n);
  } else if (a.kind == "partition") {
    cluster_.net().partition(a.nodes, a.client_far ? side::far : side::main);
  } else {
    cluster_.net().isolate(n);
  }
  std::this_thread::sleep_for(milliseconds(a.held_ms));  // how long the fault lasts
  if (a.kind == "kill" || a.kind == "term") {
    cluster_.start(n);
  } else if (a.kind == "pause") {
    cluster_.resume(n);
  } else if (a.kind == "partition") {
    cluster_.net().heal();
  } else {
    cluster_.net().reconnect(n);
  }
}

std::vector<node_id> nemesis::heal_all() {
  std::vector<node_id> dead;
  for (auto id : cluster_.ids()) {
    if (cluster_.paused(id)) cluster_.resume(id);
    if (!cluster_.running(id)) {
      dead.push_back(id);
      cluster_.start(id);
    }
  }
  cluster_.net().heal();
  return dead;
}

}  // namespace vote::lab
