// The one JSON reading policy: see include/vote/core/strict_json.hpp.
#include "vote/core/strict_json.hpp"

#include <functional>
#include <limits>
#include <new>
#include <set>
#include <utility>

namespace vote::strict_json {
namespace {

// Parser callback state for rule 4: the keys seen so far in each open object.
struct duplicate_finder {
  std::vector<std::set<std::string>> open;
  std::optional<std::string> duplicate;

  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        open.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open.empty()) open.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open.empty() && parsed.is_string() && !duplicate &&
            !open.back().insert(parsed.get_ref<const std::string&>()).second) {
          duplicate = parsed.get_ref<const std::string&>();
        }
        break;
      default:
        break;
    }
    return true;
  }
};

bool is_kind(const json& v, kind k) {
  switch (k) {
    case kind::object:
      return v.is_object();
    case kind::array:
      return v.is_array();
    case kind::any:
      break;
  }
  return true;
}

}  // namespace

parse_result parse(std::string_view text, const parse_rules& rules) {
  if (text.find('\0') != std::string_view::npos) return {{}, "a NUL byte in the JSON text"};
  if (!depth_within(text, rules.max_depth)) {
    return {{}, "JSON nested deeper than " + std::to_string(rules.max_depth) + " levels"};
  }
  duplicate_finder finder;
  json value;
  try {
    value = json::parse(text.begin(), text.end(), std::ref(finder));
  } catch (const json::parse_error& e) {
    return {{}, "malformed JSON at byte " + std::to_string(e.byte)};
  } catch (const json::out_of_range&) {
    return {{}, "malformed JSON: number out of range"};
  } catch (const json::exception&) {
    return {{}, "malformed JSON"};
  } catch (const std::bad_alloc&) {
    return {{}, "out of memory"};
  }
  if (finder.duplicate) return {{}, "duplicate field " + quote_name(*finder.duplicate)};
  if (!is_kind(value, rules.top)) {
    return {{},
            rules.top == kind::array ? "a message must be a JSON array"
                                     : "a message must be a JSON object"};
  }
  return {std::move(value), {}};
}

bool depth_within(std::string_view text, std::size_t max_depth) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

const json* find(const json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

const json* object_field(const json& obj, std::string_view name) {
  const json* v = find(obj, name);
  return v != nullptr && v->is_object() ? v : nullptr;
}

const json* array_field(const json& obj, std::string_view name) {
  const json* v = find(obj, name);
  return v != nullptr && v->is_array() ? v : nullptr;
}

bool as_string(const json& v, std::string& out) {
  if (!v.is_string()) return false;
  out = v.get_ref<const std::string&>();
  return true;
}

bool as_u64(const json& v, std::uint64_t& out) {
  if (!v.is_number_unsigned()) return false;
  out = v.get<std::uint64_t>();
  return true;
}

bool as_i64(const json& v, std::int64_t& out) {
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > max)) {
    return false;
  }
  out = v.get<std::int64_t>();
  return true;
}

bool as_bool(const json& v, bool& out) {
  if (!v.is_boolean()) return false;
  out = v.get<bool>();
  return true;
}

bool read_string(const json& obj, std::string_view name, std::string& out) {
  const json* v = find(obj, name);
  return v != nullptr && as_string(*v, out);
}

bool read_u64(const json& obj, std::string_view name, std::uint64_t& out) {
  const json* v = find(obj, name);
  return v != nullptr && as_u64(*v, out);
}

bool read_i64(const json& obj, std::string_view name, std::int64_t& out) {
  const json* v = find(obj, name);
  return v != nullptr && as_i64(*v, out);
}

bool read_bool(const json& obj, std::string_view name, bool& out) {
  const json* v = find(obj, name);
  return v != nullptr && as_bool(*v, out);
}

bool read_strings(const json& obj, std::string_view name, std::vector<std::string>& out) {
  const json* a = array_field(obj, name);
  if (a == nullptr) return false;
  std::vector<std::string> values(a->size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!as_string((*a)[i], values[i])) return false;
  }
  out = std::move(values);
  return true;
}

bool read_u64s(const json& obj, std::string_view name, std::vector<std::uint64_t>& out) {
  const json* a = array_field(obj, name);
  if (a == nullptr) return false;
  std::vector<std::uint64_t> values(a->size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!as_u64((*a)[i], values[i])) return false;
  }
  out = std::move(values);
  return true;
}

std::optional<std::string> unknown_key(const json& obj, std::span<const std::string_view> allowed) {
  if (!obj.is_object()) return std::nullopt;
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) return key;
  }
  return std::nullopt;
}

std::string problem(const json& obj, std::string_view name, std::string_view expected) {
  if (find(obj, name) == nullptr) return "missing field " + quote_name(name);
  return "field " + quote_name(name) + " must be " + std::string(expected);
}

std::string quote_name(std::string_view name) {
  constexpr std::size_t max_shown = 64;
  if (name.size() <= max_shown) return "'" + std::string(name) + "'";
  std::size_t cut = max_shown;
  // Step back over UTF-8 continuation bytes so a multi-byte character is not split.
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(name.substr(0, cut)) + "...'";
}

}  // namespace vote::strict_json
