// The node machine's views of itself: the leader it names, its hello, its answer to
// who_is_leader, status and the cluster view.
#include <algorithm>

#include "internal.hpp"

namespace vote::node {

wire::hello node_machine::hello() const {
  wire::hello h;
  h.cluster = settings_.cluster;
  h.cluster_uuid = core_.cluster_uuid();
  h.node_id = settings_.id;
  h.incarnation = settings_.incarnation;
  h.endpoint = settings_.endpoint;
  const auto& config = core_.configuration();
  // "joining" asks the leader to add us: only a server that is new to the cluster (no
  // configuration lists it yet) or a learner says so, never one that was removed.
  const bool removed = !config.voters.empty() && !config.is_member(settings_.id);
  h.role = h.cluster_uuid.empty() || (!config.is_voter(settings_.id) && !removed)
               ? "joining"
               : std::string(consensus::to_string(core_.role()));
  if (auto l = leader()) h.leader = std::move(*l);
  if (h.role == "leader") {
    for (const auto& m : config.voters) {
      if (h.voters.size() == wire::max_hello_voters) break;
      h.voters.push_back(m.id);
    }
  }
  return h;
}

std::optional<consensus::leader_info> node_machine::leader() const {
  const bool leading = core_.role() == consensus::role::leader && !stop_requested_;
  consensus::leader_info l;
  if (leading) {
    l = {.id = settings_.id, .epoch = core_.epoch(), .endpoint = settings_.endpoint};
  } else if (core_.sticky()) {
    l = core_.leader();
  }
  if (l.id == 0 || l.endpoint.empty()) return std::nullopt;
  return l;
}

std::optional<wire::leader_is> node_machine::discovery_answer() const {
  auto l = leader();
  if (!l) return std::nullopt;
  return wire::leader_is{
      .cluster = settings_.cluster, .cluster_uuid = core_.cluster_uuid(), .leader = std::move(*l)};
}

wire::server_status node_machine::status() const {
  wire::server_status s;
  s.node_id = settings_.id;
  s.role = std::string(consensus::to_string(core_.role()));
  s.endpoint = settings_.endpoint;
  if (auto l = leader()) s.leader = std::move(*l);
  s.epoch = core_.epoch();
  s.commit_index = core_.commit_index();
  s.applied_index = applied_index_;
  return s;
}

wire::cluster_view node_machine::cluster_view() const {
  wire::cluster_view v;
  v.self = settings_.id;
  if (auto l = leader()) v.leader = std::move(*l);
  v.epoch = core_.epoch();
  v.commit_index = core_.commit_index();
  v.applied_index = applied_index_;
  v.cluster_uuid = core_.cluster_uuid();
  const auto progress = core_.peers_progress();
  const auto& config = core_.configuration();
  auto add = [&](const consensus::member& m, bool voter) {
    wire::member_view mv;
    mv.id = m.id;
    mv.endpoint = m.endpoint;
    mv.voter = voter;
    mv.role = voter ? "follower" : "learner";
    if (m.id == v.leader.id) mv.role = "leader";
    if (m.id == settings_.id) {
      if (core_.role() == consensus::role::candidate) mv.role = "candidate";
      mv.match_index = core_.last_index();
    }
    const auto p = std::find_if(progress.begin(), progress.end(),
                                [&](const consensus::peer_progress& x) { return x.id == m.id; });
    if (p != progress.end()) {
      mv.match_index = p->match_index;
      if (p->last_reply) mv.last_contact_ms = (core_.now() - *p->last_reply).count();
    }
    if (core_.role() == consensus::role::leader) {
      mv.lag = core_.last_index() > mv.match_index ? core_.last_index() - mv.match_index : 0;
    }
    v.members.push_back(std::move(mv));
  };
  for (const auto& m : config.voters) add(m, true);
  for (const auto& m : config.learners) add(m, false);
  return v;
}

}  // namespace vote::node
