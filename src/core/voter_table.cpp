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
    slots_.at_mut(slot_in(slots_, voter(migrated_))) = migrated_ + 1;
  }
  if (migrated_ == old_count_ && old_slots_.size() != 0) old_slots_ = {};
}

std::size_t voter_table::slot_in(const chunked_vector<std::uint32_t>& slots,
                                 std::string_view id) const noexcept {
  const std::size_t mask = slots.size() - 1;
  std::size_t s = std::hash<std::string_view>{}(id)&mask;
  while (slots[s] != 0 && voter(slots[s] - 1) != id) s = (s + 1) & mask;
  return s;
}

std::uint32_t voter_table::not_migrated(std::string_view id) const noexcept {
  return migrated_ < old_count_ ? old_slots_[slot_in(old_slots_, id)] : 0;
}

bool voter_table::insert(std::string_view id) {
  if (2 * (size() + 1) >= slots_.size()) reserve(size() + 1);
  migrate(migrate_per_insert);
  const std::size_t s = slot_in(slots_, id);
  if (slots_[s] != 0 || not_migrated(id) != 0) return false;
  id_at_.push_back(ids_.append(id));
  records_.push_back(record_t{});
  slots_.at_mut(s) = static_cast<std::uint32_t>(size());
  return true;
}

std::optional<std::uint32_t> voter_table::find(std::string_view id) const noexcept {
  if (slots_.size() == 0) return std::nullopt;
  std::uint32_t v = slots_[slot_in(slots_, id)];
  if (v == 0) v = not_migrated(id);
  if (v == 0) return std::nullopt;
  return v - 1;
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
