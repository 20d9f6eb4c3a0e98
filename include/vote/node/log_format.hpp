// How vote-server writes its log lines on stderr (--log-format; docs/operations.md "Logs").
//
//   text (default)  2026-12-05T04:00:00.123 info node=3 role=leader epoch=2 members=[1 2 3]
//                   local time, level, the message (spdlog pattern "%Y-%m-%dT%H:%M:%S.%e %l %v",
//                   the level coloured on a terminal)
//   json            one JSON object per line, always these keys in this order:
//                   {"ts":"2026-12-05T03:00:00.123Z","level":"info","logger":"server",
//                    "node":"3","event":"role_change","msg":"node=3 role=leader epoch=2 ..."}
//     ts      UTC, RFC 3339 with milliseconds and "Z"
//     level   spdlog's name: trace, debug, info, warning, error, critical
//     logger  the named logger: "server", "storage", "net", ...
//     node    the id of a leading "node=<id> " as a string (ids exceed 2^53), else null
//     event   "role_change" for the one line per role change (msg "node=N role=..."),
//             "leader_change" for the one line per leader change (msg "node=N leader=..."),
//             else null
//     msg     the message exactly as the text format prints it, JSON-escaped (quotes, backslash,
//             control characters including newlines; invalid UTF-8 bytes become U+FFFD), so a
//             line never breaks in two
//
// Threading: the formatter has no state; spdlog calls it under its sink's lock.
#pragma once

#include <spdlog/formatter.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace vote::node {

// The accepted values of --log-format.
inline constexpr std::string_view log_format_text = "text";
inline constexpr std::string_view log_format_json = "json";

// One log line in the json format above, without the line end.
std::string json_log_line(std::chrono::system_clock::time_point ts, std::string_view level,
                          std::string_view logger, std::string_view msg);

class json_log_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// Sets `format` ("text" or "json", validated by node::validate) on every logger and on those
// created later (spdlog::set_formatter).
void set_log_format(std::string_view format);

}  // namespace vote::node
