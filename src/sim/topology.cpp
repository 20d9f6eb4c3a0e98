#include "vote/sim/topology.hpp"

#include <algorithm>

namespace vote::sim {

topology::topology(std::size_t slots) : size_(slots), cut_(slots * slots, 0) {}

bool topology::can_send(std::size_t from, std::size_t to) const {
  if (from == to) return true;
  return cut_[from * size_ + to] == 0;
}

bool topology::healed() const {
  return std::none_of(cut_.begin(), cut_.end(), [](char c) { return c != 0; });
}

void topology::heal() {
  std::fill(cut_.begin(), cut_.end(), 0);
}

void topology::cut(std::size_t from, std::size_t to) {
  if (from != to) cut_[from * size_ + to] = 1;
}

void topology::cut_both(std::size_t a, std::size_t b) {
  cut(a, b);
  cut(b, a);
}

void topology::split(const std::vector<std::vector<std::size_t>>& sides) {
  for (std::size_t i = 0; i < sides.size(); ++i) {
    for (std::size_t j = i + 1; j < sides.size(); ++j) {
      for (const auto a : sides[i]) {
        for (const auto b : sides[j]) cut_both(a, b);
      }
    }
  }
}

void topology::isolate(std::size_t slot) {
  for (std::size_t other = 0; other < size_; ++other) cut_both(slot, other);
}

void topology::open_all(std::size_t slot) {
  for (std::size_t other = 0; other < size_; ++other) {
    cut_[slot * size_ + other] = 0;
    cut_[other * size_ + slot] = 0;
  }
}

std::string topology::describe() const {
  std::string out;
  for (std::size_t from = 0; from < size_; ++from) {
    for (std::size_t to = 0; to < size_; ++to) {
      if (!can_send(from, to)) {
        if (!out.empty()) out += ' ';
        out += std::to_string(from) + "->" + std::to_string(to);
      }
    }
  }
  return out.empty() ? "healed" : out;
}

}  // namespace vote::sim
