// Test fixtures for the consensus core: helper verbs so that tests read like protocol traces.
//
// consensus_fixture drives ONE core by hand: deliver(from, message), tick_to(ms), and then
// expect_sent<T>(to), expect_persisted_promise(...). Every verb drains the core's output into
// last_ (and, like a synchronous driver, reports the appended entries stable at once).
// consensus_cluster runs N cores exchanging messages perfectly (the randomized simulator with
// faults lives in tests/sim).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vote/core/consensus.hpp"
#include "vote/core/consensus_invariants.hpp"

namespace vote::consensus::test {

inline const std::string test_uuid = "c0ffee00-0000-4000-8000-000000000001";

inline member m(node_id id) {
  return member{id, 1000 + id, "127.0.0." + std::to_string(id) + ":7000"};
}

inline configuration config_of(const std::vector<node_id>& voters,
                               const std::vector<node_id>& learners = {}) {
  configuration c{test_uuid, {}, {}};
  for (node_id id : voters) c.voters.push_back(m(id));
  for (node_id id : learners) c.learners.push_back(m(id));
  c.normalize();
  return c;
}

inline log_entry config_entry(std::uint64_t index, std::uint64_t epoch, const configuration& c) {
  return log_entry{index, epoch, entry_kind::config, encode_configuration(c)};
}
inline log_entry cmd(std::uint64_t index, std::uint64_t epoch, std::string payload = "x") {
  return log_entry{index, epoch, entry_kind::command, std::move(payload)};
}
inline log_entry start(std::uint64_t index, std::uint64_t epoch) {
  return log_entry{index, epoch, entry_kind::epoch_start, {}};
}

// A member of cluster {1, 2, 3} whose log starts with the first configuration at (1, 0).
inline persisted_state member_state(const std::vector<node_id>& voters,
                                    std::vector<log_entry> more = {},
                                    std::uint64_t promised_epoch = 0, node_id promised_to = 0) {
  persisted_state s;
  s.cluster_uuid = test_uuid;
  s.promised_epoch = promised_epoch;
  s.promised_to = promised_to;
  s.log.push_back(config_entry(1, 0, config_of(voters)));
  for (log_entry& e : more) {
    s.promised_epoch = std::max(s.promised_epoch, e.epoch);  // a log never outruns the promise
    s.log.push_back(std::move(e));
  }
  return s;
}

inline options test_options(node_id id) {
  options o;
  o.endpoint = m(id).endpoint;
  o.election_jitter = milliseconds(0);  // deterministic timers in single-node traces
  o.highest_id_leads = false;
  return o;
}

class consensus_fixture : public ::testing::Test {
 protected:
  void make_node(node_id self, persisted_state s, options o) {
    node_ = std::make_unique<core>(self, m(self).incarnation, std::move(o), std::move(s), 7);
    node_->tick(now_);
    drain();
  }
  void make_node(node_id self, persisted_state s) {
    make_node(self, std::move(s), test_options(self));
  }

  core& node() { return *node_; }

  void deliver(node_id from, message_body body) {
    node_->step(envelope{.from = from,
                         .from_incarnation = m(from).incarnation,
                         .to = node_->id(),
                         .cluster_uuid = test_uuid,
                         .body = std::move(body)});
    drain();
  }
  void deliver_from_incarnation(node_id from, std::uint64_t inc, message_body body) {
    node_->step(envelope{.from = from,
                         .from_incarnation = inc,
                         .to = node_->id(),
                         .cluster_uuid = test_uuid,
                         .body = std::move(body)});
    drain();
  }
  void tick_to(std::int64_t ms) {
    for (std::int64_t t = now_.count() + 1; t <= ms; ++t) {  // every millisecond, like a driver
      now_ = milliseconds(t);
      node_->tick(now_);
      drain();
    }
  }
  void tick_by(std::int64_t ms) { tick_to(now_.count() + ms); }

  // Drains the output like a synchronous driver: persist, report stable, keep for expectations.
  void drain() {
    output o = node_->take_output();
    if (!o.persist.entries.empty() && auto_stable_)
      node_->stable_to(o.persist.entries.back().index);
    if (!o.empty()) {
      history_.push_back(o);
      last_ = std::move(o);
    }
    const auto bad = check_invariants(*node_);
    for (const std::string& b : bad) ADD_FAILURE() << "invariant: " << b;
  }
  void forget() {
    history_.clear();
    last_ = output{};
  }

  // Node `self` of {voters} wins a round, gets a promise from `promiser` and commits its
  // epoch_start with that promiser's ack: it is then a serving leader of epoch 1.
  void become_leader(node_id self = 3, std::vector<node_id> voters = {1, 2, 3},
                     node_id promiser = 1) {
    make_node(self, member_state(voters));
    deliver(promiser, election{.round = 1, .uid = self, .visited = voters});
    deliver(promiser, promise{.epoch = 1, .last_log_epoch = 0, .last_log_index = 1});
    const append a = expect_sent<append>(promiser);
    deliver(promiser, append_reply{.epoch = 1,
                                   .ok = true,
                                   .match_index = a.prev_index + a.entries.size(),
                                   .last_index_hint = 2,
                                   .seq = a.seq});
    ASSERT_EQ(node_->role(), role::leader);
    forget();
  }
  // The node accepts `leader` of `epoch` through an empty append after (prev_index, prev_epoch).
  void follow(node_id leader, std::uint64_t epoch, std::uint64_t prev_index = 1,
              std::uint64_t prev_epoch = 0) {
    deliver(leader, append{.epoch = epoch,
                           .leader = leader,
                           .prev_index = prev_index,
                           .prev_epoch = prev_epoch,
                           .commit_index = 0,
                           .seq = 1});
  }
  append_reply last_reply_to(node_id to) const { return expect_sent<append_reply>(to); }

  // Every message of type T sent to `to` since the last forget().
  template <typename T>
  std::vector<T> sent(node_id to) const {
    std::vector<T> r;
    for (const output& o : history_) {
      for (const envelope& e : o.messages) {
        if (e.to == to && std::holds_alternative<T>(e.body)) r.push_back(std::get<T>(e.body));
      }
    }
    return r;
  }
  template <typename T>
  T expect_sent(node_id to) const {
    const auto r = sent<T>(to);
    EXPECT_FALSE(r.empty()) << "nothing of that type sent to " << to;
    return r.empty() ? T{} : r.back();
  }
  template <typename T>
  void expect_not_sent(node_id to) const {
    EXPECT_TRUE(sent<T>(to).empty()) << "unexpected message sent to " << to;
  }
  void expect_persisted_promise(std::uint64_t epoch, node_id to) const {
    bool found = false;
    for (const output& o : history_) {
      if (o.persist.promise && *o.persist.promise == promise_record{.epoch = epoch, .to = to}) {
        found = true;
      }
    }
    EXPECT_TRUE(found) << "promise (" << epoch << ", " << to << ") not persisted";
    EXPECT_EQ(node_->promised(), (promise_record{.epoch = epoch, .to = to}));
  }
  std::vector<log_entry> persisted_entries() const {
    std::vector<log_entry> r;
    for (const output& o : history_)
      r.insert(r.end(), o.persist.entries.begin(), o.persist.entries.end());
    return r;
  }
  std::vector<log_entry> committed() const {
    std::vector<log_entry> r;
    for (const output& o : history_) r.insert(r.end(), o.committed.begin(), o.committed.end());
    return r;
  }

  std::unique_ptr<core> node_;
  bool auto_stable_ = true;
  milliseconds now_{1000};
  output last_;
  std::vector<output> history_;
};

// N cores exchanging messages perfectly, in send order, with a synchronous driver each.
class consensus_cluster {
 public:
  explicit consensus_cluster(std::vector<node_id> ids, options base = {}) : ids_(ids) {
    for (node_id id : ids) {
      options o = base;
      o.endpoint = m(id).endpoint;
      disks_[id] = member_state(ids);
      nodes_[id] = std::make_unique<core>(id, m(id).incarnation, o, disks_[id], id * 31);
      options_[id] = o;
    }
  }

  // Cores started from the given disks (the state each node persisted before), e.g. to build
  // the situation a simulator seed reached.
  consensus_cluster(std::map<node_id, persisted_state> disks, options base) {
    for (auto& [id, d] : disks) {
      options o = base;
      o.endpoint = m(id).endpoint;
      ids_.push_back(id);
      disks_[id] = std::move(d);
      nodes_[id] = std::make_unique<core>(id, m(id).incarnation, o, disks_[id], id * 31);
      options_[id] = o;
    }
  }

  core& node(node_id id) { return *nodes_.at(id); }
  bool up(node_id id) const {
    auto it = nodes_.find(id);
    return it != nodes_.end() && it->second != nullptr;
  }

  // Advances time by `ms` in 1 ms steps, delivering every message sent.
  void run_for(std::int64_t ms) {
    for (std::int64_t i = 0; i < ms; ++i) {
      now_ += milliseconds(1);
      for (node_id id : ids_) {
        if (up(id)) nodes_[id]->tick(now_);
      }
      pump();
    }
  }

  void pump() {
    for (int rounds = 0; rounds < 1000; ++rounds) {
      std::vector<envelope> wire;
      for (node_id id : ids_) {
        if (up(id)) drive(id, wire);
      }
      if (wire.empty()) return;
      if (chaos_ > 0) std::shuffle(wire.begin(), wire.end(), rng_);
      for (envelope& e : wire) {
        if (!up(e.to) || cut_.contains(e.from) || cut_.contains(e.to)) continue;
        if (chaos_ > 0 && std::uniform_real_distribution<>(0, 1)(rng_) < chaos_) continue;
        nodes_[e.to]->step(e);
        if (chaos_ > 0 && std::uniform_real_distribution<>(0, 1)(rng_) < chaos_) {
          nodes_[e.to]->step(e);  // duplicated
        }
      }
    }
  }

  void crash(node_id id) { nodes_[id].reset(); }
  void restart(node_id id) {
    nodes_[id] = std::make_unique<core>(id, m(id).incarnation, options_[id], disks_[id], id * 77);
    nodes_[id]->tick(now_);
  }
  void isolate(node_id id) { cut_.insert(id); }
  void heal(node_id id) { cut_.erase(id); }

  std::vector<node_id> leaders() const {
    std::vector<node_id> r;
    for (node_id id : ids_) {
      if (up(id) && nodes_.at(id)->role() == role::leader) r.push_back(id);
    }
    return r;
  }
  const std::vector<log_entry>& applied(node_id id) { return applied_[id]; }
  // Drop, duplicate and reorder messages with this probability (seeded).
  void set_chaos(double p, std::uint64_t seed) {
    chaos_ = p;
    rng_.seed(seed);
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  // A synchronous driver: persist, send, apply (DESIGN.md §3).
  void drive(node_id id, std::vector<envelope>& wire) {
    core& c = *nodes_[id];
    output o = c.take_output();
    persisted_state& d = disks_[id];
    if (o.persist.cluster_uuid) d.cluster_uuid = *o.persist.cluster_uuid;
    if (o.persist.promise) {
      d.promised_epoch = o.persist.promise->epoch;
      d.promised_to = o.persist.promise->to;
    }
    if (o.persist.install_snapshot) {
      d.snapshot = o.persist.install_snapshot->meta;
      d.snapshot_data = o.persist.install_snapshot->data;
      d.log.clear();
    }
    if (o.persist.truncate_from) {
      std::erase_if(d.log, [&](const log_entry& e) { return e.index >= *o.persist.truncate_from; });
    }
    d.log.insert(d.log.end(), o.persist.entries.begin(), o.persist.entries.end());
    if (!o.persist.entries.empty()) c.stable_to(o.persist.entries.back().index);
    for (envelope& e : o.messages) wire.push_back(std::move(e));
    if (o.persist.install_snapshot) applied_config_[id] = o.persist.install_snapshot->meta.config;
    for (const log_entry& x : o.committed) {
      if (x.kind == entry_kind::config) applied_config_[id] = *decode_configuration(x.payload);
    }
    auto& a = applied_[id];
    a.insert(a.end(), o.committed.begin(), o.committed.end());
    for (const log_entry& x : o.committed) {  // state machine safety across nodes (§5.6.4)
      auto [it, fresh] = committed_.emplace(x.index, x);
      if (!fresh && it->second != x) ADD_FAILURE() << "index " << x.index << " committed twice";
    }
    if (c.role() == role::leader) {  // one leader per epoch (§5.6.1)
      auto [it, fresh] = leader_of_.emplace(c.epoch(), id);
      if (!fresh && it->second != id) ADD_FAILURE() << "two leaders of epoch " << c.epoch();
    }
    for (const std::string& b : check_invariants(c)) ADD_FAILURE() << id << ": " << b;
    if (o.snapshot_wanted) {  // snapshot what was applied (the owner's job)
      const std::uint64_t at = *o.snapshot_wanted;
      const snapshot_meta meta{
          .last_index = at, .last_epoch = *c.epoch_at(at), .config = applied_config_[id]};
      auto data = std::make_shared<const std::string>("state@" + std::to_string(at));
      d.snapshot = meta;
      d.snapshot_data = data;
      std::erase_if(d.log, [&](const log_entry& e) { return e.index <= at; });
      c.snapshot_taken(meta, data);
    }
  }

  std::vector<node_id> ids_;
  std::map<node_id, std::unique_ptr<core>> nodes_;
  std::map<node_id, persisted_state> disks_;
  std::map<node_id, options> options_;
  std::map<node_id, std::vector<log_entry>> applied_;
  std::map<node_id, configuration> applied_config_;
  std::set<node_id> cut_;
  std::map<std::uint64_t, log_entry> committed_;
  std::map<std::uint64_t, node_id> leader_of_;
  double chaos_ = 0;
  std::mt19937_64 rng_{1};
  milliseconds now_{1000};
};

}  // namespace vote::consensus::test
