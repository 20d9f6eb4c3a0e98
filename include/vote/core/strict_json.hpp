// The one JSON reading policy (STYLE.md 16): how every decoder of untrusted or on-disk bytes turns
// text into JSON and reads its fields. Its users: the core codecs (commands, configurations,
// consensus envelopes, election results and snapshots), the wire codecs (client requests and
// responses, discovery datagrams), storage's metadata files (`node`, `promise`, `wal-manifest`),
// the peer control messages and the test lab. docs/protocol.md §6 states the rules.
//
// parse() accepts a text only when all of these hold, checked in this order:
//   1. no NUL byte anywhere (JSON never needs a raw one, and the parser would take it for the end
//      of the input, so `{...}\0junk` would otherwise pass);
//   2. nesting at most `max_depth` levels (the top-level value is level 1), checked by one linear
//      scan of the brackets before parsing, so a bracket bomb costs one pass and no allocation;
//   3. it is one JSON value (RFC 8259: no trailing bytes but whitespace, no comments) in valid
//      UTF-8 (keys too; a lone surrogate escape is invalid), with no number outside the double
//      range (an integer outside u64/i64 parses as a double, which no integer reader accepts);
//   4. no key repeated in any object, at any depth;
//   5. the top-level value is of the expected kind (an object unless the caller says otherwise).
// It never throws: a refused text gives a reason that names a rule (and at most a key, cut to 64
// bytes), never the raw input bytes.
//
// The field readers are the only way a decoder reads a member: each takes an object and a name
// and reads the member only when it is present and of exactly the expected kind (a u64 is an
// unsigned JSON integer: no sign, no fraction, no exponent; an i64 is any JSON integer within
// int64), leaving `out` untouched otherwise. problem() words the error for a member that did not
// read: "missing field 'x'" or "field 'x' must be <expected>".
//
// Pure and stateless: safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vote::strict_json {

using json = nlohmann::json;

// The nesting every decoder accepts unless it says otherwise: client requests and responses,
// datagrams, commands, configurations, consensus envelopes, election snapshots, metadata files.
inline constexpr std::size_t default_max_depth = 8;

enum class kind : std::uint8_t { object, array, any };

struct parse_rules {
  std::size_t max_depth = default_max_depth;
  kind top = kind::object;  // what the top-level value must be
};

// parse()'s answer: the value, or why the text was refused.
struct parse_result {
  std::optional<json> value;  // set when the text passed every rule
  std::string problem;        // otherwise the reason (never the raw input bytes)
};

parse_result parse(std::string_view text, const parse_rules& rules = {});

// True when the nesting of '[' and '{' outside strings stays within `max_depth` (rule 2). Exact
// for well-formed JSON; malformed text fails in the parser anyway.
bool depth_within(std::string_view text, std::size_t max_depth) noexcept;

// Compact serialization that never throws: invalid UTF-8 in a string becomes U+FFFD, valid
// UTF-8 is written unchanged (so parse(dump(v)) gives v back for valid strings).
std::string dump(const json& value);

// The member `name` of `obj`, or nullptr when `obj` is not an object or has no such member.
const json* find(const json& obj, std::string_view name);
// The member when it is an object / an array, else nullptr.
const json* object_field(const json& obj, std::string_view name);
const json* array_field(const json& obj, std::string_view name);

// Value readers: true (and `out` set) when `v` is of exactly that kind.
bool as_string(const json& v, std::string& out);
bool as_u64(const json& v, std::uint64_t& out);
bool as_i64(const json& v, std::int64_t& out);
bool as_bool(const json& v, bool& out);

// Field readers: the value readers applied to member `name` of `obj` (false when it is absent).
bool read_string(const json& obj, std::string_view name, std::string& out);
bool read_u64(const json& obj, std::string_view name, std::uint64_t& out);
bool read_i64(const json& obj, std::string_view name, std::int64_t& out);
bool read_bool(const json& obj, std::string_view name, bool& out);
// An array whose every element is a string / a u64.
bool read_strings(const json& obj, std::string_view name, std::vector<std::string>& out);
bool read_u64s(const json& obj, std::string_view name, std::vector<std::uint64_t>& out);

// The first key of `obj` not in `allowed`, if any.
std::optional<std::string> unknown_key(const json& obj, std::span<const std::string_view> allowed);

// "missing field 'name'" when `obj` lacks it, else "field 'name' must be <expected>".
std::string problem(const json& obj, std::string_view name, std::string_view expected);

// 'name' quoted for a message, cut to at most 64 bytes at a UTF-8 boundary ("'kkk...'").
std::string quote_name(std::string_view name);

}  // namespace vote::strict_json
