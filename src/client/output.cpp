// Client output and exit codes (include/vote/client/output.hpp).
#include "vote/client/output.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "vote/core/credentials.hpp"
#include "vote/core/time_text.hpp"
#include "vote/core/unicode.hpp"

namespace vote::client {
namespace {

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

std::string right(std::string_view s, std::size_t width) {
  return std::string(width - std::min(width, display_width(s)), ' ') + std::string(s);
}

std::vector<std::string> names_of(const election_result& r) {
  std::vector<std::string> names;
  names.reserve(r.tallies.size());
  for (const auto& t : r.tallies) names.push_back(t.candidate);
  return names;
}

// "A, B, C" of the candidates at `indexes` (indexes out of range are skipped: a hostile server
// must not crash the client).
std::string joined(const std::vector<std::uint32_t>& indexes,
                   const std::vector<std::string>& names) {
  std::string out;
  for (const auto i : indexes) {
    if (i >= names.size()) continue;
    if (!out.empty()) out += ", ";
    out += names[i];
  }
  return out;
}

bool contains(const std::vector<std::uint32_t>& v, std::uint32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// A count as the rounds table and the CSV show it: votes, or stv units as votes with decimals.
std::string count_text(const election_result& r, std::uint64_t n) {
  return r.method == counting::method::stv ? format_stv_units(n) : std::to_string(n);
}

// What a round decided, "; "-separated.
std::string round_notes(const election_result& r, const counting::round& round,
                        const std::vector<std::string>& names) {
  std::vector<std::string> notes;
  if (!round.elected.empty()) notes.push_back("elected " + joined(round.elected, names));
  if (!round.transferred.empty()) {
    notes.push_back("transferred the surplus of " + joined(round.transferred, names));
  }
  if (!round.eliminated.empty()) notes.push_back("eliminated " + joined(round.eliminated, names));
  if (round.exhausted != 0) notes.push_back("exhausted " + count_text(r, round.exhausted));
  if (!round.tied.empty() || !round.tie_note.empty()) {
    std::string tie = "tie";
    if (!round.tied.empty()) tie += " (" + joined(round.tied, names) + ")";
    if (!round.tie_note.empty()) tie += ": " + round.tie_note;
    notes.push_back(tie);
  }
  std::string out;
  for (const auto& n : notes) out += (out.empty() ? "" : "; ") + n;
  return out;
}

// A square matrix under a title, rows and columns the candidates, '-' on the diagonal.
std::string format_matrix(std::string_view title, const std::vector<std::vector<std::uint64_t>>& m,
                          const std::vector<std::string>& names) {
  const std::size_t n = std::min(m.size(), names.size());
  std::size_t name_width = 0;
  std::vector<std::size_t> widths(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    name_width = std::max(name_width, display_width(names[i]));
    widths[i] = std::max(widths[i], display_width(names[i]));
    for (std::size_t row = 0; row < n; ++row) {
      if (i < m[row].size()) widths[i] = std::max(widths[i], std::to_string(m[row][i]).size());
    }
  }
  std::string out = std::string(title) + "\n  " + std::string(name_width, ' ');
  for (std::size_t col = 0; col < n; ++col) out += "  " + right(names[col], widths[col]);
  out += "\n";
  for (std::size_t row = 0; row < n; ++row) {
    out += "  " + padded(names[row], name_width);
    for (std::size_t col = 0; col < n; ++col) {
      const bool known = col < m[row].size();
      const std::string cell = row == col || !known ? "-" : std::to_string(m[row][col]);
      out += "  " + right(cell, widths[col]);
    }
    out += "\n";
  }
  return out;
}

// Above 2^53 a JSON number loses precision in many readers: such counts are decimal strings.
nlohmann::ordered_json json_count(std::uint64_t n) {
  constexpr std::uint64_t max_exact = std::uint64_t{1} << 53U;
  if (n > max_exact) return std::to_string(n);
  return n;
}

nlohmann::ordered_json json_names(const std::vector<std::uint32_t>& indexes,
                                  const std::vector<std::string>& names) {
  auto out = nlohmann::ordered_json::array();
  for (const auto i : indexes) {
    if (i < names.size()) out.push_back(names[i]);
  }
  return out;
}

nlohmann::ordered_json json_matrix(const std::vector<std::vector<std::uint64_t>>& m) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& row : m) {
    auto values = nlohmann::ordered_json::array();
    for (const auto v : row) values.push_back(json_count(v));
    out.push_back(std::move(values));
  }
  return out;
}

nlohmann::ordered_json count_fields(const election_result& r) {
  const auto names = names_of(r);
  const auto& c = r.detail;
  nlohmann::ordered_json j;
  j["total_weight"] = json_count(c.total_weight);
  if (r.method == counting::method::stv) {
    j["quota"] = json_count(c.quota);
    j["scale"] = counting::stv_scale;
  }
  if (!c.rounds.empty()) {
    auto rounds = nlohmann::ordered_json::array();
    for (const auto& round : c.rounds) {
      nlohmann::ordered_json rj;
      rj["totals"] = nlohmann::ordered_json::object();
      for (std::size_t i = 0; i < round.totals.size() && i < names.size(); ++i) {
        rj["totals"][names[i]] = json_count(round.totals[i]);
      }
      rj["exhausted"] = json_count(round.exhausted);
      rj["elected"] = json_names(round.elected, names);
      rj["eliminated"] = json_names(round.eliminated, names);
      if (!round.transferred.empty()) rj["transferred"] = json_names(round.transferred, names);
      if (!round.tied.empty()) rj["tied"] = json_names(round.tied, names);
      if (!round.tie_note.empty()) rj["tie_note"] = round.tie_note;
      rounds.push_back(std::move(rj));
    }
    j["rounds"] = std::move(rounds);
  }
  if (!c.pairwise.empty()) {
    j["pairwise"] = json_matrix(c.pairwise);
    j["strongest"] = json_matrix(c.strongest);
  }
  return j;
}

std::string time_or(std::int64_t ms, std::string_view none) {
  return ms == 0 ? std::string(none) : rfc3339(ms);
}

}  // namespace

std::string format_stv_units(std::uint64_t units) {
  const auto fraction = std::to_string(units % counting::stv_scale);
  return std::to_string(units / counting::stv_scale) + "." +
         std::string(5 - std::min<std::size_t>(5, fraction.size()), '0') + fraction;
}

std::string method_label(counting::method m, std::uint32_t seats) {
  std::string label(counting::to_string(m));
  if (m == counting::method::stv) label += "(" + std::to_string(seats) + ")";
  return label;
}

std::string format_turnout_short(std::uint64_t votes_cast, std::uint64_t eligible_voters) {
  auto share = percent(votes_cast, eligible_voters);
  share.erase(0, share.find_first_not_of(' '));
  return std::to_string(votes_cast) + "/" + std::to_string(eligible_voters) + " (" + share + ")";
}

std::string format_rounds(const election_result& r) {
  const auto& rounds = r.detail.rounds;
  if (rounds.empty()) return "";
  const auto names = names_of(r);
  std::vector<std::size_t> widths;
  for (const auto& name : names) widths.push_back(display_width(name));
  for (const auto& round : rounds) {
    for (std::size_t i = 0; i < round.totals.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], count_text(r, round.totals[i]).size());
    }
  }
  const std::size_t round_width = std::max<std::size_t>(5, std::to_string(rounds.size()).size());
  std::string out = "Rounds";
  if (r.method == counting::method::stv) {
    out += " (votes; quota " + format_stv_units(r.detail.quota) + ")";
  }
  out += ":\n  " + padded("round", round_width);
  for (std::size_t i = 0; i < names.size(); ++i) out += "  " + right(names[i], widths[i]);
  out += "\n";
  for (std::size_t k = 0; k < rounds.size(); ++k) {
    std::string line = "  " + padded(std::to_string(k + 1), round_width);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto total = i < rounds[k].totals.size() ? count_text(r, rounds[k].totals[i]) : "-";
      line += "  " + right(total, widths[i]);
    }
    const auto notes = round_notes(r, rounds[k], names);
    if (!notes.empty()) line += "  " + notes;
    out += line + "\n";
  }
  return out;
}

std::string format_pairwise(const election_result& r) {
  if (r.detail.pairwise.empty()) return "";
  const auto names = names_of(r);
  return format_matrix("Pairwise preferences (ballots ranking the row above the column):",
                       r.detail.pairwise, names) +
         format_matrix("Strongest paths (row to column):", r.detail.strongest, names);
}

std::string format_winners(const election_result& r) {
  if (r.method != counting::method::stv || r.sealed) return "";
  std::string out = "Elected:";
  for (std::size_t i = 0; i < r.winners.size(); ++i) out += (i == 0 ? " " : ", ") + r.winners[i];
  if (r.winners.empty()) out += " nobody";
  return out + "\n";
}

std::string format_result_detail(const election_result& r) {
  if (r.sealed) return "";
  return format_rounds(r) + format_pairwise(r) + format_winners(r);
}

std::string format_elections(const std::vector<election_summary>& list) {
  if (list.empty()) return "No elections.\n";
  const std::vector<std::string> header = {"ELECTION", "STATE", "METHOD",
                                           "TURNOUT",  "OPENS", "CLOSES"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : list) {
    const bool closed = s.state == phase::closed;
    rows.push_back({s.election_id, std::string(to_string(s.state)), method_label(s.method, s.seats),
                    format_turnout_short(s.votes_cast, s.eligible_voters),
                    time_or(s.opens_at_ms, "-"),
                    closed ? "closed " + time_or(s.closed_at_ms, "-")
                           : time_or(s.closes_at_ms, "-") +
                                 (s.close_when_all_voted ? " (or when all voted)" : "")});
  }
  std::vector<std::size_t> widths;
  for (const auto& h : header) widths.push_back(h.size());
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  const auto line = [&widths](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out += i + 1 == cells.size() ? cells[i] : padded(cells[i], widths[i]) + "  ";
    }
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string csv_field(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (const char c : field) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string elections_csv(const std::vector<election_summary>& list) {
  std::string out =
      "election_id,state,method,seats,voters,eligible_voters,votes_cast,opens_at,closes_at,"
      "closed_at,close_when_all_voted\n";
  for (const auto& s : list) {
    out += csv_field(s.election_id) + "," + std::string(to_string(s.state)) + "," +
           std::string(counting::to_string(s.method)) + "," + std::to_string(s.seats) + "," +
           std::string(to_string(s.mode)) + "," + std::to_string(s.eligible_voters) + "," +
           std::to_string(s.votes_cast) + "," + time_or(s.opens_at_ms, "") + "," +
           time_or(s.closes_at_ms, "") + "," + time_or(s.closed_at_ms, "") + "," +
           (s.close_when_all_voted ? "true" : "false") + "\n";
  }
  return out;
}

std::string results_csv(const election_result& r) {
  std::string out = "round,candidate,total,status\n";
  if (r.sealed) return out;
  const auto names = names_of(r);
  const auto& rounds = r.detail.rounds;
  if (rounds.empty()) {
    for (const auto& t : r.tallies) {
      const bool elected =
          std::find(r.winners.begin(), r.winners.end(), t.candidate) != r.winners.end() ||
          (r.winner && *r.winner == t.candidate);
      // First-step totals are votes for every method (stv's tallies included).
      out += "1," + csv_field(t.candidate) + "," + std::to_string(t.votes) + "," +
             (elected ? "elected" : "") + "\n";
    }
    return out;
  }
  for (std::size_t k = 0; k < rounds.size(); ++k) {
    for (std::uint32_t i = 0; i < names.size(); ++i) {
      const auto total = i < rounds[k].totals.size() ? count_text(r, rounds[k].totals[i]) : "";
      const char* status = contains(rounds[k].elected, i)      ? "elected"
                           : contains(rounds[k].eliminated, i) ? "eliminated"
                                                               : "";
      out += std::to_string(k + 1) + "," + csv_field(names[i]) + "," + total + "," + status + "\n";
    }
  }
  return out;
}

nlohmann::ordered_json summary_fields(const election_summary& s) {
  const auto time = [](std::int64_t ms) {
    return ms == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(rfc3339(ms));
  };
  nlohmann::ordered_json j;
  j["election_id"] = s.election_id;
  j["state"] = std::string(to_string(s.state));
  j["method"] = std::string(counting::to_string(s.method));
  j["seats"] = s.seats;
  j["voters"] = std::string(to_string(s.mode));
  j["eligible_voters"] = s.eligible_voters;
  j["votes_cast"] = s.votes_cast;
  j["opens_at_ms"] = s.opens_at_ms;
  j["closes_at_ms"] = s.closes_at_ms;
  j["closed_at_ms"] = s.closed_at_ms;
  j["close_when_all_voted"] = s.close_when_all_voted;
  j["opens_at"] = time(s.opens_at_ms);
  j["closes_at"] = time(s.closes_at_ms);
  j["closed_at"] = time(s.closed_at_ms);
  return j;
}

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
    out += "Results are sealed until the close (registered without live results).\n" +
           format_turnout(*r.result) + "\n";
  } else if (r.result) {
    out += format_tally_table(*r.result) + format_turnout(*r.result) + "\n" +
           format_result_detail(*r.result);
  }
  if (r.elections) out += format_elections(*r.elections);
  if (r.election) {
    out += format_elections({r.election->summary}) + "Candidates: ";
    for (std::size_t i = 0; i < r.election->candidates.size(); ++i) {
      out += (i == 0 ? "" : ", ") + r.election->candidates[i];
    }
    out += r.election->live_results ? "\nLive results: yes\n"
                                    : "\nLive results: no (sealed until the close)\n";
  }
  if (!r.tracker.empty()) {
    out += "Your ballot's tracker: " + credentials::group(r.tracker) +
           "\nKeep it: once the election is closed, vote-verify --receipt checks that your ballot "
           "was counted as cast.\n";
  }
  return out;
}

std::string format_failure(const call_result& r, std::string_view unknown_effect) {
  const std::string message = r.message.empty() ? error_code_name(r) : r.message;
  // One prefix style: the server's refusals already read "Error: ..." (SEED.md's wording).
  std::string out =
      message.rfind(error_prefix, 0) == 0 ? message : std::string(error_prefix) + message;
  if (r.result == outcome::refused) return out;
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
  if (r.method == counting::method::plurality) return j;  // exactly as before issue 11
  j["method"] = std::string(counting::to_string(r.method));
  j["seats"] = r.seats;
  j["winners"] = r.winners;
  if (!r.sealed) j["count"] = count_fields(r);
  return j;
}

namespace {

// Which server gave the answer, and the silent ones left for a newer leader on the way.
void add_route(const call_result& r, nlohmann::ordered_json& j) {
  if (r.response) j["server"] = r.last_target;
  if (!r.abandoned.empty()) j["abandoned"] = r.abandoned;
}

}  // namespace

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
    if (r.response && r.response->elections) {
      j["elections"] = nlohmann::ordered_json::array();
      for (const auto& s : *r.response->elections) j["elections"].push_back(summary_fields(s));
    }
    if (r.response && r.response->election) {
      auto e = summary_fields(r.response->election->summary);
      e["candidates"] = r.response->election->candidates;
      e["max_score"] = r.response->election->max_score;
      e["live_results"] = r.response->election->live_results;
      j["election"] = std::move(e);
    }
    add_route(r, j);
    return j;
  }
  auto message = format_failure(r, unknown_effect);
  if (r.result != outcome::refused && message.rfind(error_prefix, 0) == 0) {
    message.erase(0, error_prefix.size());
  }
  j["error"] = {{"code", error_code_name(r)}, {"message", message}};
  j["outcome"] = to_string(r.result);
  j["request_id"] = r.request_id;
  add_route(r, j);
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
