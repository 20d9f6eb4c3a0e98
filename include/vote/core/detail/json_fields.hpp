// Internal to vote_core: strict, non-throwing field readers for the JSON decoders (commands,
// results, snapshots). Each returns false when the field is missing or has the wrong type, and
// leaves `out` unspecified then.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vote::detail {

inline const nlohmann::json* field(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

inline bool get_string(const nlohmann::json& j, const char* key, std::string& out) {
  const nlohmann::json* f = field(j, key);
  if (f == nullptr || !f->is_string()) return false;
  out = f->get_ref<const std::string&>();
  return true;
}

inline bool get_u64(const nlohmann::json& j, const char* key, std::uint64_t& out) {
  const nlohmann::json* f = field(j, key);
  if (f == nullptr || !f->is_number_integer()) return false;
  if (!f->is_number_unsigned() && f->get<std::int64_t>() < 0) return false;
  out = f->get<std::uint64_t>();
  return true;
}

inline bool get_i64(const nlohmann::json& j, const char* key, std::int64_t& out) {
  const nlohmann::json* f = field(j, key);
  if (f == nullptr || !f->is_number_integer()) return false;
  if (f->is_number_unsigned() &&
      f->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return false;
  }
  out = f->get<std::int64_t>();
  return true;
}

inline bool get_bool(const nlohmann::json& j, const char* key, bool& out) {
  const nlohmann::json* f = field(j, key);
  if (f == nullptr || !f->is_boolean()) return false;
  out = f->get<bool>();
  return true;
}

inline bool get_strings(const nlohmann::json& j, const char* key, std::vector<std::string>& out) {
  const nlohmann::json* f = field(j, key);
  if (f == nullptr || !f->is_array()) return false;
  out.clear();
  out.reserve(f->size());
  for (const nlohmann::json& s : *f) {
    if (!s.is_string()) return false;
    out.push_back(s.get_ref<const std::string&>());
  }
  return true;
}

}  // namespace vote::detail
