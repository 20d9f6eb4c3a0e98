// The public record of a closed election as vote-verify reads it (docs/record.md "The record of
// a closed election"), its strict parser and its canonical encoder.
//
// parse_record() reads untrusted bytes: any input gives either a record or a parse_error naming
// the offending member, never an exception (other than std::bad_alloc) or a crash. It reads in
// one streaming pass (nlohmann's SAX parser): the large arrays (ballots, roll, used) go straight
// into compact storage, the small members through a bounded DOM. It checks shapes and types
// only: exactly the documented keys, no others, no repeats; strings, integers, booleans where
// the page says so; nonces 32 lowercase hex characters, trackers 20 symbols of the code alphabet,
// the digest 64 lowercase hex characters; a plurality ballot {"candidate": string}. Everything
// else (sorting, counts, hashes, the recount) is a check of verify.hpp, reported by name.
//
// encode_record() writes the canonical bytes of a parsed record (keys sorted, no whitespace),
// optionally without the "digest" member (the digest's preimage). Since a record holds every
// member of the input, the input was canonical exactly when it equals encode_record(parse).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace vote::verify {

// Bounds on an untrusted record.
struct record_limits {
  std::size_t max_bytes = std::size_t{1} << 30;  // 1 GiB, the whole record
  std::size_t max_depth = 8;                     // nesting (the format needs 4)
  std::size_t max_string_bytes = 64 * 1024;      // any one string
  std::size_t max_candidates = 100'000;
};

// Many short strings in one buffer (roll entries, used credentials): two allocations, not one
// per string.
class string_list {
 public:
  void push_back(std::string_view s) {
    bytes_.append(s);
    ends_.push_back(bytes_.size());
  }
  std::size_t size() const noexcept { return ends_.size(); }
  bool empty() const noexcept { return ends_.empty(); }
  std::string_view operator[](std::size_t i) const noexcept {
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }

 private:
  std::string bytes_;
  std::vector<std::size_t> ends_;
};

struct record_ballot {
  std::string tracker;    // 20 symbols
  std::string nonce;      // 32 lowercase hex
  std::string candidate;  // the ballot object's "candidate"
};

struct record_settings {
  bool live_results = false;
  std::string method;     // "plurality" is the only method docs/record.md defines
  std::string tie_break;  // "none" | "first_listed" (any string parses; a check judges it)
  std::string voters;     // "ids" | "codes"
};

struct record_result {
  std::uint64_t eligible_voters = 0;
  std::vector<std::pair<std::string, std::uint64_t>> tallies;  // in the record's (key) order
  bool tie = false;
  std::vector<std::string> tied;
  std::uint64_t votes_cast = 0;
  std::optional<std::string> winner;  // null -> nullopt
};

struct record {
  std::vector<record_ballot> ballots;
  std::vector<std::string> candidates;
  std::int64_t closed_at_ms = 0;
  std::string digest;  // 64 lowercase hex
  std::string election_id;
  std::string format;  // "vote-record/1"
  record_result result;
  string_list roll;
  record_settings settings;
  string_list used;
};

struct parse_error {
  std::string message;  // e.g. "ballots[12].nonce: expected 32 lowercase hex characters"
};

std::variant<record, parse_error> parse_record(std::string_view bytes,
                                               const record_limits& lim = {});

// Receives the canonical bytes piece by piece.
using byte_sink = std::function<void(std::string_view)>;
void encode_record(const record& r, bool with_digest, const byte_sink& sink);
std::string encode_record(const record& r, bool with_digest = true);

}  // namespace vote::verify
