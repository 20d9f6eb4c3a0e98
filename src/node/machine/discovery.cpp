// The node driver: peer frames, hellos, bootstrap and join (DESIGN.md §4), silence, leave.
//
// Hellos only map ids to addresses and say who looks alive: no epoch, promise or leadership
// belief is ever taken from one (the core gets member_seen/member_silent only). The one decision
// made from hellos is the bootstrap of §4: an empty server joins a cluster whose hello reports a
// leader (decided on the leader's own hello, which lists the voters: an id already among them
// means this server lost its disk), or — when no server it hears belongs to a cluster — the
// highest id among the unaffiliated servers proposes a new one.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "internal.hpp"
#include "vote/core/log_rate.hpp"

namespace vote::node {

namespace {}  // namespace

// A random (version 4) UUID for a new cluster, from the machine's seeded generator.
std::string node_machine::new_uuid() {
  std::uint32_t w[4];
  for (auto& x : w) x = static_cast<std::uint32_t>(rng_());
  w[1] = (w[1] & 0xffff0fffu) | 0x00004000u;  // version 4
  w[2] = (w[2] & 0x3fffffffu) | 0x80000000u;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1] >> 16, w[1] & 0xffff,
                w[2] >> 16, w[2] & 0xffff, w[3]);
  return buf;
}

// ---- peer messages --------------------------------------------------------------------------

void node_machine::on_envelope(const consensus::envelope& e) {
  if (frozen_ || e.to != settings_.id) return;
  survive("a peer message from node " + std::to_string(e.from), [&] {
    core_.tick(now());
    core_.step(e);
    pump_soon();
  });
}

// The link broke and the peer refused (or did not take) an immediate reconnect: treat it as
// silent too, so ring rounds skip it at once instead of waiting for a hop ack (§5.2). Its next
// hello makes it live again.
void node_machine::on_link_down(std::uint64_t peer) {
  if (frozen_) return;
  core_.link_closed(peer);
  core_.member_silent(peer);
  if (auto it = peers_.find(peer); it != peers_.end()) it->second.reported_silent = true;
  pump_soon();
}

// A member stopping with --leave asks to be removed (docs/protocol.md §7).
void node_machine::on_leave(const wire::leave_request& r) {
  if (frozen_ || r.cluster_uuid != core_.cluster_uuid()) return;
  if (!core_.configuration().knows(r.from, r.incarnation)) return;
  const auto code = core_.remove_member(r.from);
  note(note_level::info,
       "node " + std::to_string(r.from) + " asks to leave the cluster: " +
           (code == errc::ok ? "removal proposed" : std::string(to_string(code))));
  pump_soon();
}

void node_machine::send_leave() {
  leave_resend_at_ = now() + settings_.hello_interval;
  if (core_.role() == consensus::role::leader) {
    core_.remove_member(settings_.id);  // the core steps down once the removal commits
    pump_soon();
    return;
  }
  const auto leader = core_.leader();
  if (leader.id == 0 || leader.endpoint.empty()) return;
  fx_.send(leader.id, leader.endpoint,
           wire::leave_request{.from = settings_.id,
                               .incarnation = settings_.incarnation,
                               .cluster_uuid = core_.cluster_uuid()});
}

// Left: the committed configuration no longer lists us, or the leader's latest hello lists the
// voters without us (a removed member is sent nothing more, so its log may never show it).
bool node_machine::left_cluster() const {
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

std::string node_machine::endpoint_of(std::uint64_t id) const {
  if (const auto* m = core_.configuration().find(id)) return m->endpoint;
  if (const auto it = peers_.find(id); it != peers_.end()) return it->second.hello.endpoint;
  return {};
}

// ---- hellos ---------------------------------------------------------------------------------

void node_machine::on_hello(const wire::hello& h) {
  if (frozen_) return;
  survive("a hello from node " + std::to_string(h.node_id), [&] { take_hello(h); });
}

void node_machine::take_hello(const wire::hello& h) {
  if (h.node_id == settings_.id) {
    if (h.incarnation != settings_.incarnation || h.endpoint != settings_.endpoint) {
      if (worth_logging(++warnings_.id_clashes)) {
        note(note_level::error, "another server at " + h.endpoint +
                                    " claims this node's id; node ids must be unique (give one "
                                    "of them another --id or data directory)");
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
    if (worth_logging(++warnings_.strangers)) {
      note(note_level::error, "server " + std::to_string(h.node_id) + " at " + h.endpoint +
                                  " uses the cluster name '" + settings_.cluster +
                                  "' but belongs to another cluster (" + h.cluster_uuid +
                                  "; ours is " + uuid + "); it is ignored");
    }
    return;
  }
  const auto* known = core_.configuration().find(h.node_id);
  if (known != nullptr && known->incarnation == h.incarnation) {
    core_.member_seen(h.node_id, h.incarnation, h.endpoint);
  } else if (known != nullptr) {
    if (worth_logging(++warnings_.reborn)) {
      const auto id = std::to_string(h.node_id);
      note(note_level::error, "node " + id +
                                  " came back with a new data directory (its disk was lost); it "
                                  "is not counted. Remove it (vote-admin remove --node " +
                                  id + ") and start it with a new id to join as a new member");
    }
    return;
  }
  if (known == nullptr && h.role == "joining" && core_.role() == consensus::role::leader &&
      !stop_requested_) {
    const auto code = core_.add_member({h.node_id, h.incarnation, h.endpoint});
    if (code == errc::ok) {
      note(note_level::info,
           "adding node " + std::to_string(h.node_id) + " at " + h.endpoint + " as a learner");
    }
  }
  pump_soon();
}

// ---- bootstrap, join, silence ---------------------------------------------------------------

void node_machine::tick_discovery() {
  const auto t = now();
  if (t < next_discovery_check_) return;
  next_discovery_check_ = t + milliseconds(50);
  check_silence();
  if (core_.cluster_uuid().empty() && !stop_requested_) try_bootstrap();
}

// Members not heard for 3 hello intervals are reported silent; servers that are not members
// and not heard for 20 intervals are forgotten (a flood of hellos cannot grow memory for good).
void node_machine::check_silence() {
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

void node_machine::try_bootstrap() {
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
      fx_.fatal("node id " + std::to_string(settings_.id) + " is already a member of cluster " +
                h.cluster_uuid + " (led by node " + std::to_string(h.leader.id) + " at " +
                h.leader.endpoint +
                "), but this data directory is empty: its disk was lost. Start it with a new "
                "--id (or none) to join as a new member, and remove the old one with "
                "`vote-admin remove --node " +
                std::to_string(settings_.id) + "`");
      return;
    }
    note(note_level::info, "joining cluster " + h.cluster_uuid + " led by node " +
                               std::to_string(h.leader.id) + " at " + h.leader.endpoint);
    core_.join_cluster(h.cluster_uuid);
    pump_soon();
    fx_.hello_now();
    return;
  }
  if (cluster_heard) return;  // a cluster exists but shows no leader now: wait for one
  const std::size_t heard = unaffiliated.size() + 1;
  if (heard < settings_.bootstrap_expect) {
    if (heard != heard_when_waiting_) {
      note(note_level::info, "waiting for " + std::to_string(settings_.bootstrap_expect) +
                                 " servers to form a cluster (hear " + std::to_string(heard) + ")");
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
  note(note_level::info,
       "proposing a new cluster " + uuid + " of " + std::to_string(members.size()) + " server(s)");
  bootstrapping_ = true;
  core_.start_bootstrap(uuid, std::move(members));
  pump_soon();
}

}  // namespace vote::node
