// Strict, non-throwing JSON helpers shared by the wire codecs (internal to vote_wire).
//
// parse_json_object() is the only way the wire layer turns untrusted bytes into JSON: it refuses
// nesting deeper than max_json_depth before parsing (a bracket bomb costs one linear scan), refuses
// duplicate object keys at any depth, invalid UTF-8, numbers that overflow a double, and anything
// but a JSON object at the top. It never throws on any input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace vote::wire {

// Deepest nesting accepted in any JSON the wire layer decodes (the top-level object is depth 1).
inline constexpr std::size_t max_json_depth = 8;

namespace detail {

// The parsed object, or a human-readable reason (never echoing the raw input bytes).
std::variant<nlohmann::json, std::string> parse_json_object(std::string_view text);

// Compact serialization that never throws on invalid UTF-8 in a string (the bad bytes become
// U+FFFD; valid UTF-8 is written unchanged, so decode(encode(x)) == x for valid strings).
std::string dump_json(const nlohmann::json& j);

// `name` quote_name for an error message, cut to at most 64 bytes at a UTF-8 boundary.
std::string quote_name(std::string_view name);

// Type-checked reads of one member of `obj`; nullopt when absent or of another type.
const nlohmann::json* find_member(const nlohmann::json& obj, std::string_view name);
std::optional<std::string> string_member(const nlohmann::json& obj, std::string_view name);
std::optional<std::uint64_t> uint_member(const nlohmann::json& obj, std::string_view name);
std::optional<bool> bool_member(const nlohmann::json& obj, std::string_view name);

// "missing field 'name'" when `obj` lacks it, else "field 'name' must be <expected>".
std::string member_problem(const nlohmann::json& obj, std::string_view name,
                           std::string_view expected);

// The first key of `obj` not in `allowed`, if any.
std::optional<std::string> unknown_key(const nlohmann::json& obj,
                                       std::span<const std::string_view> allowed);

}  // namespace detail
}  // namespace vote::wire
