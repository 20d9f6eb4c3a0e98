// The node driver: peer frames, hellos, bootstrap and join (DESIGN.md §4), silence, leave.
//
// Hellos only map ids to addresses and say who looks alive: no epoch, promise or leadership
// belief is ever taken from one (the core gets member_seen/member_silent only). The one decision
// made from hellos is the bootstrap of §4: an empty server joins a cluster whose hello reports a
// leader (decided on the leader's own hello, which lists the voters: an id already among them
// means this server lost its disk), or — when no server it hears belongs to a cluster — the
// highest id among the unaffiliated servers proposes a new one.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <random>

#include "replies.hpp"
#include "vote/net/log.hpp"
#include "vote/node/cluster_node.hpp"
#include "vote/node/server.hpp"

namespace vote::node {

namespace {

// A random (version 4) UUID for a new cluster.
std::string new_uuid() {
  std::random_device rd;
  std::uint32_t w[4] = {rd(), rd(), rd(), rd()};
  w[1] = (w[1] & 0xffff0fffu) | 0x00004000u;  // version 4
  w[2] = (w[2] & 0x3fffffffu) | 0x80000000u;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1] >> 16, w[1] & 0xffff,
                w[2] >> 16, w[2] & 0xffff, w[3]);
  return buf;
}

// Peers not heard for this many hello intervals count as silent (and stale for bootstrap).
constexpr int silent_after_hellos = 3;

}  // namespace

// ---- peer frames ----------------------------------------------------------------------------

void cluster_node::on_peer_message(net::peer_message message, const net::request_origin& origin) {
  if (frozen_) return;
  survive(settings_.id, "a peer message from " + origin.remote_address,
          [&] { take_peer_message(message); });
}

void cluster_node::take_peer_message(net::peer_message& message) {
  if (const auto* leave = std::get_if<net::leave_request>(&message)) return on_leave(*leave);
  auto& e = std::get<consensus::envelope>(message);
  if (e.to != settings_.id) return;
  core_.tick(now());
  core_.step(e);
  schedule_pump();
}

// The link broke and the peer refused (or did not take) an immediate reconnect: treat it as
// silent too, so ring rounds skip it at once instead of waiting for a hop ack (§5.2). Its next
// hello makes it live again.
void cluster_node::on_link_down(std::uint64_t peer) {
  if (frozen_) return;
  core_.link_closed(peer);
  core_.member_silent(peer);
  if (auto it = peers_.find(peer); it != peers_.end()) it->second.reported_silent = true;
  schedule_pump();
}

// A member stopping with --leave asks to be removed (docs/protocol.md §7).
void cluster_node::on_leave(const net::leave_request& r) {
  if (r.cluster_uuid != core_.cluster_uuid()) return;
  if (!core_.configuration().knows(r.from, r.incarnation)) return;
  const auto code = core_.remove_member(r.from);
  spdlog::info("node={} node {} asks to leave the cluster: {}", settings_.id, r.from,
               code == errc::ok ? "removal proposed" : std::string(to_string(code)));
  schedule_pump();
}

void cluster_node::send_leave() {
  leave_resend_at_ = now() + settings_.hello_interval;
  if (core_.role() == consensus::role::leader) {
    core_.remove_member(settings_.id);  // the core steps down once the removal commits
    return;
  }
  const auto leader = core_.leader();
  if (leader.id == 0 || leader.endpoint.empty() || !send_) return;
  send_(leader.id, leader.endpoint,
        sealed(net::encode_leave({.from = settings_.id,
                                  .incarnation = settings_.incarnation,
                                  .cluster_uuid = core_.cluster_uuid()})));
}

// Left: the committed configuration no longer lists us, or the leader's latest hello lists the
// voters without us (a removed member is sent nothing more, so its log may never show it).
bool cluster_node::left_cluster() const {
  if (core_.cluster_uuid().empty() || !applied_config_.is_member(settings_.id)) return true;
  for (const auto& [id, seen] : peers_) {
    const auto& h = seen.hello;
    if (h.role != "leader" || h.cluster_uuid != core_.cluster_uuid() || h.voters.empty() ||
        seen.at < stop_started_) {
      continue;
    }
    if (std::find(h.voters.begin(), h.voters.end(), settings_.id) == h.voters.end()) return true;
  }
  return false;
}

std::string cluster_node::endpoint_of(std::uint64_t id) const {
  if (const auto* m = core_.configuration().find(id)) return m->endpoint;
  if (const auto it = peers_.find(id); it != peers_.end()) return it->second.hello.endpoint;
  return {};
}

// ---- hellos ---------------------------------------------------------------------------------

wire::hello cluster_node::hello() const {
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
  if (auto l = leader_info()) {
    h.leader_id = l->leader_id;
    h.leader_endpoint = l->leader_endpoint;
    h.leader_epoch = l->epoch;
  }
  if (h.role == "leader") {
    for (const auto& m : config.voters) {
      if (h.voters.size() == wire::max_hello_voters) break;
      h.voters.push_back(m.id);
    }
  }
  return h;
}

void cluster_node::on_hello(const wire::hello& h) {
  if (frozen_) return;
  survive(settings_.id, "a hello from node " + std::to_string(h.node_id), [&] { take_hello(h); });
}

void cluster_node::take_hello(const wire::hello& h) {
  if (h.node_id == settings_.id) {
    if (h.incarnation != settings_.incarnation || h.endpoint != settings_.endpoint) {
      if (net::worth_logging(++warnings_.id_clashes)) {
        spdlog::error(
            "node={} another server at {} claims this node's id; node ids must be "
            "unique (give one of them another --id or data directory)",
            settings_.id, h.endpoint);
      }
    }
    return;
  }
  auto& seen = peers_[h.node_id];
  seen.hello = h;
  seen.at = now();
  seen.reported_silent = false;
  const auto& uuid = core_.cluster_uuid();
  if (uuid.empty() || h.cluster_uuid.empty()) return;
  if (h.cluster_uuid != uuid) {
    if (net::worth_logging(++warnings_.strangers)) {
      spdlog::error(
          "node={} server {} at {} uses the cluster name '{}' but belongs to another "
          "cluster ({}; ours is {}); it is ignored",
          settings_.id, h.node_id, h.endpoint, settings_.cluster, h.cluster_uuid, uuid);
    }
    return;
  }
  const auto* known = core_.configuration().find(h.node_id);
  if (known != nullptr && known->incarnation == h.incarnation) {
    core_.member_seen(h.node_id, h.incarnation, h.endpoint);
  } else if (known != nullptr) {
    if (net::worth_logging(++warnings_.reborn)) {
      spdlog::error(
          "node={} node {} came back with a new data directory (its disk was lost); it "
          "is not counted. Remove it (vote-admin remove --node {}) and start it with a "
          "new id to join as a new member",
          settings_.id, h.node_id, h.node_id);
    }
    return;
  }
  if (known == nullptr && h.role == "joining" && core_.role() == consensus::role::leader &&
      !stop_requested_) {
    const auto code = core_.add_member({h.node_id, h.incarnation, h.endpoint});
    if (code == errc::ok) {
      spdlog::info("node={} adding node {} at {} as a learner", settings_.id, h.node_id,
                   h.endpoint);
    }
  }
  schedule_pump();
}

// ---- bootstrap, join, silence ---------------------------------------------------------------

void cluster_node::tick_discovery() {
  const auto t = now();
  if (t < next_discovery_check_) return;
  next_discovery_check_ = t + milliseconds(50);
  check_silence();
  if (core_.cluster_uuid().empty() && !stop_requested_) try_bootstrap();
}

// Members not heard for 3 hello intervals are reported silent; servers that are not members
// and not heard for 20 intervals are forgotten (a flood of hellos cannot grow memory for good).
void cluster_node::check_silence() {
  const auto silent_after = silent_after_hellos * settings_.hello_interval;
  const auto forget_after = 20 * settings_.hello_interval;
  const auto& config = core_.configuration();
  for (auto it = peers_.begin(); it != peers_.end();) {
    auto& [id, seen] = *it;
    const auto quiet = now() - seen.at;
    const bool member = config.is_member(id);
    if (!member && quiet >= forget_after) {
      it = peers_.erase(it);
      continue;
    }
    if (member && !seen.reported_silent && quiet >= silent_after) {
      seen.reported_silent = true;
      core_.member_silent(id);
    }
    ++it;
  }
}

void cluster_node::try_bootstrap() {
  const auto t = now();
  if (t < discovery_until_ || t < bootstrap_retry_at_ || bootstrapping_) return;
  const auto fresh = [&](const peer_seen& p) {
    return t - p.at < silent_after_hellos * settings_.hello_interval;
  };
  bool cluster_heard = false;
  std::vector<const wire::hello*> unaffiliated;
  for (const auto& [id, seen] : peers_) {
    if (!fresh(seen)) continue;
    const auto& h = seen.hello;
    if (h.cluster_uuid.empty()) {
      unaffiliated.push_back(&h);
      continue;
    }
    cluster_heard = true;
    // Join on the leader's own hello: only it lists the voters, which tells a lost disk apart.
    if (h.role != "leader") continue;
    if (settings_.new_identity &&
        std::find(h.voters.begin(), h.voters.end(), settings_.id) != h.voters.end()) {
      if (fatal_) {
        fatal_(exit_data, "node id " + std::to_string(settings_.id) +
                              " is already a member of cluster " + h.cluster_uuid +
                              " (led by node " + std::to_string(h.leader_id) + " at " +
                              h.leader_endpoint +
                              "), but this data directory is empty: its disk was lost. Start it "
                              "with a new --id (or none) to join as a new member, and remove "
                              "the old one with `vote-admin remove --node " +
                              std::to_string(settings_.id) + "`");
      }
      return;
    }
    spdlog::info("node={} joining cluster {} led by node {} at {}", settings_.id, h.cluster_uuid,
                 h.leader_id, h.leader_endpoint);
    core_.join_cluster(h.cluster_uuid);
    schedule_pump();
    if (hello_now_) hello_now_();
    return;
  }
  if (cluster_heard) return;  // a cluster exists but shows no leader now: wait for one
  const std::size_t heard = unaffiliated.size() + 1;
  if (heard < settings_.bootstrap_expect) {
    if (heard != heard_when_waiting_) {
      spdlog::info("node={} waiting for {} servers to form a cluster (hear {})", settings_.id,
                   settings_.bootstrap_expect, heard);
      heard_when_waiting_ = heard;
    }
    return;
  }
  for (const auto* h : unaffiliated) {
    if (h->node_id > settings_.id) return;  // the highest id proposes
  }
  std::sort(unaffiliated.begin(), unaffiliated.end(),
            [](const wire::hello* a, const wire::hello* b) { return a->node_id > b->node_id; });
  std::vector<consensus::member> members{{settings_.id, settings_.incarnation, settings_.endpoint}};
  for (const auto* h : unaffiliated) {
    if (members.size() >= settings_.bootstrap_expect) break;
    members.push_back({h->node_id, h->incarnation, h->endpoint});
  }
  const auto uuid = new_uuid();
  spdlog::info("node={} proposing a new cluster {} of {} server(s)", settings_.id, uuid,
               members.size());
  bootstrapping_ = true;
  core_.start_bootstrap(uuid, std::move(members));
  schedule_pump();
}

}  // namespace vote::node
