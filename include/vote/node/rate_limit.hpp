// Token buckets per source address (the web gateway's limits, docs/web.md "Limits"): each address
// has a bucket of `burst` tokens refilled at `per_second`; an action takes tokens, or is refused
// with the time until there are enough. At most max_addresses buckets are kept: when full, the
// bucket unused for longest goes (a full bucket is the same as none, so only an address that was
// short of tokens loses anything, and only after every other address was seen more recently).
//
// Pure: the caller passes the time. Threading: one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vote::node {

class address_buckets {
 public:
  using clock = std::chrono::steady_clock;

  address_buckets(double per_second, double burst, std::size_t max_addresses);

  // Takes `cost` tokens from `address`'s bucket: zero when it had them (they are taken), else
  // how long until it will (nothing is taken).
  std::chrono::milliseconds take(std::string_view address, clock::time_point now,
                                 double cost = 1.0);
  // How long until `address` has `cost` tokens; takes nothing.
  std::chrono::milliseconds wait(std::string_view address, clock::time_point now,
                                 double cost = 1.0);
  // Gives back `cost` tokens taken for an action that turned out not to count (at most up to the
  // burst; nothing for an address no longer kept).
  void give_back(std::string_view address, clock::time_point now, double cost = 1.0);
  std::size_t size() const noexcept { return buckets_.size(); }

 private:
  struct bucket {
    double tokens = 0;
    clock::time_point at;
    std::list<std::string>::iterator lru;
  };
  bucket& find(std::string_view address, clock::time_point now);
  std::chrono::milliseconds until(const bucket& b, double cost) const;

  double per_second_;
  double burst_;
  std::size_t max_addresses_;
  std::list<std::string> lru_;  // most recently used first
  std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace vote::node
