// Token buckets per source address (rate_limit.hpp).
#include "vote/node/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace vote::node {

address_buckets::address_buckets(double per_second, double burst, std::size_t max_addresses)
    : per_second_(per_second),
      burst_(burst),
      max_addresses_(std::max<std::size_t>(1, max_addresses)) {}

address_buckets::bucket& address_buckets::find(std::string_view address, clock::time_point now) {
  const std::string key(address);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    it = buckets_.emplace(key, bucket{burst_, now, lru_.begin()}).first;
    return it->second;
  }
  bucket& b = it->second;
  lru_.splice(lru_.begin(), lru_, b.lru);
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  if (elapsed > 0) {
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.at = now;
  }
  return b;
}

std::chrono::milliseconds address_buckets::until(const bucket& b, double cost) const {
  if (b.tokens >= cost) return std::chrono::milliseconds(0);
  if (cost > burst_ || per_second_ <= 0) return std::chrono::milliseconds::max();
  const double seconds = (cost - b.tokens) / per_second_;
  return std::chrono::milliseconds(
      std::max<long long>(1, static_cast<long long>(std::ceil(seconds * 1000.0))));
}

std::chrono::milliseconds address_buckets::take(std::string_view address, clock::time_point now,
                                                double cost) {
  bucket& b = find(address, now);
  const auto w = until(b, cost);
  if (w.count() == 0) b.tokens -= cost;
  return w;
}

void address_buckets::give_back(std::string_view address, clock::time_point now, double cost) {
  const auto it = buckets_.find(std::string(address));
  if (it == buckets_.end()) return;
  bucket& b = find(address, now);  // refills, and marks it used
  b.tokens = std::min(burst_, b.tokens + cost);
}

std::chrono::milliseconds address_buckets::wait(std::string_view address, clock::time_point now,
                                                double cost) {
  return until(find(address, now), cost);
}

}  // namespace vote::node
