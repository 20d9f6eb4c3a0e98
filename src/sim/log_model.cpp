#include "vote/sim/log_model.hpp"

namespace vote::sim {

std::uint64_t entry_digest(const log_entry& e) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  const auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ULL;
  };
  mix(static_cast<unsigned char>(e.kind));
  for (const char c : e.payload) mix(static_cast<unsigned char>(c));
  return h;
}

std::uint64_t log_model::last_epoch() const noexcept {
  return entries_.empty() ? base_epoch_ : entries_.back().epoch;
}

std::optional<std::uint64_t> log_model::epoch_at(std::uint64_t index) const {
  if (index == base_index_) return base_epoch_;
  if (const auto* e = entry_at(index)) return e->epoch;
  return std::nullopt;
}

const log_entry* log_model::entry_at(std::uint64_t index) const {
  if (index <= base_index_ || index > last_index()) return nullptr;
  return &entries_[index - base_index_ - 1];
}

bool log_model::truncate_from(std::uint64_t index) {
  if (index <= base_index_) return false;
  if (index <= last_index()) entries_.resize(index - base_index_ - 1);
  return true;
}

bool log_model::append(const log_entry& e) {
  if (e.index != last_index() + 1) return false;
  entries_.push_back(e);
  return true;
}

void log_model::install_snapshot(std::uint64_t index, std::uint64_t epoch) {
  if (index <= base_index_) return;
  const auto held = epoch_at(index);
  if (held && *held == epoch && index <= last_index()) {
    entries_.erase(entries_.begin(),
                   entries_.begin() + static_cast<std::ptrdiff_t>(index - base_index_));
  } else {
    entries_.clear();
  }
  base_index_ = index;
  base_epoch_ = epoch;
}

void log_model::reset(std::uint64_t index, std::uint64_t epoch) {
  entries_.clear();
  base_index_ = index;
  base_epoch_ = epoch;
}

}  // namespace vote::sim
