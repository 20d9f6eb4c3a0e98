// What the checks and the recount of one record share (src/verify only): the record's format and
// method, and its ballots' names as candidate indexes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vote/verify/count.hpp"
#include "vote/verify/record.hpp"

namespace vote::verify::detail {

inline constexpr std::string_view format_1 = "vote-record/1";
inline constexpr std::string_view format_2 = "vote-record/2";

inline bool is_format_2(const record& r) {
  return r.format == format_2;
}

// The method the record's ballots are counted with: format 1 is plurality.
inline std::optional<count_method> record_method(const record& r) {
  if (!is_format_2(r)) return count_method::plurality;
  return method_from_string(r.settings.method);
}

// The ballot shape a method takes.
inline ballot_shape shape_of(count_method m) {
  if (m == count_method::plurality) return ballot_shape::candidate;
  if (m == count_method::approval) return ballot_shape::approve;
  if (is_scored(m)) return ballot_shape::scores;
  return ballot_shape::rank;
}

inline constexpr std::uint32_t not_a_candidate = UINT32_MAX;

// For each of r.ballot_names, its index in r.candidates (the first, if listed twice), or
// not_a_candidate.
std::vector<std::uint32_t> candidate_of_names(const record& r);

}  // namespace vote::verify::detail
