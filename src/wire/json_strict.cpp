#include "vote/wire/json_strict.hpp"

#include "vote/core/json_depth.hpp"

#include <functional>
#include <set>
#include <vector>

namespace vote::wire::detail {
namespace {

using nlohmann::json;

// Parser callback state: one set of seen keys per open object.
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
        if (!open.empty() && parsed.is_string() &&
            !open.back().insert(parsed.get_ref<const std::string&>()).second && !duplicate) {
          duplicate = parsed.get_ref<const std::string&>();
        }
        break;
      default:
        break;
    }
    return true;
  }
};

}  // namespace

std::variant<json, std::string> parse_json_object(std::string_view text) {
  // nlohmann's parser stops at a NUL byte and ignores what follows: `{..}\0junk` would pass.
  if (text.find('\0') != std::string_view::npos) return std::string("a NUL byte in the JSON text");
  if (!json_depth_within(text, max_json_depth)) {
    return "JSON nested deeper than " + std::to_string(max_json_depth) + " levels";
  }
  duplicate_finder finder;
  json value;
  try {
    value = json::parse(text.begin(), text.end(), std::ref(finder));
  } catch (const json::parse_error& e) {
    return "malformed JSON at byte " + std::to_string(e.byte);
  } catch (const json::out_of_range&) {
    return std::string("malformed JSON: number out of range");
  } catch (const json::exception&) {
    return std::string("malformed JSON");
  }
  if (finder.duplicate) return "duplicate field " + quote_name(*finder.duplicate);
  if (!value.is_object()) return std::string("a message must be a JSON object");
  return value;
}

std::string dump_json(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string quote_name(std::string_view name) {
  constexpr std::size_t max_shown = 64;
  if (name.size() > max_shown) {
    std::size_t cut = max_shown;
    // Step back over UTF-8 continuation bytes so a multi-byte character is not split.
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    return "'" + std::string(name.substr(0, cut)) + "...'";
  }
  return "'" + std::string(name) + "'";
}

const json* find_member(const json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(name));
  return it == obj.end() ? nullptr : &*it;
}

std::optional<std::string> string_member(const json& obj, std::string_view name) {
  const json* v = find_member(obj, name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get_ref<const std::string&>();
}

std::optional<std::uint64_t> uint_member(const json& obj, std::string_view name) {
  const json* v = find_member(obj, name);
  if (v == nullptr || !v->is_number_unsigned()) return std::nullopt;
  return v->get<std::uint64_t>();
}

std::optional<bool> bool_member(const json& obj, std::string_view name) {
  const json* v = find_member(obj, name);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

std::string member_problem(const json& obj, std::string_view name, std::string_view expected) {
  if (find_member(obj, name) == nullptr) return "missing field " + quote_name(name);
  return "field " + quote_name(name) + " must be " + std::string(expected);
}

std::optional<std::string> unknown_key(const json& obj, std::span<const std::string_view> allowed) {
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) return key;
  }
  return std::nullopt;
}

}  // namespace vote::wire::detail
