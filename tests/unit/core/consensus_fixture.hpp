// Test fixtures for the consensus core: helper verbs so that tests read like protocol traces.
//
// consensus_fixture drives ONE core by hand: deliver(from, message), tick_to(ms), and then
// expect_sent<T>(to), expect_persisted_promise(...). Every verb drains the core's output into
// last_ (and, like a synchronous driver, reports the appended entries stable at once).
// consensus_cluster runs N servers — node machines, the product's pipeline around each core —
// exchanging messages perfectly (the randomized simulator with faults lives in tests/sim).
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vote/core/consensus.hpp"
#include "vote/core/consensus_invariants.hpp"
#include "vote/core/election.hpp"
#include "vote/node/machine/machine.hpp"

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
  s.promise = {.epoch = promised_epoch, .to = promised_to};
  s.log.push_back(config_entry(1, 0, config_of(voters)));
  for (log_entry& e : more) {
    s.promise.epoch = std::max(s.promise.epoch, e.epoch);  // a log never outruns the promise
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

// N servers exchanging messages perfectly, in send order: each the product's node machine
// (node/machine/machine.hpp: its pipeline, its state machine) around a core, with a disk that
// completes every write within the same millisecond. Not a copy of the product's driver: the
// very machine the product and the simulator run.
class consensus_cluster {
 public:
  explicit consensus_cluster(std::vector<node_id> ids, options base = {}) {
    std::map<node_id, persisted_state> disks;
    for (node_id id : ids) disks[id] = member_state(ids);
    start(std::move(disks), base);
  }
  // Servers started from the given disks (the state each node persisted before), e.g. to build
  // the situation a simulator seed reached. A snapshot's data must be an election snapshot.
  consensus_cluster(std::map<node_id, persisted_state> disks, options base) {
    start(std::move(disks), base);
  }

  const core& node(node_id id) const { return hosts_.at(id)->machine->core(); }
  bool up(node_id id) const {
    auto it = hosts_.find(id);
    return it != hosts_.end() && it->second->machine != nullptr;
  }
  // A raw proposal at the node (a serving leader's, like a client's without a reply).
  std::optional<entry_id> propose(node_id id, entry_kind kind, std::string payload) {
    auto r = hosts_.at(id)->machine->propose_raw(kind, std::move(payload));
    pump();
    return r;
  }
  errc add_member(node_id id, const member& mem) {
    const auto r = hosts_.at(id)->machine->add_member(mem);
    pump();
    return r;
  }

  // Advances time by `ms` in 1 ms steps, delivering every message sent.
  void run_for(std::int64_t ms) {
    for (std::int64_t i = 0; i < ms; ++i) {
      now_ += milliseconds(1);
      for (node_id id : ids_) {
        if (up(id) && !paused_.contains(id)) hosts_[id]->machine->tick();
      }
      pump();
    }
  }
  // A paused server (SIGSTOP, a descheduled or busy thread) is neither ticked nor handed
  // messages; those sent to it wait. On resume it is ticked first and then given them, as an
  // event loop that wakes up runs its overdue timer before the reads that queued meanwhile.
  void pause(node_id id) { paused_.insert(id); }
  void resume(node_id id) {
    paused_.erase(id);
    hosts_[id]->machine->tick();
    auto held = std::move(held_[id]);
    held_.erase(id);
    for (const envelope& e : held) hosts_[id]->machine->on_envelope(e);
    pump();
  }

  void pump() {
    for (int rounds = 0; rounds < 1000; ++rounds) {
      bool busy = false;
      for (node_id id : ids_) {
        if (up(id) && !paused_.contains(id)) busy = hosts_[id]->run() || busy;
      }
      std::vector<envelope> wire;
      wire.swap(wire_);
      if (!busy && wire.empty()) return;
      if (chaos_ > 0) std::shuffle(wire.begin(), wire.end(), rng_);
      for (envelope& e : wire) {
        if (!up(e.to) || cut_.contains(e.from) || cut_.contains(e.to)) continue;
        if (paused_.contains(e.to)) {
          held_[e.to].push_back(e);
          continue;
        }
        if (chaos_ > 0 && std::uniform_real_distribution<>(0, 1)(rng_) < chaos_) continue;
        hosts_[e.to]->machine->on_envelope(e);
        if (chaos_ > 0 && std::uniform_real_distribution<>(0, 1)(rng_) < chaos_) {
          hosts_[e.to]->machine->on_envelope(e);  // duplicated
        }
      }
    }
  }

  void crash(node_id id) { hosts_[id]->machine.reset(); }
  void restart(node_id id) {
    hosts_[id]->boot(id * 77);
    hosts_[id]->machine->tick();
  }
  void isolate(node_id id) { cut_.insert(id); }
  void heal(node_id id) { cut_.erase(id); }

  std::vector<node_id> leaders() const {
    std::vector<node_id> r;
    for (node_id id : ids_) {
      if (up(id) && node(id).role() == role::leader) r.push_back(id);
    }
    return r;
  }
  const std::vector<log_entry>& applied(node_id id) { return hosts_.at(id)->applied; }
  // Drop, duplicate and reorder messages with this probability (seeded).
  void set_chaos(double p, std::uint64_t seed) {
    chaos_ = p;
    rng_.seed(seed);
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  // One server: its machine and the world it sees — a disk that completes each write at the next
  // run(), a perfect network (the cluster's wire).
  struct host : node::node_effects {
    consensus_cluster& c;
    node_id id;
    options opts;
    persisted_state disk;
    std::unique_ptr<node::node_machine> machine;
    std::deque<std::pair<std::uint64_t, persist_job>> writes;
    std::optional<node::snapshot_job> snapshot;
    bool pump_asked = false;
    std::vector<log_entry> applied;

    host(consensus_cluster& cluster, node_id self, options o)
        : c(cluster), id(self), opts(std::move(o)) {}

    void boot(std::uint64_t seed) {
      node::node_settings s;
      s.id = id;
      s.incarnation = m(id).incarnation;
      s.endpoint = m(id).endpoint;
      s.cluster = "test";
      s.new_identity = false;
      s.consensus = opts;
      node::recovered_state r;
      r.persisted = disk;
      if (disk.snapshot_data) {
        auto state = election_state::restore(*disk.snapshot_data);
        EXPECT_TRUE(state.has_value()) << id << ": the snapshot data is no election snapshot";
        if (state) r.state = std::move(*state);
      }
      writes.clear();
      snapshot.reset();
      pump_asked = false;
      machine = std::make_unique<node::node_machine>(std::move(s), std::move(r),
                                                     node::admin_policy(0), *this, seed);
    }
    // Completes the pending writes and the asked pump; true if anything happened.
    bool run() {
      bool did = false;
      if (pump_asked) {
        pump_asked = false;
        machine->pump();
        did = true;
      }
      while (machine && !writes.empty()) {
        auto [seq, job] = std::move(writes.front());
        writes.pop_front();
        write(job);
        machine->persisted(seq);
        did = true;
      }
      if (machine && snapshot) {
        const auto job = std::move(*snapshot);
        snapshot.reset();
        auto bytes = node::serialise(job);  // as the product's log writer does
        compact_into(disk, job.meta, bytes);
        machine->snapshot_saved(std::move(bytes));
        did = true;
      }
      if (machine) {
        for (const std::string& b : check_invariants(machine->core()))
          ADD_FAILURE() << id << ": " << b;
        c.check_output(id, machine->core());
      }
      return did;
    }
    void write(const persist_job& j) {
      const auto broken = persist_into(disk, j);
      EXPECT_FALSE(broken) << id << ": " << broken.value_or("");
    }

    milliseconds now() const override { return c.now_; }
    std::int64_t unix_now_ms() const override { return 1'700'000'000'000 + c.now_.count(); }
    void persist(std::uint64_t seq, persist_job job) override {
      writes.emplace_back(seq, std::move(job));
    }
    void save_snapshot(const node::snapshot_job& job) override { snapshot = job; }
    void send(node_id, const std::string&, const envelope& e) override { c.wire_.push_back(e); }
    void send(node_id, const std::string&, const wire::leave_request&) override {}
    void pump_soon() override { pump_asked = true; }
    bool noting(node::note_level) const override { return false; }
    void note(node::note_level, const std::string&) override {}
    void fatal(const std::string& message) override { ADD_FAILURE() << id << ": " << message; }
    void stopped() override {}
    void observe_applied(const log_entry& e, const command*, const outcome*) override {
      applied.push_back(e);
      auto [it, fresh] = c.committed_.emplace(e.index, e);  // state machine safety (§5.6.4)
      if (!fresh && it->second != e) ADD_FAILURE() << "index " << e.index << " committed twice";
    }
  };

  void start(std::map<node_id, persisted_state> disks, const options& base) {
    for (auto& [id, d] : disks) {
      options o = base;
      o.endpoint = m(id).endpoint;
      ids_.push_back(id);
      auto h = std::make_unique<host>(*this, id, o);
      h->disk = std::move(d);
      h->boot(id * 31);
      hosts_[id] = std::move(h);
    }
  }
  void check_output(node_id id, const core& c) {
    if (c.role() != role::leader) return;  // one leader per epoch (§5.6.1)
    auto [it, fresh] = leader_of_.emplace(c.epoch(), id);
    if (!fresh && it->second != id) ADD_FAILURE() << "two leaders of epoch " << c.epoch();
  }

  std::vector<node_id> ids_;
  std::map<node_id, std::unique_ptr<host>> hosts_;
  std::vector<envelope> wire_;
  std::set<node_id> cut_;
  std::map<std::uint64_t, log_entry> committed_;
  std::map<std::uint64_t, node_id> leader_of_;
  double chaos_ = 0;
  std::mt19937_64 rng_{1};
  std::set<node_id> paused_;
  std::map<node_id, std::vector<envelope>> held_;  // for paused servers, in send order
  milliseconds now_{1000};
};

// An election snapshot of the empty state (for disks built by hand).
inline std::shared_ptr<const std::string> empty_state_snapshot() {
  return std::make_shared<const std::string>(election_state(limits{}).snapshot());
}

}  // namespace vote::consensus::test
