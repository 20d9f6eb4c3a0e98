#include "vote/sim/network.hpp"

#include <algorithm>

namespace vote::sim {

std::int64_t network::draw_delay(const fault_profile& profile) {
  if (rng_.chance(profile.late)) return rng_.between(profile.late_min_ms, profile.late_max_ms);
  return rng_.between(profile.delay_min_ms, profile.delay_max_ms);
}

send_result network::send(std::int64_t now_ms, std::size_t from_slot, std::size_t to_slot,
                          const sim_message& message, const fault_profile& profile) {
  ++sent_;
  send_result result;
  if (rng_.chance(profile.drop)) {
    ++dropped_;
    result.dropped = true;
    return result;
  }
  result.delay_ms = draw_delay(profile);
  if (profile.fifo) {  // never before the previous message of this link
    auto& last = last_on_link_[{from_slot, to_slot}];
    result.delay_ms = std::max(result.delay_ms, last - now_ms);
    last = now_ms + result.delay_ms;
  }
  packet p{now_ms + result.delay_ms, from_slot, to_slot, false, message};
  if (rng_.chance(profile.duplicate) && !profile.fifo) {
    ++duplicated_;
    result.duplicated = true;
    packet copy = p;
    copy.duplicate = true;
    // Half the duplicates arrive late: a stale prepare, promise or append long after its time.
    copy.deliver_at_ms =
        now_ms + (rng_.chance(0.5) ? rng_.between(profile.late_min_ms, profile.late_max_ms)
                                   : draw_delay(profile));
    in_flight_.emplace(std::pair{copy.deliver_at_ms, seq_++}, std::move(copy));
  }
  in_flight_.emplace(std::pair{p.deliver_at_ms, seq_++}, std::move(p));
  return result;
}

std::optional<std::int64_t> network::next_delivery() const {
  if (in_flight_.empty()) return std::nullopt;
  return in_flight_.begin()->first.first;
}

std::optional<packet> network::pop_due(std::int64_t now_ms) {
  if (in_flight_.empty() || in_flight_.begin()->first.first > now_ms) return std::nullopt;
  auto node = in_flight_.extract(in_flight_.begin());
  return std::move(node.mapped());
}

}  // namespace vote::sim
