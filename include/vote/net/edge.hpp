// The bounds of the TCP edge (client_listener.hpp; docs/security.md "Limits at the network edge";
// STYLE.md 13): pure pieces, so that each rule is unit-tested without sockets.
//
//   - payload_limit(): the largest payload a frame header may announce, by the connection's kind.
//     A connection whose kind is not decided yet may announce a peer frame of at most
//     first_peer_frame_payload (64 KiB): it must prove itself a peer with a small frame that
//     opens (peer_message.hpp) before the large peer limit applies.
//   - edge_ledger: connection slots and buffered bytes, in two pools. The client pool holds
//     client connections and connections whose kind is not decided yet (every connection starts
//     there); the peer pool holds connections that proved themselves peers. Each pool has its
//     own connection cap and byte cap, and the bytes of both stay under one global cap, so
//     neither kind can starve the other of slots or memory.
//   - frame_buffer: a connection's read buffer. It grows only as bytes arrive (at most doubling
//     per read, up to what the frame in progress needs), so a header announcing 64 MiB costs
//     nothing until 64 MiB are sent, and it shrinks back to base_capacity once a large frame is
//     consumed.
//
// Invariants: every pool's count <= its cap and bytes <= its byte cap; the sum of both pools'
// bytes <= max_buffered_bytes; a frame_buffer's capacity is what it allocated (exactly).
// Threading: plain values, no locks; the listener uses them on its one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "vote/wire/frame.hpp"

namespace vote::net {

struct edge_limits {
  std::size_t max_frame_payload = 1u << 20;          // client frames (type 1)
  std::size_t first_peer_frame_payload = 64u << 10;  // a peer frame before the link proved itself
  std::size_t max_peer_frame_payload = 64u << 20;    // peer frames on a proven peer link
  std::size_t max_client_connections = 1024;         // clients and undecided connections
  std::size_t max_peer_connections = 64;             // proven peer links
  std::size_t max_client_buffer_bytes = 64u << 20;   // read buffers of the client pool
  std::size_t max_peer_buffer_bytes = 192u << 20;    // read buffers of the peer pool
  std::size_t max_buffered_bytes = 256u << 20;       // both pools together
};

enum class connection_kind : std::uint8_t { undecided, client, peer };
enum class edge_pool : std::uint8_t { client, peer };

constexpr edge_pool pool_of(connection_kind k) noexcept {
  return k == connection_kind::peer ? edge_pool::peer : edge_pool::client;
}

// The payload limit for a header of `type` on a connection of `kind` (a type the connection may
// not carry is refused separately, by the listener).
std::size_t payload_limit(const edge_limits& l, connection_kind kind,
                          wire::frame_type type) noexcept;

class edge_ledger {
 public:
  explicit edge_ledger(const edge_limits& l) : limits_(l) {}

  bool has_slot(edge_pool p) const noexcept;
  void open(edge_pool p) noexcept;  // precondition: has_slot(p)
  void close(edge_pool p) noexcept;
  std::size_t connections(edge_pool p) const noexcept;

  // Changes one connection's charge from `charged` to `wanted` bytes; false (and nothing changes)
  // if that would take the pool or the total over its cap. Shrinking always succeeds.
  bool recharge(edge_pool p, std::size_t& charged, std::size_t wanted) noexcept;
  std::size_t bytes(edge_pool p) const noexcept;
  std::size_t bytes() const noexcept { return bytes(edge_pool::client) + bytes(edge_pool::peer); }

 private:
  struct pool_state {
    std::size_t connections = 0;
    std::size_t bytes = 0;
  };
  pool_state& at(edge_pool p) noexcept { return p == edge_pool::peer ? peer_ : client_; }
  const pool_state& at(edge_pool p) const noexcept {
    return p == edge_pool::peer ? peer_ : client_;
  }

  edge_limits limits_;
  pool_state client_, peer_;
};

class frame_buffer {
 public:
  static constexpr std::size_t base_capacity = 16u << 10;

  std::string_view data() const noexcept { return {bytes_.get() + begin_, end_ - begin_}; }
  std::size_t size() const noexcept { return end_ - begin_; }
  std::size_t capacity() const noexcept { return capacity_; }

  // The capacity the next read needs while `frame_total` bytes (header and payload; 0 while the
  // header is incomplete) make the frame in progress: the current capacity while there is room
  // (after moving the data to the front), else double it (at least base_capacity), never more
  // than the frame needs.
  std::size_t capacity_for(std::size_t frame_total) const noexcept;
  // Free space after the data, to read into: grows (or shrinks) to exactly `capacity` first, or
  // moves the data to the front when the end is reached. Precondition: capacity > size().
  char* space(std::size_t capacity);
  std::size_t space_size() const noexcept { return capacity_ - end_; }
  void commit(std::size_t n) noexcept { end_ += n; }  // n bytes were written into space()
  // Drops `n` bytes from the front; once at most base_capacity bytes remain in a larger buffer,
  // they move to a new buffer of base_capacity and the large one is freed.
  void consume(std::size_t n);
  void release() noexcept;  // frees everything (the connection closed)

 private:
  void reallocate(std::size_t capacity);

  std::unique_ptr<char[]> bytes_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0, end_ = 0;  // the data is [begin_, end_)
};

}  // namespace vote::net
