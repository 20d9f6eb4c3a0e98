// Which directed links of the simulated network carry messages (DESIGN.md §9).
//
// Nodes are slots 0..size-1. A link is either open or cut, per direction, so a one-way loss is one
// cut direction. Partitions cut both directions between sides; a bridge node keeps its links to
// every side. A slot's own link to itself is never cut. Pure data: no time, no randomness.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vote::sim {

class topology {
 public:
  explicit topology(std::size_t slots = 0);

  std::size_t size() const noexcept { return size_; }
  bool can_send(std::size_t from, std::size_t to) const;
  // Open in both directions: a TCP link between the two can stay up.
  bool connected(std::size_t a, std::size_t b) const { return can_send(a, b) && can_send(b, a); }
  bool healed() const;

  void heal();
  void cut(std::size_t from, std::size_t to);
  void cut_both(std::size_t a, std::size_t b);
  // Cuts every link between different sides (both directions); slots in no side keep their links.
  void split(const std::vector<std::vector<std::size_t>>& sides);
  // Cuts a slot off from everyone (both directions).
  void isolate(std::size_t slot);
  // Re-opens every link of `slot` (both directions), e.g. to make it a bridge after split().
  void open_all(std::size_t slot);

  // "0->2 1->2 ..." listing cut links, or "healed".
  std::string describe() const;

 private:
  std::size_t size_;
  std::vector<char> cut_;  // size_ * size_, [from * size_ + to]
};

}  // namespace vote::sim
