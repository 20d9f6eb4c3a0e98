// register's roll reading and chunked sending (include/vote/client/registration.hpp).
#include "vote/client/registration.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>

#include "vote/client/code_sheet.hpp"
#include "vote/client/codes.hpp"
#include "vote/client/output.hpp"
#include "vote/client/roll.hpp"
#include "vote/core/credentials.hpp"
#include "vote/core/unicode.hpp"
#include "vote/net/interfaces.hpp"

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

// The codes in `path` when they are exactly those of `voters` (a retry of a registration whose
// outcome was unknown).
std::optional<std::vector<voter_code>> codes_in_file(const std::vector<std::string>& voters,
                                                     const std::string& path, std::string& error) {
  auto text = read_small_file(path, std::size_t{1} << 30);
  if (!text) {
    error = "cannot read " + path;
    return std::nullopt;
  }
  auto parsed = parse_codes_csv(*text);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    error = path + ": " + *problem;
    return std::nullopt;
  }
  auto codes = std::get<std::vector<voter_code>>(std::move(parsed));
  std::set<std::string> listed(voters.begin(), voters.end());
  std::set<std::string> in_file;
  for (const auto& c : codes) in_file.insert(c.voter);
  if (listed != in_file || codes.size() != voters.size()) {
    error = path +
            " exists and holds codes for other voters; it is never overwritten (give a "
            "new file, or the same voters to retry)";
    return std::nullopt;
  }
  return codes;
}

// The codes of `voters` for election `id`: those already in `path` (a retry), else new ones
// written there before anything is sent. With a link base (--code-url) each code gets its link,
// and the printable sheet is written beside `path` unless a retry finds it there already: a new
// CSV is never written beside an old sheet, and no file is ever overwritten.
std::optional<std::vector<voter_code>> codes_for(const std::vector<std::string>& voters,
                                                 const std::string& id, const std::string& path,
                                                 const std::optional<std::string>& secret,
                                                 const std::optional<std::string>& link_base,
                                                 std::string& error, std::string& note) {
  const bool retry = std::filesystem::exists(path);
  auto codes =
      retry ? codes_in_file(voters, path, error) : std::optional(make_codes(voters, id, secret));
  if (!codes) return std::nullopt;
  const std::string sheet = code_sheet_path(path);
  const bool write_sheet = link_base && !std::filesystem::exists(sheet);
  if (link_base) {
    for (voter_code& c : *codes) c.url = code_link(*link_base, id, c.code);
  }
  if (retry) {
    note = "Reusing the voting codes in " + path + " (a retry of the same registration).";
  } else {
    if (link_base && !write_sheet) {
      error = sheet + " exists already (it is never overwritten)";
      return std::nullopt;
    }
    if (auto problem = write_private_file(path, codes_csv(*codes)); !problem.empty()) {
      error = problem;
      return std::nullopt;
    }
    note = "Wrote " + std::to_string(codes->size()) + " voting codes to " + path +
           ": give each voter their own code; only the codes' public credentials were sent.";
  }
  if (write_sheet) {
    if (auto problem = write_private_file(sheet, code_sheet_html(id, *codes)); !problem.empty()) {
      error = problem;
      return std::nullopt;
    }
    note += " Wrote their printable slips (link and QR code) to " + sheet + ".";
  } else if (link_base) {
    note += " Kept " + sheet + " as it is.";
  }
  return codes;
}

}  // namespace

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void add_roll_flags(CLI::App& app, roll_options& o) {
  app.add_option("--authorized-users,--authorized_users", o.listed,
                 "Voter ids allowed to vote, separated by spaces (combines with "
                 "--authorized-users-file)")
      ->type_name("VOTER ...");
  app.add_option("--authorized-users-file,--authorized_users_file", o.file,
                 "The roll: one voter id per line, or CSV with a header line 'voter' or "
                 "'voter,weight' (weighted voters, e.g. delegates). A UTF-8 BOM, blank lines and "
                 "'#' comments are ignored, ids are trimmed and NFC-normalised; every rejected or "
                 "duplicate line is reported with its number (docs/rolls.md). Any size: a large "
                 "roll is sent in chunks")
      ->type_name("FILE");
  app.add_flag("--skip-invalid-lines", o.skip_invalid,
               "Send the roll without its rejected lines (they are still listed) instead of "
               "refusing it");
  auto* codes =
      app.add_option("--voter-codes", o.codes_file,
                     "Voting codes: make a secret code per voter here, write them to this new "
                     "CSV (voter,code; mode 0600) and send the servers only the codes' public "
                     "credentials: no server ever learns a voter's name. Voters vote with "
                     "--code. If the file exists with codes for the same voters, they are reused "
                     "(a retry)")
          ->type_name("OUT.csv");
  app.add_option("--code-secret", o.secret_file,
                 "With --voter-codes: derive each code from this secret file, the election id "
                 "and the voter (HMAC-SHA-256), so a lost code can be printed again with the "
                 "same command; without it codes are random")
      ->type_name("FILE")
      ->needs(codes);
  app.add_option("--code-url", o.code_url,
                 "With --voter-codes: the base of a server's web page (http://IP:PORT or "
                 "https://HOST:PORT). Each voter's link (URL/vote#e=ELECTION&c=CODE: the code "
                 "stays in the fragment, which no server sees) goes in a url column of the CSV, "
                 "and a printable sheet OUT.html (mode 0600, never overwritten) gets a slip per "
                 "voter with the code, the link and its QR code")
      ->type_name("URL")
      ->needs(codes);
}

std::variant<collected_roll, std::string> collect_roll(const roll_options& o) {
  collected_roll out;
  std::unordered_set<std::string> seen;
  bool weighted = false;
  std::vector<std::uint64_t> weights;
  for (const std::string& arg : o.listed) {
    if (const std::string warning = list_argument_warning(arg); !warning.empty()) {
      out.notes.push_back("Warning: " + warning);
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
    out.voters.reserve(out.voters.size() + report->entries.size());
    weights.reserve(out.voters.capacity());
    for (roll_entry& e : report->entries) {
      // The file's own duplicates were dropped while reading it; only the listed ids remain.
      if (!seen.empty() && seen.contains(e.voter)) {
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

namespace {

// Splits `voters` (with `weights`, empty or parallel) into consecutive chunks: the first fits
// `first_room` bytes, the others `room`; every chunk holds at least one voter.
std::vector<std::pair<std::vector<std::string>, std::vector<std::uint64_t>>> split_roll(
    std::vector<std::string> voters, std::vector<std::uint64_t> weights, std::size_t first_room,
    std::size_t room) {
  const bool weighted = !weights.empty();
  std::vector<std::pair<std::vector<std::string>, std::vector<std::uint64_t>>> chunks;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < voters.size(); ++i) {
    const std::size_t n = voter_bytes(voters[i], weighted);
    const std::size_t limit = chunks.size() <= 1 ? first_room : room;
    if (chunks.empty() || (!chunks.back().first.empty() && bytes + n > limit)) {
      chunks.emplace_back();
      bytes = 0;
    }
    bytes += n;
    chunks.back().first.push_back(std::move(voters[i]));
    if (weighted) chunks.back().second.push_back(weights[i]);
  }
  return chunks;
}

// Bytes a request takes besides its voters (with a long request id and token).
std::size_t request_overhead(wire::request_type type, command_body body) {
  wire::client_request probe;
  probe.type = type;
  probe.request_id = std::string(128, 'r');
  probe.admin_token = std::string(1024, 't');
  probe.body = std::move(body);
  return wire::encode_request(probe).size() + 64;
}

wire::client_request add_voters_request(const std::string& election_id,
                                        std::vector<std::string> voters,
                                        std::vector<std::uint64_t> weights, bool more) {
  add_voters_cmd chunk;
  chunk.election_id = election_id;
  chunk.voters = std::move(voters);
  chunk.weights = std::move(weights);
  chunk.more_voters = more;
  wire::client_request r;
  r.type = wire::request_type::add_voters;
  r.body = std::move(chunk);
  return r;
}

// Sends the requests in order (chunk k > 0 as "<request id>.k"), each with retries under the
// common timeout; stops at the first that does not succeed and says how to resume. Prints the
// first request's answer (with the roll's size when there were several requests).
int send_roll(const common_options& o, flag_groups groups,
              std::vector<wire::client_request> requests, std::size_t voters,
              const std::string& unknown_meaning, const console& c,
              const std::function<void(const call_result&)>& after) {
  auto resolved = resolve_options(o, groups);
  if (auto* error = std::get_if<std::string>(&resolved)) return usage_error(o, *error, c);
  auto options = std::get<resolved_options>(std::move(resolved));
  const std::string base = options.request_id;
  call_result first;
  // After the first answer the chunks go straight to the server that gave it (the leader; a
  // redirect is still followed): a broadcast discovery per chunk would cost more than the
  // chunk. A chunk that reaches nobody that way is sent once more through discovery.
  std::optional<net::endpoint> leader;
  for (std::size_t k = 0; k < requests.size(); ++k) {
    resolved_options chunk_options = options;
    if (k > 0) chunk_options.request_id = base + "." + std::to_string(k);
    std::variant<call_result, int> sent;
    if (leader) {
      resolved_options pinned = chunk_options;
      pinned.call.server = leader;
      sent = send_command(o, pinned, requests[k], c);
      if (const auto* r = std::get_if<call_result>(&sent);
          r != nullptr && (r->result == outcome::not_sent || r->result == outcome::unknown)) {
        sent = send_command(o, chunk_options, std::move(requests[k]), c);
      }
    } else {
      sent = send_command(o, chunk_options, std::move(requests[k]), c);
    }
    if (auto* rc = std::get_if<int>(&sent)) return *rc;
    call_result result = std::get<call_result>(std::move(sent));
    if (result.ok() && !options.call.server) leader = net::parse_endpoint(result.last_target);
    if (!result.ok()) {
      if (k > 0) {
        result.request_id = base;  // resume with the base id: every chunk is sent again
        result.message += " (request " + std::to_string(k + 1) + " of " +
                          std::to_string(requests.size()) +
                          " of the roll; the election takes no vote until the roll is complete: "
                          "run the same command again with --request-id " +
                          base + " to finish it)";
      }
      const int rc = report(result, o.json, unknown_meaning, c.out, c.err);
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
  const int rc = report(first, o.json, unknown_meaning, c.out, c.err);
  if (after) after(first);
  return rc;
}

}  // namespace

std::vector<wire::client_request> registration_requests(register_cmd cmd, std::size_t max_bytes) {
  register_cmd head = cmd;
  head.voters.clear();
  head.weights.clear();
  const std::size_t head_overhead = request_overhead(wire::request_type::register_election, head);
  const std::size_t chunk_overhead = request_overhead(
      wire::request_type::add_voters, add_voters_cmd{.election_id = cmd.election_id});
  auto chunks = split_roll(std::move(cmd.voters), std::move(cmd.weights),
                           max_bytes - std::min(max_bytes, head_overhead),
                           max_bytes - std::min(max_bytes, chunk_overhead));
  const std::string id = cmd.election_id;
  std::vector<wire::client_request> out;
  if (!chunks.empty()) {
    head.voters = std::move(chunks.front().first);
    head.weights = std::move(chunks.front().second);
  }
  head.more_voters = chunks.size() > 1;
  wire::client_request first;
  first.type = wire::request_type::register_election;
  first.body = std::move(head);
  out.push_back(std::move(first));
  for (std::size_t k = 1; k < chunks.size(); ++k) {
    out.push_back(add_voters_request(id, std::move(chunks[k].first), std::move(chunks[k].second),
                                     k + 1 < chunks.size()));
  }
  return out;
}

std::vector<wire::client_request> add_voters_requests(add_voters_cmd cmd, std::size_t max_bytes) {
  const std::size_t room =
      max_bytes -
      std::min(max_bytes, request_overhead(wire::request_type::add_voters,
                                           add_voters_cmd{.election_id = cmd.election_id}));
  auto chunks = split_roll(std::move(cmd.voters), std::move(cmd.weights), room, room);
  std::vector<wire::client_request> out;
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    out.push_back(add_voters_request(cmd.election_id, std::move(chunks[k].first),
                                     std::move(chunks[k].second), k + 1 < chunks.size()));
  }
  return out;
}

std::optional<std::string> use_voter_codes(const std::string& election_id,
                                           std::vector<std::string>& voters,
                                           std::vector<std::uint64_t>& weights,
                                           const std::string& codes_file,
                                           const std::string& secret_file,
                                           const std::string& code_url, std::string& error) {
  std::optional<std::string> link_base;
  if (!code_url.empty()) {
    std::string problem;
    link_base = code_url_base(code_url, problem);
    if (!link_base) {
      error = "--code-url: " + problem;
      return std::nullopt;
    }
    const std::size_t bytes = code_link(*link_base, election_id, std::string(16, '2')).size();
    if (bytes > max_qr_bytes) {
      error = "--code-url: the voters' links would be " + std::to_string(bytes) +
              " bytes, more than a QR code holds (" + std::to_string(max_qr_bytes) + ")";
      return std::nullopt;
    }
  }
  std::optional<std::string> secret;
  if (!secret_file.empty()) {
    secret = read_code_secret(secret_file, error);
    if (!secret) return std::nullopt;
  }
  std::string note;
  auto codes = codes_for(voters, election_id, codes_file, secret, link_base, error, note);
  if (!codes) return std::nullopt;
  std::map<std::string, std::uint64_t> weight_of;
  for (std::size_t i = 0; i < weights.size(); ++i) weight_of[voters[i]] = weights[i];
  std::vector<std::pair<std::string, std::uint64_t>> entries;
  entries.reserve(codes->size());
  for (const auto& c : *codes) {
    const auto w = weight_of.find(c.voter);
    entries.emplace_back(credentials::credential_of(election_id, c.code),
                         w == weight_of.end() ? 1 : w->second);
  }
  std::sort(entries.begin(), entries.end());
  const bool weighted = !weights.empty();
  voters.clear();
  weights.clear();
  for (auto& [credential, weight] : entries) {
    voters.push_back(std::move(credential));
    if (weighted) weights.push_back(weight);
  }
  return note;
}

int run_registration(const common_options& o, register_cmd cmd, flag_groups groups,
                     const console& c, const std::function<void(const call_result&)>& after) {
  const std::size_t voters = cmd.voters.size();
  return send_roll(o, groups, registration_requests(std::move(cmd)), voters,
                   "the election may or may not have been registered", c, after);
}

int run_add_voters(const common_options& o, add_voters_cmd cmd, const console& c,
                   const std::function<void(const call_result&)>& after) {
  const std::size_t voters = cmd.voters.size();
  return send_roll(o, flag_groups{.admin = true, .request_id = true},
                   add_voters_requests(std::move(cmd)), voters,
                   "the voters may or may not have been added", c, after);
}

}  // namespace vote::client
