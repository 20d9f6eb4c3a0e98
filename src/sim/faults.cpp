#include "vote/sim/faults.hpp"

#include <array>
#include <utility>

namespace vote::sim {
namespace {

constexpr std::array<std::pair<fault_kind, std::string_view>, 10> names{{
    {fault_kind::none, "none"},
    {fault_kind::lossy, "lossy"},
    {fault_kind::partitions, "partitions"},
    {fault_kind::leader_minority, "leader-minority"},
    {fault_kind::bridge, "bridge"},
    {fault_kind::one_way, "one-way"},
    {fault_kind::crashes, "crashes"},
    {fault_kind::takeovers, "takeovers"},
    {fault_kind::membership, "membership"},
    {fault_kind::mixed, "mixed"},
}};

void make_lossy(fault_profile& p) {
  p.drop = 0.08;
  p.duplicate = 0.05;
  p.late = 0.04;
}

}  // namespace

std::string_view to_string(fault_kind kind) noexcept {
  for (const auto& [k, name] : names) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<fault_kind> fault_kind_from_string(std::string_view name) noexcept {
  for (const auto& [k, n] : names) {
    if (n == name) return k;
  }
  return std::nullopt;
}

const std::vector<fault_kind>& all_fault_kinds() {
  static const std::vector<fault_kind> kinds = [] {
    std::vector<fault_kind> v;
    for (const auto& entry : names) v.push_back(entry.first);
    return v;
  }();
  return kinds;
}

fault_profile profile_for(fault_kind kind) {
  fault_profile p;
  if (kind != fault_kind::none) {  // a little background loss everywhere: laggards, retries
    p.drop = 0.01;
    p.duplicate = 0.01;
  }
  switch (kind) {
    case fault_kind::none:
      p.late = 0.0;
      break;
    case fault_kind::lossy:
      make_lossy(p);
      break;
    case fault_kind::partitions:
      p.partitions = true;
      break;
    case fault_kind::leader_minority:
      p.leader_minority = true;
      break;
    case fault_kind::bridge:
      p.bridge = true;
      break;
    case fault_kind::one_way:
      p.one_way = true;
      break;
    case fault_kind::crashes:
      p.crashes = true;
      p.crash_after_persist = 0.01;
      break;
    case fault_kind::takeovers:  // stale leaders on the far side of a cut make takeovers bite
      p.takeovers = p.leader_minority = p.bridge = true;
      break;
    case fault_kind::membership:  // members cut off fall behind configuration changes, and
      p.membership = p.leader_minority = p.takeovers = true;  // such laggards are made to stand
      break;
    case fault_kind::mixed:
      make_lossy(p);
      p.partitions = p.leader_minority = p.bridge = p.one_way = true;
      p.crashes = p.takeovers = p.membership = true;
      p.crash_after_persist = 0.005;
      break;
  }
  return p;
}

}  // namespace vote::sim
