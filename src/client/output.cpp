// Client output and exit codes (include/vote/client/output.hpp).
#include "vote/client/output.hpp"

#include "vote/core/credentials.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace vote::client {
namespace {

// Display width of a UTF-8 string (code points; good enough for names in a terminal).
std::size_t display_width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  const double p =
      whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  char text[16];
  std::snprintf(text, sizeof text, "%5.1f%%", p);
  return text;
}

std::size_t bar_length(std::uint64_t votes, std::uint64_t max_votes, std::size_t width) {
  if (max_votes == 0 || votes == 0) return 0;
  const auto scaled = (votes * width + max_votes / 2) / max_votes;  // rounded
  return std::max<std::size_t>(1, static_cast<std::size_t>(scaled));
}

std::string padded(std::string_view s, std::size_t width) {
  std::string out(s);
  out.append(width - std::min(width, display_width(s)), ' ');
  return out;
}

}  // namespace

int exit_code_for(errc code) noexcept {
  switch (code) {
    case errc::ok:
      return exit_ok;
    case errc::not_leader:
    case errc::no_quorum:
    case errc::unavailable:
    case errc::timeout:
    case errc::internal:
      return exit_unavailable;
    default:
      return exit_refused;
  }
}

int exit_code(const call_result& r) noexcept {
  switch (r.result) {
    case outcome::ok:
      return exit_ok;
    case outcome::refused:
      return exit_refused;
    default:
      return exit_unavailable;
  }
}

std::string error_code_name(const call_result& r) {
  switch (r.why) {
    case failure::no_leader:
      return "no_leader";
    case failure::cluster_conflict:
      return "cluster_conflict";
    case failure::no_answer:
      return "timeout";
    default:
      return std::string(to_string(r.code));
  }
}

std::string format_tally_table(const election_result& r, std::size_t bar_width) {
  std::size_t name_width = 0;
  std::uint64_t max_votes = 0;
  for (const auto& t : r.tallies) {
    name_width = std::max(name_width, display_width(t.candidate));
    max_votes = std::max(max_votes, t.votes);
  }
  const auto count_width = std::to_string(max_votes).size();
  std::string out;
  for (const auto& t : r.tallies) {
    const auto count = std::to_string(t.votes);
    out += "  " + padded(t.candidate, name_width) + "  ";
    out += padded(std::string(bar_length(t.votes, max_votes, bar_width), '#'), bar_width);
    out += "  " + std::string(count_width - count.size(), ' ') + count;
    out += "  " + percent(t.votes, r.votes_cast) + "\n";
  }
  return out;
}

std::string format_turnout(const election_result& r) {
  return std::to_string(r.votes_cast) + " of " + std::to_string(r.eligible_voters) +
         " authorized voters voted.";
}

std::string format_success(const wire::client_response& r) {
  std::string out = r.message + "\n";
  if (r.result && r.result->sealed) {
    out += "Results are sealed until the election closes (registered without live results).\n" +
           format_turnout(*r.result) + "\n";
  } else if (r.result) {
    out += format_tally_table(*r.result) + format_turnout(*r.result) + "\n";
  }
  if (!r.tracker.empty()) {
    out += "Your ballot's tracker: " + credentials::group(r.tracker) +
           "\nKeep it: once the election is closed, vote-verify --receipt checks that your ballot "
           "was counted as cast.\n";
  }
  return out;
}

std::string format_failure(const call_result& r, std::string_view unknown_effect) {
  if (r.result == outcome::refused) {
    return r.message.empty() ? "error: " + error_code_name(r) : r.message;
  }
  std::string out = "error: " + (r.message.empty() ? error_code_name(r) : r.message);
  if (unknown_effect.empty()) return out;  // a read: nothing was to be applied
  if (r.result == outcome::unknown) {
    out += "; the outcome is unknown: " + std::string(unknown_effect) +
           ". Retrying with --request-id " + r.request_id + " is safe.";
  } else if (r.result == outcome::not_sent) {
    out += "; it was not applied.";
  }
  return out;
}

nlohmann::ordered_json result_fields(const election_result& r) {
  nlohmann::ordered_json j;
  j["election_id"] = r.election_id;
  j["winner"] = r.winner ? nlohmann::ordered_json(*r.winner) : nlohmann::ordered_json(nullptr);
  j["tie"] = r.tie;
  j["tied"] = r.tied;
  j["tie_break"] = std::string(to_string(r.rule));
  j["tallies"] = nlohmann::ordered_json::object();
  j["candidates"] = nlohmann::ordered_json::array();
  for (const auto& t : r.tallies) {
    j["tallies"][t.candidate] = t.votes;
    j["candidates"].push_back(t.candidate);
  }
  j["votes_cast"] = r.votes_cast;
  j["eligible_voters"] = r.eligible_voters;
  return j;
}

nlohmann::ordered_json usage_error_json(std::string_view code, std::string_view message,
                                        std::string_view request_id) {
  nlohmann::ordered_json j;
  j["ok"] = false;
  j["error"] = {{"code", code}, {"message", message}};
  j["outcome"] = "not_sent";
  j["request_id"] = request_id;
  return j;
}

nlohmann::ordered_json to_json(const call_result& r, std::string_view unknown_effect) {
  nlohmann::ordered_json j;
  j["ok"] = r.ok();
  if (r.ok()) {
    j["message"] = r.message;
    j["request_id"] = r.request_id;
    if (r.response && r.response->result) {
      j.update(result_fields(*r.response->result));
      if (r.response->result->sealed) j["sealed"] = true;
    }
    if (r.response && !r.response->tracker.empty()) j["tracker"] = r.response->tracker;
    return j;
  }
  auto message = format_failure(r, unknown_effect);
  if (r.result != outcome::refused && message.rfind("error: ", 0) == 0) message.erase(0, 7);
  j["error"] = {{"code", error_code_name(r)}, {"message", message}};
  j["outcome"] = to_string(r.result);
  j["request_id"] = r.request_id;
  return j;
}

int report(const call_result& r, bool json, std::string_view unknown_effect, std::ostream& out,
           std::ostream& err) {
  if (json) {
    out << to_json(r, unknown_effect).dump() << "\n";
  } else if (r.ok() && r.response) {
    out << format_success(*r.response);
  } else {
    err << format_failure(r, unknown_effect) << "\n";
  }
  out.flush();
  return exit_code(r);
}

}  // namespace vote::client
