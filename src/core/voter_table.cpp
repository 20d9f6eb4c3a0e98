// Open-addressing voter index (voter_table.hpp).
#include "voter_table.hpp"

#include <algorithm>
#include <bit>
#include <functional>

#include "vote/core/invariant.hpp"

namespace vote::detail {
namespace {

constexpr std::size_t min_slots = 16;

// Slots for `n` voters at a load factor of at most 1/2.
std::size_t slots_for(std::size_t n) {
  return std::bit_ceil(std::max(min_slots, 2 * n + 1));
}

// A slot holds the voter's index + 1 in its low 24 bits and the top 8 bits of the id's hash above
// them: a probe that meets another voter's slot moves on without reading that voter's id 255
// times in 256 (restoring or registering a large roll spent most of its time in those reads).
constexpr unsigned index_bits = 24;
constexpr std::uint32_t index_mask = (std::uint32_t{1} << index_bits) - 1;

std::size_t hash_of(std::string_view id) noexcept {
  return std::hash<std::string_view>{}(id);
}
std::uint32_t tag_of(std::size_t hash) noexcept {
  return static_cast<std::uint32_t>(hash >> (8 * sizeof(std::size_t) - 8)) << index_bits;
}
std::uint32_t slot_value(std::uint32_t index, std::size_t hash) noexcept {
  return tag_of(hash) | (index + 1);
}
std::uint32_t index_of(std::uint32_t slot) noexcept {
  return (slot & index_mask) - 1;
}

}  // namespace

// Voters moved from the old slots per insert while the slots grow: growth at least doubles the
// room, so the move ends long before the next growth (after at most half as many inserts).
constexpr std::size_t migrate_per_insert = 2;

void voter_table::reserve(std::size_t voters) {
  if (slots_for(voters) <= slots_.size()) return;
  migrate(old_count_);  // a growth before the last one ended (a large reserve): finish it
  old_count_ = static_cast<std::uint32_t>(size());
  migrated_ = 0;
  old_slots_ = std::move(slots_);
  slots_ = {};
  slots_.assign(slots_for(std::max(voters, 2 * size())), 0);
  migrate(0);  // nothing to move from an empty table
}

void voter_table::migrate(std::size_t n) {
  for (; n > 0 && migrated_ < old_count_; --n, ++migrated_) {
    const std::size_t h = hash_of(voter(migrated_));
    slots_.at_mut(slot_in(slots_, voter(migrated_), h)) = slot_value(migrated_, h);
  }
  if (migrated_ == old_count_ && old_slots_.size() != 0) old_slots_ = {};
}

std::size_t voter_table::slot_in(const chunked_vector<std::uint32_t>& slots, std::string_view id,
                                 std::size_t hash) const noexcept {
  const std::size_t mask = slots.size() - 1;
  const std::uint32_t tag = tag_of(hash);
  std::size_t s = hash & mask;
  for (std::uint32_t v = slots[s]; v != 0; v = slots[s]) {
    if ((v & ~index_mask) == tag && voter(index_of(v)) == id) break;
    s = (s + 1) & mask;
  }
  return s;
}

std::uint32_t voter_table::not_migrated(std::string_view id, std::size_t hash) const noexcept {
  return migrated_ < old_count_ ? old_slots_[slot_in(old_slots_, id, hash)] : 0;
}

bool voter_table::insert(std::string_view id) {
  VOTE_INVARIANT(size() < index_mask, "a roll of more than 16,777,214 voters");
  if (2 * (size() + 1) >= slots_.size()) reserve(size() + 1);
  migrate(migrate_per_insert);
  const std::size_t h = hash_of(id);
  const std::size_t s = slot_in(slots_, id, h);
  if (slots_[s] != 0 || not_migrated(id, h) != 0) return false;
  const auto index = static_cast<std::uint32_t>(size());
  id_at_.push_back(ids_.append(id));
  records_.push_back(record_t{});
  slots_.at_mut(s) = slot_value(index, h);
  return true;
}

std::optional<std::uint32_t> voter_table::find(std::string_view id) const noexcept {
  if (slots_.size() == 0) return std::nullopt;
  const std::size_t h = hash_of(id);
  std::uint32_t v = slots_[slot_in(slots_, id, h)];
  if (v == 0) v = not_migrated(id, h);
  if (v == 0) return std::nullopt;
  return index_of(v);
}

std::string_view voter_table::voter(std::uint32_t i) const noexcept {
  return ids_.view(id_at_[i]);
}

std::string_view voter_table::request_id(std::uint32_t i) const noexcept {
  return request_ids_.view(records_[i].request);
}

std::string_view voter_table::nonce(std::uint32_t i) const noexcept {
  const record_t& r = records_[i];
  if (r.candidate == no_vote) return {};
  return std::string_view(nonces_[r.nonce_slot].data(), 32);
}

void voter_table::record(std::uint32_t i, std::int32_t candidate, std::string_view request_id,
                         std::string_view nonce) {
  nonce_bytes bytes;
  bytes.fill('0');
  std::copy_n(nonce.begin(), std::min<std::size_t>(nonce.size(), 32), bytes.begin());
  record_t& r = records_.at_mut(i);
  r.candidate = candidate;
  r.request = request_ids_.append(request_id);
  r.nonce_slot = static_cast<std::uint32_t>(nonces_.size());
  nonces_.push_back(bytes);
}

std::vector<std::uint32_t> voter_table::cast_order() const {
  std::vector<std::uint32_t> order(nonces_.size());
  for (std::uint32_t i = 0; i < size(); ++i) {
    if (records_[i].candidate != no_vote) order[records_[i].nonce_slot] = i;
  }
  return order;
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
