#include "vote/sim/nemesis.hpp"

#include <algorithm>

namespace vote::sim {
namespace {

void add(std::vector<nemesis_action>& v, nemesis_action a, int weight) {
  for (int i = 0; i < weight; ++i) v.push_back(a);
}

std::vector<std::size_t> without(std::vector<std::size_t> slots, std::size_t slot) {
  slots.erase(std::remove(slots.begin(), slots.end(), slot), slots.end());
  return slots;
}

}  // namespace

std::vector<std::size_t> started_slots(const cluster& c) {
  std::vector<std::size_t> v;
  for (std::size_t s = 0; s < c.slots(); ++s) {
    if (c.node(s).lifetimes > 0) v.push_back(s);
  }
  return v;
}

std::optional<std::size_t> leader_like(const cluster& c) {
  if (const auto s = c.serving_leader()) return s;
  for (std::size_t s = 0; s < c.slots(); ++s) {
    const auto& n = c.node(s);
    if (n.up() && n.core().role() != consensus::role::follower) return s;
  }
  return std::nullopt;
}

nemesis::nemesis(const fault_profile& profile, std::int64_t start_ms, rng& random)
    : profile_(profile), next_ms_(start_ms + random.between(0, profile.nemesis_gap_min_ms)) {
  using A = nemesis_action;
  if (has_network_faults()) add(actions_, A::heal, 2);
  if (profile.partitions) add(actions_, A::split, 3);
  if (profile.leader_minority) add(actions_, A::leader_minority, 4);
  if (profile.bridge) add(actions_, A::bridge, 3);
  if (profile.one_way) add(actions_, A::one_way, 3);
  if (profile.crashes) {
    add(actions_, A::crash, 2);
    add(actions_, A::bounce, 2);
    add(actions_, A::restart, 3);
    add(actions_, A::stop, 2);
  }
  if (profile.crashes || profile.leader_minority) add(actions_, A::pause, 1);
  if (profile.takeovers) {
    add(actions_, A::takeover, 3);
    add(actions_, A::storm, 2);
  }
  if (profile.membership) {
    add(actions_, A::add_member, 4);
    add(actions_, A::remove_member, 3);
    add(actions_, A::bring_back, 3);
    add(actions_, A::stop, 2);  // with --leave on some members: a leave
  }
}

bool nemesis::has_network_faults() const noexcept {
  return profile_.partitions || profile_.leader_minority || profile_.bridge || profile_.one_way;
}

namespace {

// Runs and forgets the scheduled actions whose time has come.
template <class Action>
void run_due(std::vector<std::pair<std::int64_t, std::size_t>>& scheduled, std::int64_t now,
             Action action) {
  for (auto it = scheduled.begin(); it != scheduled.end();) {
    if (it->first > now) {
      ++it;
      continue;
    }
    const auto slot = it->second;
    it = scheduled.erase(it);
    action(slot);
  }
}

}  // namespace

void nemesis::step(cluster& c, rng& random) {
  run_due(restarts_, c.now(), [&](std::size_t slot) { c.restart(slot); });
  run_due(takeovers_, c.now(), [&](std::size_t slot) { c.force_takeover(slot); });
  if (actions_.empty() || c.now() < next_ms_) return;
  next_ms_ = c.now() + random.between(profile_.nemesis_gap_min_ms, profile_.nemesis_gap_max_ms);
  act(random.pick(actions_), c, random);
}

void nemesis::act(nemesis_action a, cluster& c, rng& random) {
  using A = nemesis_action;
  switch (a) {
    case A::heal:
      c.set_links(topology(c.slots()));
      break;
    case A::split:
      split(c, random);
      break;
    case A::leader_minority:
      leader_minority(c, random);
      break;
    case A::bridge:
      bridge(c, random);
      break;
    case A::one_way:
      one_way(c, random);
      break;
    case A::crash:
      crash(c, random, false);
      break;
    case A::bounce:
      crash(c, random, true);
      break;
    case A::restart:
      restart(c, random);
      break;
    case A::pause:
      pause(c, random);
      break;
    case A::stop:
      stop(c, random);
      break;
    case A::takeover:
      storm(c, random, 1);
      break;
    case A::storm:
      storm(c, random, static_cast<std::size_t>(random.between(2, 3)));
      break;
    case A::add_member:
      add_member(c, random);
      break;
    case A::remove_member:
      remove_member(c, random);
      break;
    case A::bring_back:
      bring_back(c, random);
      break;
  }
}

void nemesis::split(cluster& c, rng& random) {
  auto slots = started_slots(c);
  if (slots.size() < 2) return;
  random.shuffle(slots);
  std::vector<std::vector<std::size_t>> sides;
  if (slots.size() >= 3 && random.chance(0.3)) {
    const auto a =
        static_cast<std::size_t>(random.between(1, static_cast<std::int64_t>(slots.size()) - 2));
    const auto b = static_cast<std::size_t>(random.between(
        static_cast<std::int64_t>(a) + 1, static_cast<std::int64_t>(slots.size()) - 1));
    sides = {{slots.begin(), slots.begin() + a},
             {slots.begin() + a, slots.begin() + b},
             {slots.begin() + b, slots.end()}};
  } else {
    const auto k =
        static_cast<std::size_t>(random.between(1, static_cast<std::int64_t>(slots.size()) - 1));
    sides = {{slots.begin(), slots.begin() + k}, {slots.begin() + k, slots.end()}};
  }
  topology t(c.slots());
  t.split(sides);
  c.set_links(t);
}

void nemesis::leader_minority(cluster& c, rng& random) {
  const auto leader = leader_like(c);
  if (!leader) return split(c, random);
  auto others = without(started_slots(c), *leader);
  random.shuffle(others);
  const auto n = others.size() + 1;
  const auto max_side = n - (n / 2 + 1);  // the most nodes a minority can have
  const auto extra =
      max_side == 0
          ? 0
          : static_cast<std::size_t>(random.between(0, static_cast<std::int64_t>(max_side) - 1));
  std::vector<std::size_t> side{*leader};
  side.insert(side.end(), others.begin(), others.begin() + static_cast<std::ptrdiff_t>(extra));
  const std::vector<std::size_t> rest(others.begin() + static_cast<std::ptrdiff_t>(extra),
                                      others.end());
  topology t(c.slots());
  if (random.chance(0.4)) {  // the leader's side still talks, but hears nobody
    for (const auto from : rest) {
      for (const auto to : side) t.cut(from, to);
    }
  } else {
    t.split({side, rest});
  }
  c.set_links(t);
}

void nemesis::bridge(cluster& c, rng& random) {
  auto slots = started_slots(c);
  if (slots.size() < 3) return split(c, random);
  random.shuffle(slots);
  const auto b = slots.back();
  slots.pop_back();
  const auto k =
      static_cast<std::size_t>(random.between(1, static_cast<std::int64_t>(slots.size()) - 1));
  topology t(c.slots());
  t.split({{slots.begin(), slots.begin() + k}, {slots.begin() + k, slots.end()}});
  t.open_all(b);
  c.set_links(t);
}

void nemesis::one_way(cluster& c, rng& random) {
  const auto slots = started_slots(c);
  const auto victim = leader_like(c);
  topology t(c.slots());
  const auto variant = random.below(3);
  if (victim && variant < 2) {
    for (const auto other : without(slots, *victim)) {
      if (variant == 0) t.cut(other, *victim);  // it hears nobody
      if (variant == 1) t.cut(*victim, other);  // nobody hears it
    }
  } else {
    for (const auto a : slots) {
      for (const auto b : slots) {
        if (a != b && random.chance(0.25)) t.cut(a, b);
      }
    }
  }
  c.set_links(t);
}

}  // namespace vote::sim
