// Open-addressing voter index (voter_table.hpp).
#include "voter_table.hpp"

#include <algorithm>
#include <bit>
#include <functional>

namespace vote::detail {
namespace {

constexpr std::size_t min_slots = 16;

// Slots for `n` voters at a load factor of at most 1/2.
std::size_t slots_for(std::size_t n) {
  return std::bit_ceil(std::max(min_slots, 2 * n + 1));
}

}  // namespace

void voter_table::reserve(std::size_t voters) {
  // Geometric: a roll added in many chunks must not copy the whole table once per chunk.
  if (voters > records_.capacity()) {
    const std::size_t capacity = std::max(voters, 2 * records_.capacity());
    offsets_.reserve(capacity + 1);
    records_.reserve(capacity);
  }
  if (slots_for(voters) > slots_.size()) {
    slots_.assign(slots_for(voters), 0);
    for (std::uint32_t i = 0; i < size(); ++i) slots_[slot_of(voter(i))] = i + 1;
  }
}

std::size_t voter_table::slot_of(std::string_view id) const noexcept {
  const std::size_t mask = slots_.size() - 1;
  std::size_t s = std::hash<std::string_view>{}(id)&mask;
  while (slots_[s] != 0 && voter(slots_[s] - 1) != id) s = (s + 1) & mask;
  return s;
}

void voter_table::grow() {
  reserve(std::max(size() + 1, 2 * size()));
}

bool voter_table::insert(std::string_view id) {
  if (2 * (size() + 1) >= slots_.size()) grow();
  const std::size_t s = slot_of(id);
  if (slots_[s] != 0) return false;
  ids_.append(id);
  offsets_.push_back(static_cast<std::uint32_t>(ids_.size()));
  records_.emplace_back();
  slots_[s] = static_cast<std::uint32_t>(size());
  return true;
}

std::optional<std::uint32_t> voter_table::find(std::string_view id) const noexcept {
  if (slots_.empty()) return std::nullopt;
  const std::uint32_t v = slots_[slot_of(id)];
  if (v == 0) return std::nullopt;
  return v - 1;
}

std::string_view voter_table::voter(std::uint32_t i) const noexcept {
  return std::string_view(ids_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
}

std::string_view voter_table::request_id(std::uint32_t i) const noexcept {
  const record_t& r = records_[i];
  return std::string_view(request_ids_).substr(r.request_offset, r.request_length);
}

std::string_view voter_table::nonce(std::uint32_t i) const noexcept {
  const record_t& r = records_[i];
  if (r.candidate == no_vote) return {};
  return std::string_view(nonces_).substr(std::size_t{32} * r.nonce_slot, 32);
}

void voter_table::record(std::uint32_t i, std::int32_t candidate, std::string_view request_id,
                         std::string_view nonce) {
  record_t& r = records_[i];
  r.candidate = candidate;
  r.request_offset = static_cast<std::uint32_t>(request_ids_.size());
  r.request_length = static_cast<std::uint32_t>(request_id.size());
  request_ids_.append(request_id);
  r.nonce_slot = static_cast<std::uint32_t>(nonces_.size() / 32);
  nonces_.append(nonce.substr(0, 32));
  nonces_.resize(std::size_t{32} * (r.nonce_slot + 1), '0');
}

bool operator==(const voter_table& a, const voter_table& b) {
  if (a.size() != b.size()) return false;
  for (std::uint32_t i = 0; i < a.size(); ++i) {
    const auto j = b.find(a.voter(i));
    if (!j || a.choice(i) != b.choice(*j) || a.request_id(i) != b.request_id(*j) ||
        a.nonce(i) != b.nonce(*j)) {
      return false;
    }
  }
  return true;
}

}  // namespace vote::detail
