// The log line formats (include/vote/node/log_format.hpp).
#include "vote/node/log_format.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <array>
#include <ctime>

#include <nlohmann/json.hpp>

namespace vote::node {
namespace {

// "2026-12-05T03:00:00.123Z".
std::string utc_text(std::chrono::system_clock::time_point ts) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(ts.time_since_epoch()).count();
  const auto seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const auto millis = static_cast<int>(ms - static_cast<long long>(seconds) * 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  std::array<char, 32> date{};
  std::strftime(date.data(), date.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  const std::string ms3 = std::to_string(1000 + millis).substr(1);  // 7 -> "007"
  return std::string(date.data()) + "." + ms3 + "Z";
}

// The id of a leading "node=<digits>" (followed by a space or the end), and the rest after it.
struct node_prefix {
  std::string_view id;
  std::string_view rest;
};

node_prefix split_node(std::string_view msg) {
  constexpr std::string_view key = "node=";
  if (msg.substr(0, key.size()) != key) return {{}, msg};
  std::size_t end = key.size();
  while (end < msg.size() && msg[end] >= '0' && msg[end] <= '9') ++end;
  if (end == key.size() || (end < msg.size() && msg[end] != ' ')) return {{}, msg};
  const auto rest = end < msg.size() ? msg.substr(end + 1) : std::string_view{};
  return {msg.substr(key.size(), end - key.size()), rest};
}

nlohmann::ordered_json event_of(std::string_view rest) {
  if (rest.substr(0, 5) == "role=") return "role_change";
  if (rest.substr(0, 7) == "leader=") return "leader_change";
  return nullptr;
}

}  // namespace

std::string json_log_line(std::chrono::system_clock::time_point ts, std::string_view level,
                          std::string_view logger, std::string_view msg) {
  const auto node = split_node(msg);
  nlohmann::ordered_json j;
  j["ts"] = utc_text(ts);
  j["level"] = std::string(level);
  j["logger"] = std::string(logger);
  j["node"] = node.id.empty() ? nlohmann::ordered_json(nullptr)
                              : nlohmann::ordered_json(std::string(node.id));
  j["event"] = node.id.empty() ? nlohmann::ordered_json(nullptr) : event_of(node.rest);
  j["msg"] = std::string(msg);
  // replace: invalid UTF-8 becomes U+FFFD instead of an exception; control characters are
  // escaped (\n, \u0001), so the object stays on one line.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void json_log_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto level = spdlog::level::to_string_view(msg.level);
  const auto line = json_log_line(msg.time, std::string_view(level.data(), level.size()),
                                  std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                                  std::string_view(msg.payload.data(), msg.payload.size()));
  dest.append(line.data(), line.data() + line.size());
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> json_log_formatter::clone() const {
  return std::make_unique<json_log_formatter>();
}

void set_log_format(std::string_view format) {
  if (format == log_format_json) {
    spdlog::set_formatter(std::make_unique<json_log_formatter>());
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
}

}  // namespace vote::node
