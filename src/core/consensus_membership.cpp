// §4 membership: bootstrap, join (learner first, voter once caught up), removal, one change at
// a time; §5.4 leadership handover and "the highest id leads after a minimum tenure".
#include <algorithm>

#include "consensus_state.hpp"
#include "vote/core/invariant.hpp"

namespace vote::consensus {

// ---- bootstrap -------------------------------------------------------------------------------

void core::start_bootstrap(const std::string& uuid, std::vector<member> members) {
  if (!cluster_uuid_.empty() || last_index() != 0 || uuid.empty()) {
    out_.bootstrap = bootstrap_result::refused;
    return;
  }
  const bool listed =
      std::any_of(members.begin(), members.end(), [&](const member& x) { return x.id == self_; });
  if (!VOTE_INVARIANT(listed, "start_bootstrap of " + std::to_string(members.size()) +
                                  " members without this node " + std::to_string(self_))) {
    out_.bootstrap = bootstrap_result::refused;
    return;
  }
  bootstrap_ = std::make_unique<bootstrap_state>();
  bootstrap_->uuid = uuid;
  bootstrap_->members = std::move(members);
  bootstrap_->accepted.insert(self_);
  tick_bootstrap();
}

void core::tick_bootstrap() {
  if (!bootstrap_ || now_ < bootstrap_->next_send) return;
  bool all = true;
  for (const member& m : bootstrap_->members) {
    if (bootstrap_->accepted.contains(m.id)) continue;
    all = false;
    out_.messages.push_back(envelope{
        .from = self_,
        .from_incarnation = incarnation_,
        .to = m.id,
        .cluster_uuid = bootstrap_->uuid,
        .body = bootstrap_propose{.uuid = bootstrap_->uuid, .members = bootstrap_->members}});
  }
  bootstrap_->next_send = now_ + opts_.round_timeout;
  if (all) bootstrap_formed();
}

namespace {
configuration first_configuration(const std::string& uuid, const std::vector<member>& ms) {
  configuration c{uuid, ms, {}};
  c.normalize();
  return c;
}
}  // namespace

// A server with an empty data dir accepts at most one bootstrap, persisting the UUID (and the
// first configuration entry, identical on every member) before answering.
void core::on_bootstrap_propose(const envelope& e, const bootstrap_propose& m) {
  const auto listed = std::find_if(m.members.begin(), m.members.end(), [&](const member& x) {
    return x.id == self_ && x.incarnation == incarnation_;
  });
  bool accepted = cluster_uuid_ == m.uuid && !m.uuid.empty();
  const bool fresh = cluster_uuid_.empty() && last_index() == 0;
  if (!accepted && fresh && listed != m.members.end() && !m.uuid.empty() &&
      (!bootstrap_ || e.from > self_)) {
    if (bootstrap_) {  // a higher id proposes too: it wins
      out_.bootstrap = bootstrap_result::refused;
      bootstrap_.reset();
    }
    cluster_uuid_ = m.uuid;
    out_.persist.cluster_uuid = m.uuid;
    append_to_log(log_entry{1, 0, entry_kind::config,
                            encode_configuration(first_configuration(m.uuid, m.members))});
    reset_election_timer();
    accepted = true;
  }
  out_.messages.push_back(envelope{.from = self_,
                                   .from_incarnation = incarnation_,
                                   .to = e.from,
                                   .cluster_uuid = m.uuid,
                                   .body = bootstrap_reply{.uuid = m.uuid, .accepted = accepted}});
}

void core::on_bootstrap_reply(const envelope& e, const bootstrap_reply& m) {
  if (!m.accepted) {  // back off and rediscover (the driver's job)
    out_.bootstrap = bootstrap_result::refused;
    bootstrap_.reset();
    return;
  }
  bootstrap_->accepted.insert(e.from);
  for (const member& x : bootstrap_->members) {
    if (!bootstrap_->accepted.contains(x.id)) return;
  }
  bootstrap_formed();
}

// Every listed member accepted: persist the UUID and the first configuration, then stand.
void core::bootstrap_formed() {
  const auto b = std::move(bootstrap_);
  cluster_uuid_ = b->uuid;
  out_.persist.cluster_uuid = b->uuid;
  append_to_log(log_entry{1, 0, entry_kind::config,
                          encode_configuration(first_configuration(b->uuid, b->members))});
  out_.bootstrap = bootstrap_result::formed;
  start_takeover(false);
}

void core::join_cluster(const std::string& uuid) {
  if (!cluster_uuid_.empty() || uuid.empty()) return;
  cluster_uuid_ = uuid;
  out_.persist.cluster_uuid = uuid;
}

void core::force_new_cluster() {
  const member* me = config_.find(self_);
  consensus::configuration c = config_;
  c.voters = {me != nullptr ? *me : member{self_, incarnation_, opts_.endpoint}};
  c.learners.clear();
  if (leader_ || takeover_) step_down();
  const std::uint64_t e = 1 + std::max({highest_epoch_seen_, promised_epoch_, last_epoch()});
  persist_promise(e, self_);
  epoch_ = e;
  set_role(role::candidate);
  append_to_log(log_entry{last_index() + 1, e, entry_kind::config, encode_configuration(c)});
  begin_epoch();
}

// ---- configuration changes (leader) ------------------------------------------------------------

bool core::propose_config(const consensus::configuration& proposed) {
  consensus::configuration c = proposed;
  c.cluster_uuid = cluster_uuid_;
  c.normalize();
  if (c.voters.empty()) return false;
  append_to_log(log_entry{last_index() + 1, epoch_, entry_kind::config, encode_configuration(c)});
  leader_->dirty = true;
  return true;
}

errc core::add_member(const member& m) {
  if (role_ != role::leader || !leader_ || stopping_) return errc::not_leader;
  if (config_index_ > commit_index_) return errc::unavailable;  // one change at a time
  if (const member* old = config_.find(m.id)) {
    return old->incarnation == m.incarnation ? errc::ok : errc::bad_request;
  }
  consensus::configuration c = config_;
  c.learners.push_back(m);
  return propose_config(c) ? errc::ok : errc::internal;
}

errc core::remove_member(node_id id) {
  if (role_ != role::leader || !leader_ || stopping_) return errc::not_leader;
  if (config_index_ > commit_index_) return errc::unavailable;
  if (!config_.is_member(id)) return errc::ok;
  consensus::configuration c = config_;
  std::erase_if(c.voters, [&](const member& x) { return x.id == id; });
  std::erase_if(c.learners, [&](const member& x) { return x.id == id; });
  return propose_config(c) ? errc::ok : errc::bad_request;
}

// A learner that answers us and holds everything committed, within one batch of our last
// index, becomes a voter (one change at a time).
void core::maybe_promote_learners() {
  if (role_ != role::leader || config_index_ > commit_index_ || stopping_) return;
  for (const member& l : config_.learners) {
    auto it = leader_->peers.find(l.id);
    if (it == leader_->peers.end()) continue;
    const progress& p = it->second;
    if (!p.live_since || p.match_index < commit_index_ ||
        p.match_index + opts_.max_entries_per_append < last_index()) {
      continue;
    }
    consensus::configuration c = config_;
    std::erase_if(c.learners, [&](const member& x) { return x.id == l.id; });
    c.voters.push_back(l);
    propose_config(c);
    return;
  }
}

// Our own removal committed: hand over to the best caught-up voter, then stop leading.
void core::step_down_after_removal() {
  transfer_leadership(0);
  step_down();
}

// ---- handover --------------------------------------------------------------------------------

// Within one batch of our last index, answering, and not reported silent.
bool core::nearly_caught_up(node_id id) const {
  auto it = leader_->peers.find(id);
  return id != self_ && config_.is_voter(id) && it != leader_->peers.end() &&
         it->second.live_since.has_value() && !silent_.contains(id) &&
         it->second.match_index + opts_.max_entries_per_append >= last_index();
}

bool core::transfer_leadership(node_id target) {
  if (!leader_ || role_ != role::leader || leader_->transfer_target != 0) return false;
  if (target == 0) {
    for (auto it = config_.voters.rbegin(); it != config_.voters.rend(); ++it) {
      if (nearly_caught_up(it->id) && !leader_->transfer_failed.contains(it->id)) {
        target = it->id;
        break;
      }
    }
  }
  if (target == 0 || !nearly_caught_up(target)) return false;
  leader_->transfer_target = target;
  leader_->timeout_now_sent = false;
  leader_->transfer_deadline = now_ + opts_.election_timeout;
  leader_->dirty = true;  // push what it lacks now
  try_send_timeout_now();
  return true;
}

// The target holds our last index (no proposals are taken meanwhile): "prepare epoch + 1 now".
void core::try_send_timeout_now() {
  leader_state& l = *leader_;
  auto it = l.peers.find(l.transfer_target);
  if (l.transfer_target == 0 || l.timeout_now_sent || it == l.peers.end() ||
      it->second.match_index != last_index()) {
    return;
  }
  l.timeout_now_sent = true;
  send(l.transfer_target, timeout_now{.epoch = epoch_});
}

// No new leader within an election timeout: resume, or (stopping) try the next member.
void core::tick_transfer() {
  leader_state& l = *leader_;
  if (l.transfer_target != 0 && now_ >= l.transfer_deadline) {
    l.transfer_failed.insert(l.transfer_target);
    l.transfer_target = 0;
    l.next_highest_check = now_ + opts_.handover_tenure;
  }
  if (stopping_ && l.transfer_target == 0 && !transfer_leadership(0)) {
    bool others = false;
    for (const member& v : config_.voters) others = others || v.id != self_;
    if (!others) {
      out_.stop_ready = true;  // nobody to hand over to
    } else if (l.transfer_failed.size() + 1 >= config_.voters.size()) {
      l.transfer_failed.clear();  // everyone tried once: go round again
    }
  }
}

void core::maybe_hand_over_to_highest() {
  leader_state& l = *leader_;
  if (!opts_.highest_id_leads || role_ != role::leader || l.transfer_target != 0 || stopping_ ||
      now_ < l.next_highest_check) {
    return;
  }
  // Only the highest live member counts, once it has been live for the tenure: falling back to
  // a lower one that qualified a moment earlier would make leadership climb one step per tenure.
  for (auto it = config_.voters.rbegin(); it != config_.voters.rend() && it->id > self_; ++it) {
    auto p = l.peers.find(it->id);
    if (p == l.peers.end() || !p->second.live_since || silent_.contains(it->id)) continue;
    if (now_ - *p->second.live_since < opts_.handover_tenure) return;
    l.transfer_failed.erase(it->id);
    transfer_leadership(it->id);  // waits for it to catch up when it is not yet
    return;
  }
}

void core::stop_gracefully() {
  stopping_ = true;
  if (role_ == role::leader && leader_) {
    tick_transfer();
  } else {
    if (leader_ || takeover_) step_down();
    out_.stop_ready = true;
  }
}

}  // namespace vote::consensus
