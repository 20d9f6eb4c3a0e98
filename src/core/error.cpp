// Stable wire names of the error codes (include/vote/core/error.hpp).
#include "vote/core/error.hpp"

#include <array>
#include <cstddef>
#include <string_view>

namespace vote {
namespace {

// Indexed by the enum value; the order must follow the declaration of errc.
constexpr std::array<std::string_view, 19> errc_names = {
    "ok",
    "bad_request",
    "too_large",
    "unsupported",
    "unauthorized",
    "election_exists",
    "unknown_election",
    "election_closed",
    "voter_not_authorized",
    "invalid_candidate",
    "already_voted",
    "invalid_election",
    "election_open",
    "not_open",
    "not_leader",
    "no_quorum",
    "unavailable",
    "timeout",
    "internal",
};
static_assert(static_cast<std::size_t>(errc::internal) + 1 == errc_names.size(),
              "errc_names must list every errc");

}  // namespace

std::string_view to_string(errc code) noexcept {
  const auto i = static_cast<std::size_t>(code);
  return i <= static_cast<std::size_t>(errc::internal) ? errc_names[i] : "unknown";
}

std::optional<errc> errc_from_string(std::string_view name) noexcept {
  for (std::size_t i = 0; i <= static_cast<std::size_t>(errc::internal); ++i) {
    if (errc_names[i] == name) return static_cast<errc>(i);
  }
  return std::nullopt;
}

bool outcome_may_be_unknown(errc code) noexcept {
  switch (code) {
    case errc::no_quorum:
    case errc::timeout:
    case errc::internal:
      return true;
    default:
      return false;
  }
}

}  // namespace vote
