// Protocol rules of DESIGN.md §5.3–§5.4 checked on what the cores send and do, next to the
// invariants of §5.6 (invariants.hpp). An invariant breaks only once a bad interleaving has
// happened; these rules break at the first wrong step, so a broken core is caught even when the
// run never reaches the interleaving that would lose data. Each rule is judged against the
// sender's *durable* state at the moment its message leaves (the simulator sends a node's
// messages only after the write they depend on completed):
//
//   (R1) a promise{e, last} leaves only after (e, candidate) is durable, and `last` is durable
//        (§5.3.2: "the promise describes only durable entries") unless the sender follows the
//        candidate as leader of e already (then the candidate may have rewritten the log since,
//        in the same turn); and a node (incarnation) never promises one epoch to two candidates,
//        also across restarts;
//   (R2) an ok append_reply{E, match} leaves only with the durable promise (E, leader), and the
//        follower's durable entry at `match` is the leader's entry there while it still leads E
//        (§5.4: accept only epoch >= promised; ack prev_index + len, never one's own last index).
//   For both, a durable promise *higher* than the message's epoch ends the check when the turn
//   that made the message began under a promise no higher than the message's epoch: the machine
//   gathers the inputs of one event-loop turn into one output (group commit), so a promise or ack
//   made first may leave after a higher promise made later in the same turn became durable with
//   it. Such a message is stale, and the node durably refuses its epoch already; what it says was
//   true and durable when it was made (docs/cluster.md "Batched outputs"). A message made in a
//   turn that began under a higher promise is a broken rule.
//   (R3) a leader advances its commit index only to an entry of its own epoch (§5.4: "earlier
//        epochs commit indirectly");
//   (R4) a candidate begins epoch e only with promises of e from a majority of the configuration
//        of the log it adopted (§5.3.4–5);
//   (R5) a candidate whose fetch failed abandons e: it never begins e afterwards (§5.3.4).
// Violations go to the invariant checker's list. Not thread-safe; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "vote/core/consensus.hpp"
#include "vote/sim/disk.hpp"
#include "vote/sim/invariants.hpp"
#include "vote/sim/log_model.hpp"

namespace vote::sim {

// What R2 needs to know about the leader an ack goes to (nullopt: it no longer leads E).
struct leader_view {
  std::uint64_t epoch = 0;
  const log_model* log = nullptr;
};

class rule_checker {
 public:
  explicit rule_checker(invariant_checker& sink) : sink_(sink) {}

  // R1, R2, R5 bookkeeping: the sender (in its lifetime `life`, durable state `d`) sends `e`;
  // `to_leader` describes the recipient if it leads an epoch; `sender_follows` is the leader the
  // sender follows now; `made_under` is the promise the sender held when the turn that made `e`
  // began (nullopt: unknown, then judged strictly against the durable promise).
  void sent(const consensus::envelope& e, std::uint64_t life, const disk& d,
            std::optional<leader_view> to_leader, const consensus::leader_info& sender_follows = {},
            std::optional<consensus::promise_record> made_under = std::nullopt);
  // R4, R5 bookkeeping: `e` was delivered to its recipient (in its lifetime `life`).
  void delivered(const consensus::envelope& e, std::uint64_t life);
  // R4, R5: node `id` (lifetime `life`) begins `epoch` with configuration `config`.
  void began_epoch(consensus::node_id id, std::uint64_t life, std::uint64_t epoch,
                   const consensus::configuration& config);
  // R3: the leader of `epoch` advanced its commit index to `last`.
  void leader_committed(consensus::node_id id, std::uint64_t epoch, const log_entry& last);

 private:
  // (node, lifetime or incarnation, epoch)
  using key = std::tuple<consensus::node_id, std::uint64_t, std::uint64_t>;
  struct fetching {
    consensus::node_id from = 0;
    bool answered_ok = false;
    bool failed = false;
  };
  void fail(consensus::node_id id, const std::string& what);
  void check_promise(const consensus::envelope& e, const consensus::promise& m, const disk& d,
                     bool follows_recipient,
                     const std::optional<consensus::promise_record>& made_under);
  void check_ack(const consensus::envelope& e, const consensus::append_reply& m, const disk& d,
                 std::optional<leader_view> to_leader,
                 const std::optional<consensus::promise_record>& made_under);
  bool promise_covers(const consensus::envelope& e, std::uint64_t epoch, const disk& d,
                      const std::optional<consensus::promise_record>& made_under,
                      const std::string& what);

  invariant_checker& sink_;
  // Promises delivered to a candidate: (node, life, epoch) -> {(id, incarnation)}.
  std::map<key, std::set<std::pair<consensus::node_id, std::uint64_t>>> promises_;
  std::map<key, fetching> fetches_;  // the candidate's latest fetch of the epoch
  // (id, incarnation, epoch) -> the candidate it promised that epoch to.
  std::map<key, consensus::node_id> promised_;
};

}  // namespace vote::sim
