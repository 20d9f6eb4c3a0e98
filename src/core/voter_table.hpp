// Internal to vote_core: the authorized voters of one election and their vote records.
//
// Sized for 1,000,000 voters per election: ids live in one byte arena, an open-addressing table
// of 32-bit slots finds a voter in O(1) on average, and a record is 16 bytes plus the request id
// and the 32 nonce bytes of a cast vote. Indexes are dense (0..size()-1) in insertion order and
// never change. Not thread-safe; copyable (no internal pointers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vote::detail {

class voter_table {
 public:
  static constexpr std::int32_t no_vote = -1;

  void reserve(std::size_t voters);
  // Adds a voter without a vote; false (and no change) when the id is already present.
  bool insert(std::string_view voter);
  std::optional<std::uint32_t> find(std::string_view voter) const noexcept;

  std::size_t size() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::string_view voter(std::uint32_t i) const noexcept;
  // Candidate index of the recorded vote, or no_vote.
  std::int32_t choice(std::uint32_t i) const noexcept { return records_[i].candidate; }
  std::string_view request_id(std::uint32_t i) const noexcept;
  // The recorded vote's nonce (32 hex, docs/record.md); "" without a vote.
  std::string_view nonce(std::uint32_t i) const noexcept;
  // Records a vote; the voter must not have one yet. `nonce` is 32 hex characters.
  void record(std::uint32_t i, std::int32_t candidate, std::string_view request_id,
              std::string_view nonce);

  // Same voters (in any order) with the same records.
  friend bool operator==(const voter_table& a, const voter_table& b);

 private:
  struct record_t {
    std::int32_t candidate = no_vote;
    std::uint32_t request_offset = 0;
    std::uint32_t request_length = 0;
    std::uint32_t nonce_slot = 0;  // nonces_[32 * nonce_slot, +32)
  };

  std::size_t slot_of(std::string_view voter) const noexcept;
  void grow();

  std::string ids_;                        // voter ids back to back
  std::vector<std::uint32_t> offsets_{0};  // voter i is ids_[offsets_[i], offsets_[i+1])
  std::vector<std::uint32_t> slots_;       // 0 empty, else voter index + 1; size 2^k
  std::vector<record_t> records_;          // one per voter
  std::string request_ids_;                // request ids of recorded votes, back to back
  std::string nonces_;                     // nonces of recorded votes, 32 bytes each
};

}  // namespace vote::detail
