// The simulated network between the node machines (DESIGN.md §3, §9).
//
// Messages in flight wait in one queue ordered by (delivery time, send sequence). At send time the
// network draws, from the run's rng, whether the message is dropped, whether a duplicate travels
// too, and each copy's delay: usually a few ms, sometimes very late, so messages are reordered
// and stale messages (old prepares, appends, promises) turn up long after their moment. Link
// state (partitions, one-way loss) is the topology's business: the caller checks it at send and
// again at delivery, so a partition also cuts messages already in flight.
// Deterministic: only the rng decides; ties deliver in send order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "vote/core/consensus_messages.hpp"
#include "vote/sim/faults.hpp"
#include "vote/sim/rng.hpp"
#include "vote/wire/request_origin.hpp"

namespace vote::sim {

// What travels between simulated servers: the machines' peer messages.
using sim_message = std::variant<consensus::envelope, wire::leave_request>;

struct packet {
  std::int64_t deliver_at_ms = 0;
  std::size_t from_slot = 0;
  std::size_t to_slot = 0;
  bool duplicate = false;
  sim_message message;
};

// What send() did with a message (for the trace and the run statistics).
struct send_result {
  bool dropped = false;
  bool duplicated = false;
  std::int64_t delay_ms = 0;
};

class network {
 public:
  explicit network(rng& random) : rng_(random) {}

  // Queues `message` (and maybe a duplicate) according to `profile`'s loss and delay settings.
  send_result send(std::int64_t now_ms, std::size_t from_slot, std::size_t to_slot,
                   const sim_message& message, const fault_profile& profile);
  // Delivery time of the earliest message in flight.
  std::optional<std::int64_t> next_delivery() const;
  // Removes and returns the earliest message if it is due at `now_ms`.
  std::optional<packet> pop_due(std::int64_t now_ms);
  // Forgets every message in flight (not used by faults: a partition cuts at delivery).
  void clear() { in_flight_.clear(); }

  std::size_t in_flight() const noexcept { return in_flight_.size(); }
  std::uint64_t sent() const noexcept { return sent_; }
  std::uint64_t dropped() const noexcept { return dropped_; }
  std::uint64_t duplicated() const noexcept { return duplicated_; }

 private:
  std::int64_t draw_delay(const fault_profile& profile);

  rng& rng_;
  std::uint64_t seq_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t duplicated_ = 0;
  std::map<std::pair<std::int64_t, std::uint64_t>, packet> in_flight_;
  std::map<std::pair<std::size_t, std::size_t>, std::int64_t> last_on_link_;  // fifo: (from, to)
};

}  // namespace vote::sim
