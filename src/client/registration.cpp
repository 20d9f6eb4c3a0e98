// register's roll reading and chunked sending (include/vote/client/registration.hpp).
#include "vote/client/registration.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_set>
#include <utility>

#include "vote/client/output.hpp"
#include "vote/client/roll.hpp"
#include "vote/core/unicode.hpp"

namespace vote::client {
namespace {

// JSON bytes one voter adds to a request: the quoted id (escapes counted generously), a comma,
// and its weight.
std::size_t voter_bytes(const std::string& voter, bool weighted) {
  std::size_t n = voter.size() + 3;
  for (const char ch : voter) {
    if (ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) n += 5;
  }
  return n + (weighted ? 21 : 0);
}

}  // namespace

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::variant<collected_roll, std::string> collect_roll(const roll_options& o) {
  collected_roll out;
  std::unordered_set<std::string> seen;
  bool weighted = false;
  std::vector<std::uint64_t> weights;
  for (const std::string& arg : o.listed) {
    if (const std::string warning = list_argument_warning(arg); !warning.empty()) {
      out.notes.push_back("warning: " + warning);
    }
    auto id = nfc(arg);
    if (!id) return "--authorized-users: '" + arg + "' is not valid UTF-8";
    if (!seen.insert(*id).second) {
      out.notes.push_back("duplicate voter '" + *id + "' in --authorized-users: taken once");
      continue;
    }
    out.voters.push_back(std::move(*id));
    weights.push_back(1);
  }
  if (!o.file.empty()) {
    std::string error;
    auto report = read_roll_file(o.file, error);
    if (!report) return "--authorized-users-file: " + error;
    out.notes.push_back(o.file + ": " + roll_summary(*report));
    for (std::string& line : roll_problem_lines(*report, o.shown_problems)) {
      out.notes.push_back(o.file + ": " + line);
    }
    if (!report->rejected.empty() && !o.skip_invalid) {
      return o.file + ": " + std::to_string(report->rejected.size()) +
             " line(s) rejected (listed above); fix them, or register without them with "
             "--skip-invalid-lines";
    }
    weighted = report->weighted;
    for (roll_entry& e : report->entries) {
      if (!seen.insert(e.voter).second) {
        out.notes.push_back(o.file + ": line " + std::to_string(e.line) + ": voter '" + e.voter +
                            "' is also in --authorized-users: taken once");
        continue;
      }
      out.voters.push_back(std::move(e.voter));
      weights.push_back(e.weight);
    }
  }
  if (out.voters.empty()) {
    return std::string(
        "no authorized voters: give --authorized-users and/or a non-empty "
        "--authorized-users-file");
  }
  if (weighted && std::any_of(weights.begin(), weights.end(), [](auto w) { return w != 1; })) {
    out.weights = std::move(weights);
  }
  return out;
}

std::vector<wire::client_request> registration_requests(register_cmd cmd, std::size_t max_bytes) {
  const bool weighted = !cmd.weights.empty();
  // The first request: everything but the voters, then as many voters as fit.
  register_cmd head = cmd;
  head.voters.clear();
  head.weights.clear();
  wire::client_request probe;
  probe.type = wire::request_type::register_election;
  probe.request_id = std::string(128, 'r');
  probe.admin_token = std::string(1024, 't');
  probe.body = head;
  const std::size_t overhead = wire::encode_request(probe).size() + 64;
  std::vector<wire::client_request> out;
  std::size_t i = 0;
  const auto take = [&](std::vector<std::string>& voters, std::vector<std::uint64_t>& weights) {
    std::size_t bytes = overhead;
    while (i < cmd.voters.size() && (voters.empty() || bytes + voter_bytes(cmd.voters[i], weighted) <=
                                                           max_bytes)) {
      bytes += voter_bytes(cmd.voters[i], weighted);
      voters.push_back(std::move(cmd.voters[i]));
      if (weighted) weights.push_back(cmd.weights[i]);
      ++i;
    }
  };
  take(head.voters, head.weights);
  head.more_voters = i < cmd.voters.size();
  wire::client_request first;
  first.type = wire::request_type::register_election;
  first.body = std::move(head);
  out.push_back(std::move(first));
  while (i < cmd.voters.size()) {
    add_voters_cmd chunk;
    chunk.election_id = cmd.election_id;
    take(chunk.voters, chunk.weights);
    chunk.more_voters = i < cmd.voters.size();
    wire::client_request r;
    r.type = wire::request_type::add_voters;
    r.body = std::move(chunk);
    out.push_back(std::move(r));
  }
  return out;
}

int run_registration(const common_options& o, register_cmd cmd, flag_groups groups,
                     const console& c, const std::function<void(const call_result&)>& after) {
  auto resolved = resolve_options(o, groups);
  if (auto* error = std::get_if<std::string>(&resolved)) return usage_error(o, *error, c);
  auto options = std::get<resolved_options>(std::move(resolved));
  const std::string base = options.request_id;
  const std::size_t voters = cmd.voters.size();
  auto requests = registration_requests(std::move(cmd));
  call_result first;
  for (std::size_t k = 0; k < requests.size(); ++k) {
    resolved_options chunk_options = options;
    if (k > 0) chunk_options.request_id = base + "." + std::to_string(k);
    auto sent = send_command(o, chunk_options, std::move(requests[k]), c);
    if (auto* rc = std::get_if<int>(&sent)) return *rc;
    call_result result = std::get<call_result>(std::move(sent));
    if (!result.ok()) {
      if (k > 0) {
        result.request_id = base;  // resume with the base id: every chunk is sent again
        result.message += " (request " + std::to_string(k + 1) + " of " +
                          std::to_string(requests.size()) +
                          " of the roll; the election takes no vote until the roll is complete: "
                          "run the same command again with --request-id " +
                          base + " to finish it)";
      }
      const int rc = report(result, o.json, "the election may or may not have been registered",
                            c.out, c.err);
      if (after) after(result);
      return rc;
    }
    if (k == 0) first = std::move(result);
  }
  if (requests.size() > 1 && first.response) {
    first.message += " Its roll of " + std::to_string(voters) + " voters went in " +
                     std::to_string(requests.size()) + " requests.";
    first.response->message = first.message;
  }
  const int rc = report(first, o.json, "the election may or may not have been registered", c.out,
                        c.err);
  if (after) after(first);
  return rc;
}

}  // namespace vote::client
