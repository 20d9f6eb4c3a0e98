// The nemesis' process, adversary and membership actions, and the final degraded topology.
#include <algorithm>

#include "vote/sim/nemesis.hpp"

namespace vote::sim {
namespace {

std::vector<std::size_t> slots_where(const cluster& c, bool (*pred)(const sim_node&)) {
  std::vector<std::size_t> v;
  for (std::size_t s = 0; s < c.slots(); ++s) {
    if (pred(c.node(s))) v.push_back(s);
  }
  return v;
}

bool is_up(const sim_node& n) {
  return n.up();
}
bool is_running(const sim_node& n) {
  return n.running();
}
bool is_down(const sim_node& n) {
  return !n.up() && n.lifetimes > 0;
}
bool never_started(const sim_node& n) {
  return n.lifetimes == 0;
}

std::size_t prefer(rng& random, const std::vector<std::size_t>& from,
                   std::optional<std::size_t> preferred, double p) {
  if (preferred && std::find(from.begin(), from.end(), *preferred) != from.end() &&
      random.chance(p)) {
    return *preferred;
  }
  return random.pick(from);
}

// The voting configuration every up node agrees on, or nullopt while a change is in flight (then
// "a majority of the configuration" is not one set of nodes, and no liveness claim holds).
std::optional<consensus::configuration> agreed_config(const cluster& c) {
  std::optional<consensus::configuration> agreed;
  for (std::size_t s = 0; s < c.slots(); ++s) {
    const auto& n = c.node(s);
    if (!n.up() || !n.core().configuration().is_member(n.id)) continue;
    const auto& mine = n.core().configuration();
    if (agreed && agreed->voters != mine.voters) return std::nullopt;
    agreed = mine;
  }
  return agreed;
}

}  // namespace

void nemesis::crash(cluster& c, rng& random, bool bounce) {
  const auto up = slots_where(c, is_up);
  if (up.empty()) return;
  const auto s = prefer(random, up, leader_like(c), 0.4);
  c.crash(s);
  if (bounce) restarts_.emplace_back(c.now() + random.between(1, 120), s);
}

void nemesis::restart(cluster& c, rng& random) {
  const auto down = slots_where(c, is_down);
  if (!down.empty()) c.restart(random.pick(down));
}

void nemesis::pause(cluster& c, rng& random) {
  const auto running = slots_where(c, is_running);
  if (running.empty()) return;
  const auto s = prefer(random, running, leader_like(c), 0.5);
  c.pause(s, c.now() + random.between(150, 1500));
}

// SIGTERM: the server hands over, drains and exits; the cluster restarts it a moment later.
void nemesis::stop(cluster& c, rng& random) {
  const auto running = slots_where(c, is_running);
  if (running.empty()) return;
  c.stop(prefer(random, running, leader_like(c), 0.5));
}

void nemesis::storm(cluster& c, rng& random, std::size_t count) {
  auto running = slots_where(c, is_running);
  random.shuffle(running);
  std::int64_t at = c.now();
  for (std::size_t k = 0; k < count && k < running.size(); ++k) {
    if (k == 0) {
      c.force_takeover(running[k]);
    } else {
      at += random.between(0, 30);
      takeovers_.emplace_back(at, running[k]);
    }
  }
}

void nemesis::add_member(cluster& c, rng& random) {
  const auto leader = c.serving_leader();
  const auto spare = slots_where(c, never_started);
  if (!leader || spare.empty()) return;
  c.start_fresh(random.pick(spare));  // it hears the leader's hellos, joins, and is added
}

void nemesis::remove_member(cluster& c, rng& random) {
  const auto leader = c.serving_leader();
  if (!leader) return;
  const auto& voters = c.node(*leader).core().configuration().voters;
  if (voters.size() < 3) return;  // keep majorities worth testing
  c.remove_member(*leader, random.pick(voters).id);
}

void nemesis::bring_back(cluster& c, rng& random) {
  const auto leader = c.serving_leader();
  if (!leader) return;
  const auto& config = c.node(*leader).core().configuration();
  std::vector<std::size_t> removed;
  for (const auto s : started_slots(c)) {
    if (!config.is_member(c.node(s).id)) removed.push_back(s);
  }
  if (removed.empty()) return;
  const auto s = random.pick(removed);
  if (random.chance(0.5)) {  // the old process with its old disk and stale configuration
    c.crash(s);
    c.restart(s);
    return;
  }
  c.start_fresh(s);  // a new disk: it must join as a new member
}

std::optional<std::vector<std::size_t>> nemesis::degrade(cluster& c, rng& random) {
  if (!has_network_faults()) return std::nullopt;
  c.heal_everything();  // crashed members restart first: their configuration counts too
  const auto config = agreed_config(c);
  if (!config || config->voters.size() < 3) return std::nullopt;
  std::vector<std::size_t> voters;
  for (const auto& m : config->voters) voters.push_back(*c.slot_of(m.id));
  std::vector<int> variants;
  if (profile_.one_way || profile_.leader_minority) variants.push_back(0);
  if (profile_.leader_minority || profile_.partitions) variants.push_back(1);
  if (profile_.bridge) variants.push_back(2);
  const auto variant = random.pick(variants);
  const auto victim = prefer(random, voters, leader_like(c), 0.9);
  auto others = voters;
  others.erase(std::find(others.begin(), others.end(), victim));
  random.shuffle(others);
  topology t(c.slots());
  std::vector<std::size_t> cut_off{victim};
  if (variant == 0) {  // the leader hears nobody but can still send
    for (const auto o : others) t.cut(o, victim);
  } else {  // the leader and a minority on one side
    const auto extra = static_cast<std::ptrdiff_t>(voters.size() - (voters.size() / 2 + 1) - 1);
    cut_off.insert(cut_off.end(), others.begin(), others.begin() + extra);
    const std::vector<std::size_t> rest(others.begin() + extra, others.end());
    t.split({cut_off, rest});
    if (variant == 2) {          // one of the majority bridges to the cut-off side: either side may
      t.open_all(rest.front());  // lead with the bridge, any write will do
      cut_off.clear();
    }
  }
  c.set_links(t);
  return cut_off;
}

}  // namespace vote::sim
