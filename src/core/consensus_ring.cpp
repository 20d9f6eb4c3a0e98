// §5.1 failure detection (election timer, stickiness, fast path) and §5.2 the LCR ring round
// that decides who should stand. LCR only decides who *tries*: safety rests on the takeover.
#include <algorithm>

#include "consensus_state.hpp"

namespace vote::consensus {
namespace {

bool contains(const std::vector<node_id>& ids, node_id id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

void core::tick_follower() {
  if (cluster_uuid_.empty() || !config_.is_voter(self_) || stopping_) return;
  if (fast_path_at_ && now_ >= *fast_path_at_) {
    // The link to the leader closed and no append arrived since: our own link is down, so we
    // are no longer sticky and start a round without waiting for the timer.
    fast_path_at_.reset();
    leader_link_down_ = true;
    start_round();
    return;
  }
  if (now_ < election_deadline_) return;
  // Fallback: stand directly — but only while discovery shows a majority of the voters alive,
  // so a node on a minority side cannot keep stealing promises from the majority (a pre-vote).
  if (opts_.rounds_before_standing != 0 && failed_rounds_ >= opts_.rounds_before_standing &&
      config_.is_quorum(ring())) {
    reset_election_timer();  // the randomized timer spaces out direct attempts
    start_takeover(false);
    return;
  }
  start_round();
}

// The live voting members sorted by id (always including this node).
std::vector<node_id> core::ring() const {
  std::vector<node_id> r;
  for (const member& m : config_.voters) {
    if (m.id == self_ || !silent_.contains(m.id)) r.push_back(m.id);
  }
  return r;  // voters are kept sorted by id
}

void core::start_round() {
  reset_election_timer();  // a round that does not finish is restarted at the next timeout
  if (leader_id_ != 0 && !leader_link_down_) report_leader({});
  ++round_;
  ++failed_rounds_;
  participant_ = true;
  send_hop(election{.round = round_, .uid = self_, .visited = {self_}}, self_);
}

// Sends `m` to the first live member after `after` on the ring that is not skipped, and waits
// for its hop ack. With nobody left, the message arrives back here at once.
void core::send_hop(election m, node_id after) {
  const std::vector<node_id> r = ring();
  auto it = std::upper_bound(r.begin(), r.end(), after);
  for (std::size_t n = 0; n < r.size(); ++n, ++it) {
    if (it == r.end()) it = r.begin();
    if (*it == self_ || contains(m.skipped, *it)) continue;
    send(*it, m);
    hops_.push_back(hop{m, *it, now_ + opts_.round_timeout});
    return;
  }
  if (m.uid == self_) won_round(m);
}

void core::tick_hops() {
  std::vector<hop> expired;
  std::erase_if(hops_, [&](const hop& h) {
    if (h.deadline > now_) return false;
    expired.push_back(h);
    return true;
  });
  for (hop& h : expired) {
    if (h.msg.round < round_) continue;  // a newer round superseded it
    // Unacknowledged within round_timeout: skip that member (its uid now counts as lower).
    if (!contains(h.msg.skipped, h.target)) h.msg.skipped.push_back(h.target);
    send_hop(std::move(h.msg), h.target);
  }
}

void core::on_election_ack(const envelope& e, const election_ack& m) {
  std::erase_if(hops_, [&](const hop& h) {
    return h.target == e.from && h.msg.round == m.round && h.msg.uid == m.uid;
  });
}

void core::on_election(const envelope& e, const election& m) {
  send(e.from, election_ack{.round = m.round, .uid = m.uid});
  if (role_ == role::leader) {  // a serving leader: "reconnect instead"
    send(e.from, leader_alive{.id = self_, .epoch = epoch_, .endpoint = opts_.endpoint});
    return;
  }
  if (!config_.is_voter(self_) || m.round < round_) return;
  if (m.round > round_) {
    round_ = m.round;
    participant_ = false;
    std::erase_if(sticky_forwarded_, [&](const auto& k) { return k.first < round_; });
  }
  if (m.uid == self_) {
    won_round(m);
    return;
  }
  if (contains(m.visited, self_)) return;  // went round once already: its initiator is gone
  if (sticky() || stopping_) {
    // Sticky: forward without taking part (once per uid, so a message whose initiator died
    // cannot circle a ring of sticky nodes forever).
    if (sticky_forwarded_.insert({m.round, m.uid}).second) send_hop(m, self_);
    return;
  }
  forward_election(m);
}

// The LCR rule on a non-sticky node; a uid listed in `skipped` counts as lower than ours.
void core::forward_election(election m) {
  const bool higher = m.uid > self_ && !contains(m.skipped, m.uid);
  if (higher) {
    participant_ = true;
    m.visited.push_back(self_);
    send_hop(std::move(m), self_);
  } else if (!participant_) {
    participant_ = true;
    election own{
        .round = m.round, .uid = self_, .visited = {self_}, .skipped = std::move(m.skipped)};
    send_hop(std::move(own), self_);
  }
  // lower and already participant: discard
}

void core::won_round(const election& m) {
  if (!config_.is_voter(self_) || stopping_ || leader_ || takeover_) return;
  // Pre-check (§5.2): stand only if a majority of the voters saw our uid go round.
  if (!config_.is_quorum(m.visited)) return;  // wait for the next election timeout
  start_takeover(false);
}

void core::on_leader_alive(const envelope&, const leader_alive& m) {
  // The leader is alive: the driver reconnects to it; we stop the fast path and our part in
  // the round. No epoch or leadership is taken from this message.
  if (m.id == leader_id_ && m.epoch >= epoch_) {
    leader_link_down_ = false;
    fast_path_at_.reset();
  }
}

}  // namespace vote::consensus
