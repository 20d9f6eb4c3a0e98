// Internal to vote_core: the authorized voters of one election and their vote records.
//
// Sized for 1,000,000 voters per election and more: ids live in a byte arena, an open-addressing
// table of 32-bit slots finds a voter in O(1) on average (at most 16,777,214 voters: a slot keeps 8
// bits of the id's hash beside the index; limits::max_voters is 10,000,000) (it grows
// incrementally: no insert costs a rehash of the whole roll), and a record is 20 bytes plus the
// request id and the 32 nonce bytes of a cast vote. Indexes are dense (0..size()-1) in insertion
// order and never change.
//
// Copies are cheap and share storage (voter_table_chunks.hpp): a copy costs a few hundred pointer
// copies for a million voters, and each later write copies only the chunk it touches. So the node
// freezes the applied state for a snapshot without stalling (docs/cluster.md).
//
// Threading: not thread-safe; a table and its copies may each be used by a different thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "voter_table_chunks.hpp"

namespace vote::detail {

class voter_table {
 public:
  static constexpr std::int32_t no_vote = -1;

  // Room for `voters` without growing (geometrically, so that many calls cost little).
  void reserve(std::size_t voters);
  // Adds a voter without a vote; false (and no change) when the id is already present.
  bool insert(std::string_view voter);
  std::optional<std::uint32_t> find(std::string_view voter) const noexcept;

  std::size_t size() const noexcept { return records_.size(); }
  std::string_view voter(std::uint32_t i) const noexcept;
  // Candidate index of the recorded vote, or no_vote.
  std::int32_t choice(std::uint32_t i) const noexcept { return records_[i].candidate; }
  std::string_view request_id(std::uint32_t i) const noexcept;
  // The recorded vote's nonce (32 hex, docs/record.md); "" without a vote.
  std::string_view nonce(std::uint32_t i) const noexcept;
  // Records a vote; the voter must not have one yet. `nonce` is 32 hex characters.
  void record(std::uint32_t i, std::int32_t candidate, std::string_view request_id,
              std::string_view nonce);

  // The voters with a recorded vote, in the order their votes were recorded.
  std::vector<std::uint32_t> cast_order() const;

  // Same voters (in any order) with the same records.
  friend bool operator==(const voter_table& a, const voter_table& b);

 private:
  struct record_t {
    std::int32_t candidate = no_vote;
    arena_span request;            // in request_ids_
    std::uint32_t nonce_slot = 0;  // nonces_[nonce_slot]
  };
  using nonce_bytes = std::array<char, 32>;

  // The slot of `voter` (whose hash is `hash`) in `slots`: its own, or the empty one where it
  // would go.
  std::size_t slot_in(const chunked_vector<std::uint32_t>& slots, std::string_view voter,
                      std::size_t hash) const noexcept;
  // The old_slots_ entry of `voter` while it has not moved yet, else 0.
  std::uint32_t not_migrated(std::string_view voter, std::size_t hash) const noexcept;
  // Moves up to `n` voters from old_slots_ into slots_; drops old_slots_ once all have moved.
  void migrate(std::size_t n);

  chunked_arena<> ids_;               // voter ids
  chunked_vector<arena_span> id_at_;  // voter i is ids_.view(id_at_[i])
  // 0 empty, else the voter's index + 1 and 8 bits of its id's hash (voter_table.cpp); size 2^k.
  chunked_vector<std::uint32_t> slots_;
  // Growing the slots moves the voters a few per insert, so that no insert rehashes a large roll
  // at once: voters migrated_..old_count_-1 are found in old_slots_ (the previous slots), every
  // other voter in slots_. Each migration ends before the table needs to grow again.
  chunked_vector<std::uint32_t> old_slots_;
  std::uint32_t old_count_ = 0;
  std::uint32_t migrated_ = 0;
  chunked_vector<record_t> records_;    // one per voter
  chunked_arena<> request_ids_;         // request ids of recorded votes
  chunked_vector<nonce_bytes> nonces_;  // nonces of recorded votes
};

}  // namespace vote::detail
