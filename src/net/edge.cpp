#include "vote/net/edge.hpp"

#include <algorithm>
#include <cstring>

namespace vote::net {

std::size_t payload_limit(const edge_limits& l, connection_kind kind,
                          wire::frame_type type) noexcept {
  if (type == wire::frame_type::json) return l.max_frame_payload;
  return kind == connection_kind::peer ? l.max_peer_frame_payload : l.first_peer_frame_payload;
}

bool edge_ledger::has_slot(edge_pool p) const noexcept {
  const auto cap =
      p == edge_pool::peer ? limits_.max_peer_connections : limits_.max_client_connections;
  return at(p).connections < cap;
}

void edge_ledger::open(edge_pool p) noexcept {
  ++at(p).connections;
}

void edge_ledger::close(edge_pool p) noexcept {
  auto& n = at(p).connections;
  if (n > 0) --n;
}

std::size_t edge_ledger::connections(edge_pool p) const noexcept {
  return at(p).connections;
}

bool edge_ledger::recharge(edge_pool p, std::size_t& charged, std::size_t wanted) noexcept {
  auto& pool = at(p);
  if (wanted <= charged) {
    pool.bytes -= charged - wanted;
    charged = wanted;
    return true;
  }
  const std::size_t more = wanted - charged;
  const auto pool_cap =
      p == edge_pool::peer ? limits_.max_peer_buffer_bytes : limits_.max_client_buffer_bytes;
  if (pool.bytes + more > pool_cap || bytes() + more > limits_.max_buffered_bytes) return false;
  pool.bytes += more;
  charged = wanted;
  return true;
}

std::size_t edge_ledger::bytes(edge_pool p) const noexcept {
  return at(p).bytes;
}

std::size_t frame_buffer::capacity_for(std::size_t frame_total) const noexcept {
  if (capacity_ == 0) return base_capacity;
  if (capacity_ > size()) return capacity_;
  // Full: the frame in progress is larger than the buffer (a complete one would be consumed).
  return std::max(base_capacity, std::min(frame_total, 2 * capacity_));
}

char* frame_buffer::space(std::size_t capacity) {
  if (capacity != capacity_) {
    reallocate(capacity);
  } else if (end_ == capacity_ && begin_ > 0) {
    std::memmove(bytes_.get(), bytes_.get() + begin_, size());
    end_ -= begin_;
    begin_ = 0;
  }
  return bytes_.get() + end_;
}

void frame_buffer::consume(std::size_t n) {
  begin_ += std::min(n, size());
  if (begin_ == end_) begin_ = end_ = 0;
  if (capacity_ > base_capacity && size() <= base_capacity) reallocate(base_capacity);
}

void frame_buffer::release() noexcept {
  bytes_.reset();
  capacity_ = begin_ = end_ = 0;
}

// Allocates exactly `capacity` (uninitialised: pages the kernel has not handed out cost no
// memory until bytes are written) and moves the data to its front.
void frame_buffer::reallocate(std::size_t capacity) {
  auto fresh = std::make_unique_for_overwrite<char[]>(capacity);
  const std::size_t n = std::min(size(), capacity);
  if (n > 0) std::memcpy(fresh.get(), bytes_.get() + begin_, n);
  bytes_ = std::move(fresh);
  capacity_ = capacity;
  begin_ = 0;
  end_ = n;
}

}  // namespace vote::net
