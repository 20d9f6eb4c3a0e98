// The public record of a closed election as vote-verify reads it (docs/record.md "The record of
// a closed election"), its strict parser and its canonical encoder.
//
// parse_record() reads untrusted bytes: any input gives either a record or a parse_error naming
// the offending member, never an exception (other than std::bad_alloc) or a crash. It reads in
// one streaming pass (nlohmann's SAX parser): the large arrays (ballots, roll, used) go straight
// into compact storage, the small members through a bounded DOM. It checks shapes and types
// only: exactly the documented keys, no others, no repeats; strings, integers, booleans where
// the page says so; nonces 32 lowercase hex characters, trackers 20 symbols of the code alphabet,
// the digest 64 lowercase hex characters; a ballot of one of the four shapes, scores and weights
// non-negative integers. Format 2's members are optional here; the format check says which
// members a format must have. Everything
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
  std::size_t max_result_nodes = 4'000'000;  // result: rounds and matrices grow as candidates^2
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

// The four ballot shapes of docs/record.md: {"candidate":N} (plurality), {"approve":[N..]},
// {"rank":[N..]}, {"scores":{N:S,..}}. The parser accepts each of them in any record; which one an
// election takes is a check.
enum class ballot_shape : std::uint8_t { candidate, approve, rank, scores };

// One line of "ballots". Its marks are record::marks[first .. first + count): indexes into
// record::ballot_names (not strings per ballot), with record::scores parallel to the marks (0
// for the shapes without scores). Marks keep the record's order.
struct record_ballot {
  std::string tracker;  // 20 symbols
  std::string nonce;    // 32 lowercase hex
  ballot_shape shape = ballot_shape::candidate;
  bool weighted = false;     // the line has a "weight" member (format 2)
  std::uint64_t weight = 1;  // its value, else 1
  std::uint32_t first = 0;   // the first mark
  std::uint32_t count = 0;   // how many marks
};

struct record_settings {
  bool live_results = false;
  std::string method;     // plurality | approval | irv | schulze | stv | score | star
  std::string tie_break;  // "none" | "first_listed" (any string parses; a check judges it)
  std::string voters;     // "ids" | "codes"
  // Format 2 only (absent in format 1; a check says which members each format has).
  std::optional<bool> close_when_all_voted;
  std::optional<std::int64_t> closes_at_ms;
  std::optional<std::uint64_t> max_score;
  std::optional<std::int64_t> opens_at_ms;
  std::optional<std::uint64_t> seats;
};

// One round of result.count.rounds (irv, stv, star).
struct record_round {
  std::vector<std::string> elected;
  std::vector<std::string> eliminated;
  std::uint64_t exhausted = 0;
  std::optional<std::string> tie_note;
  std::optional<std::vector<std::string>> tied;
  std::vector<std::uint64_t> totals;
  std::optional<std::vector<std::string>> transferred;  // stv: whose surplus it transferred
};

using count_matrix = std::vector<std::vector<std::uint64_t>>;

// result.count (format 2, every method but plurality).
struct record_count {
  std::optional<count_matrix> pairwise;
  std::optional<std::uint64_t> quota;
  std::optional<std::vector<record_round>> rounds;
  std::optional<std::uint64_t> scale;
  std::optional<count_matrix> strongest;
  std::uint64_t total_weight = 0;
};

struct record_result {
  std::uint64_t eligible_voters = 0;
  std::vector<std::pair<std::string, std::uint64_t>> tallies;  // in the record's (key) order
  bool tie = false;
  std::vector<std::string> tied;
  std::uint64_t votes_cast = 0;
  std::optional<std::string> winner;  // null -> nullopt
  // Format 2 only.
  std::optional<std::vector<std::string>> winners;
  std::optional<record_count> count;
};

struct record {
  std::vector<record_ballot> ballots;
  std::vector<std::string> ballot_names;  // every distinct name the ballots use, first seen first
  std::vector<std::uint32_t> marks;       // indexes into ballot_names, ballot by ballot
  std::vector<std::uint64_t> scores;      // parallel to marks
  std::vector<std::string> candidates;
  std::int64_t closed_at_ms = 0;
  std::string digest;  // 64 lowercase hex
  std::string election_id;
  std::string format;  // "vote-record/1" | "vote-record/2"
  record_result result;
  string_list roll;
  record_settings settings;
  string_list used;
  // Format 2 only: {roll entry: weight} in the record's (key) order.
  std::optional<string_list> weight_keys;
  std::vector<std::uint64_t> weight_values;  // parallel to *weight_keys

  // Adds one ballot's marks (names interned into ballot_names), for builders of records.
  void add_ballot(record_ballot b, const std::vector<std::string>& names,
                  const std::vector<std::uint64_t>& marks_scores = {});
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

// The canonical JSON text of ballot `i` (what its tracker hashes): {"candidate":"A"},
// {"approve":["A","C"]}, {"rank":["B","A"]} or {"scores":{"A":5}}, marks in the record's order.
std::string canonical_ballot(const record& r, std::size_t i);
// The same for a ballot given by shape, names and (scores shape) scores.
std::string canonical_ballot(ballot_shape shape, const std::vector<std::string>& names,
                             const std::vector<std::uint64_t>& scores);

}  // namespace vote::verify
