// decode_request / encode_request (messages.hpp). Field rules per type: docs/protocol.md.
#include <stdexcept>
#include <utility>

#include "vote/core/credentials.hpp"
#include "vote/core/strict_json.hpp"
#include "vote/core/unicode.hpp"
#include "vote/wire/messages.hpp"

namespace vote::wire {
namespace {

using nlohmann::json;
using strict_json::quote_name;
using check = std::optional<decode_error>;
using decoded = std::variant<client_request, decode_error>;

constexpr std::string_view register_fields[] = {"type",
                                                "request_id",
                                                "election_id",
                                                "candidates",
                                                "voters",
                                                "tie_break",
                                                "voters_mode",
                                                "live_results",
                                                "admin_token",
                                                "weights",
                                                "method",
                                                "seats",
                                                "max_score",
                                                "opens_at_ms",
                                                "closes_at_ms",
                                                "more_voters",
                                                "close_when_all_voted"};
constexpr std::string_view vote_fields[] = {"type",    "request_id", "election_id", "voter",
                                            "code",    "candidate",  "nonce",       "rank",
                                            "approve", "scores"};
constexpr std::string_view add_voters_fields[] = {"type",    "request_id",  "election_id", "voters",
                                                  "weights", "more_voters", "admin_token"};
constexpr std::string_view extend_fields[] = {"type", "request_id", "election_id", "closes_at_ms",
                                              "admin_token"};
constexpr std::string_view elections_fields[] = {"type", "admin_token"};
constexpr std::string_view record_fields[] = {"type", "election_id", "offset"};
constexpr std::string_view election_fields[] = {"type", "election_id"};
constexpr std::string_view close_fields[] = {"type", "request_id", "election_id", "admin_token"};
constexpr std::string_view results_fields[] = {"type", "election_id", "admin_token", "local"};
constexpr std::string_view status_fields[] = {"type"};
constexpr std::string_view remove_member_fields[] = {"type", "request_id", "node_id",
                                                     "admin_token"};
constexpr std::string_view transfer_fields[] = {"type", "request_id", "node_id", "admin_token"};
constexpr std::string_view force_fields[] = {"type", "request_id", "confirm", "admin_token"};

struct request_shape {
  request_type type;
  std::span<const std::string_view> fields;
};

constexpr request_shape shapes[] = {
    {request_type::register_election, register_fields},
    {request_type::vote, vote_fields},
    {request_type::close, close_fields},
    {request_type::results, results_fields},
    {request_type::status, status_fields},
    {request_type::cluster_status, status_fields},
    {request_type::remove_member, remove_member_fields},
    {request_type::transfer_leadership, transfer_fields},
    {request_type::force_new_cluster, force_fields},
    {request_type::record, record_fields},
    {request_type::add_voters, add_voters_fields},
    {request_type::extend, extend_fields},
    {request_type::elections, elections_fields},
    {request_type::election, election_fields},
};

decode_error bad(std::string message) {
  return {errc::bad_request, std::move(message)};
}
decode_error large(std::string message) {
  return {errc::too_large, std::move(message)};
}

check read_string(const json& obj, std::string_view name, std::size_t max_bytes, std::string& out,
                  bool required = true) {
  if (strict_json::find(obj, name) == nullptr && !required) return std::nullopt;
  std::string s;
  if (!strict_json::read_string(obj, name, s))
    return bad(strict_json::problem(obj, name, "a string"));
  if (s.size() > max_bytes) {
    return large("field " + quote_name(name) + " is longer than " + std::to_string(max_bytes) +
                 " bytes");
  }
  out = std::move(s);
  return std::nullopt;
}

check read_list(const json& obj, std::string_view name, std::size_t max_entries,
                std::size_t max_bytes, std::vector<std::string>& out) {
  const json* v = strict_json::array_field(obj, name);
  if (v == nullptr) return bad(strict_json::problem(obj, name, "an array of strings"));
  if (v->size() > max_entries) {
    return large("field " + quote_name(name) + " has more than " + std::to_string(max_entries) +
                 " entries");
  }
  out.clear();
  out.reserve(v->size());
  for (const json& e : *v) {
    const std::string at = "field " + quote_name(name) + " entry " + std::to_string(out.size());
    std::string s;
    if (!strict_json::as_string(e, s)) return bad(at + " must be a string");
    if (s.size() > max_bytes) {
      return large(at + " is longer than " + std::to_string(max_bytes) + " bytes");
    }
    out.push_back(std::move(s));
  }
  return std::nullopt;
}

check read_request_id(const json& obj, const limits& lim, std::string& out) {
  if (auto c = read_string(obj, "request_id", lim.max_id_bytes, out)) return c;
  if (out.empty()) return bad("field 'request_id' must not be empty");
  return std::nullopt;
}

check read_admin_token(const json& obj, std::string& out) {
  return read_string(obj, "admin_token", max_admin_token_bytes, out, false);
}

check read_node_id(const json& obj, std::uint64_t& out, bool required) {
  if (strict_json::find(obj, "node_id") == nullptr && !required) return std::nullopt;
  if (!strict_json::read_u64(obj, "node_id", out)) {
    return bad(strict_json::problem(obj, "node_id", "an unsigned integer"));
  }
  return std::nullopt;
}

check read_flag(const json& obj, std::string_view name, bool& out) {
  if (strict_json::find(obj, name) == nullptr) return std::nullopt;
  if (!strict_json::read_bool(obj, name, out)) {
    return bad(strict_json::problem(obj, name, "a boolean"));
  }
  return std::nullopt;
}

check read_tie_break(const json& obj, tie_break& out) {
  constexpr std::size_t longest_name = 64;
  std::string name{to_string(tie_break::none)};
  if (auto c = read_string(obj, "tie_break", longest_name, name, false)) return bad(c->message);
  auto rule = tie_break_from_string(name);
  if (!rule) return bad("field 'tie_break' must be \"none\" or \"first_listed\"");
  out = *rule;
  return std::nullopt;
}

check read_voter_mode(const json& obj, voter_mode& out) {
  constexpr std::size_t longest_name = 16;
  std::string name{to_string(voter_mode::ids)};
  if (auto c = read_string(obj, "voters_mode", longest_name, name, false)) return bad(c->message);
  auto mode = voter_mode_from_string(name);
  if (!mode) return bad("field 'voters_mode' must be \"ids\" or \"codes\"");
  out = *mode;
  return std::nullopt;
}

check read_u64_field(const json& obj, std::string_view name, std::uint64_t max,
                     std::uint64_t& out) {
  if (strict_json::find(obj, name) == nullptr) return std::nullopt;
  if (!strict_json::read_u64(obj, name, out) || out > max) {
    return bad(strict_json::problem(obj, name, "an unsigned integer up to " + std::to_string(max)));
  }
  return std::nullopt;
}

// A unix-ms time: positive, before the year 10000.
check read_time(const json& obj, std::string_view name, std::int64_t& out) {
  std::uint64_t v = 0;
  if (auto c = read_u64_field(obj, name, 253'402'300'799'999ULL, v)) return c;
  out = static_cast<std::int64_t>(v);
  return std::nullopt;
}

check read_weights(const json& obj, const limits& lim, std::vector<std::uint64_t>& out) {
  if (strict_json::find(obj, "weights") == nullptr) return std::nullopt;
  if (!strict_json::read_u64s(obj, "weights", out)) {
    return bad(strict_json::problem(obj, "weights", "an array of unsigned integers"));
  }
  if (out.size() > lim.max_voters) return large("field 'weights' has too many entries");
  return std::nullopt;
}

check read_method(const json& obj, counting::method& out) {
  std::string name{counting::to_string(counting::method::plurality)};
  if (auto c = read_string(obj, "method", 16, name, false)) return bad(c->message);
  const auto m = counting::method_from_string(name);
  if (!m) {
    return bad(
        "field 'method' must be one of plurality, approval, irv, schulze, stv, score, "
        "star");
  }
  out = *m;
  return std::nullopt;
}

// Every name a request carries is NFC-normalised here, at the edge, so that "é" typed two ways
// is one voter or candidate; invalid UTF-8 is refused (docs/rolls.md).
check normalise(std::string& s, std::string_view what) {
  auto n = nfc(s);
  if (!n) return bad(std::string(what) + " is not valid UTF-8");
  s = std::move(*n);
  return std::nullopt;
}

check normalise_all(std::vector<std::string>& list, std::string_view what) {
  for (std::string& s : list) {
    if (auto c = normalise(s, what)) return c;
  }
  return std::nullopt;
}

decoded decode_register(const json& obj, const limits& lim) {
  client_request r;
  r.type = request_type::register_election;
  register_cmd cmd;
  std::uint64_t seats = 1;
  std::uint64_t max_score = 5;
  check c;
  if ((c = read_request_id(obj, lim, r.request_id)) ||
      (c = read_string(obj, "election_id", lim.max_id_bytes, cmd.election_id)) ||
      (c = read_list(obj, "candidates", lim.max_candidates, lim.max_id_bytes, cmd.candidates)) ||
      (c = read_list(obj, "voters", lim.max_voters, lim.max_id_bytes, cmd.voters)) ||
      (c = read_tie_break(obj, cmd.rule)) || (c = read_voter_mode(obj, cmd.mode)) ||
      (c = read_flag(obj, "live_results", cmd.live_results)) ||
      (c = read_admin_token(obj, r.admin_token)) || (c = read_weights(obj, lim, cmd.weights)) ||
      (c = read_method(obj, cmd.method)) || (c = read_u64_field(obj, "seats", 1000, seats)) ||
      (c = read_u64_field(obj, "max_score", 100, max_score)) ||
      (c = read_time(obj, "opens_at_ms", cmd.opens_at_ms)) ||
      (c = read_time(obj, "closes_at_ms", cmd.closes_at_ms)) ||
      (c = read_flag(obj, "more_voters", cmd.more_voters)) ||
      (c = read_flag(obj, "close_when_all_voted", cmd.close_when_all_voted)) ||
      (c = normalise(cmd.election_id, "field 'election_id'")) ||
      (c = normalise_all(cmd.candidates, "a candidate name")) ||
      (c = normalise_all(cmd.voters, "a voter id"))) {
    return std::move(*c);
  }
  cmd.seats = static_cast<std::uint32_t>(seats);
  cmd.max_score = static_cast<std::uint32_t>(max_score);
  r.body = std::move(cmd);
  return r;
}

decoded decode_add_voters(const json& obj, const limits& lim) {
  client_request r;
  r.type = request_type::add_voters;
  add_voters_cmd cmd;
  check c;
  if ((c = read_request_id(obj, lim, r.request_id)) ||
      (c = read_string(obj, "election_id", lim.max_id_bytes, cmd.election_id)) ||
      (c = read_list(obj, "voters", lim.max_voters, lim.max_id_bytes, cmd.voters)) ||
      (c = read_weights(obj, lim, cmd.weights)) ||
      (c = read_flag(obj, "more_voters", cmd.more_voters)) ||
      (c = read_admin_token(obj, r.admin_token)) ||
      (c = normalise(cmd.election_id, "field 'election_id'")) ||
      (c = normalise_all(cmd.voters, "a voter id"))) {
    return std::move(*c);
  }
  r.body = std::move(cmd);
  return r;
}

decoded decode_extend(const json& obj, const limits& lim) {
  client_request r;
  r.type = request_type::extend;
  extend_cmd cmd;
  check c;
  if ((c = read_request_id(obj, lim, r.request_id)) ||
      (c = read_string(obj, "election_id", lim.max_id_bytes, cmd.election_id)) ||
      (c = read_time(obj, "closes_at_ms", cmd.closes_at_ms)) ||
      (c = read_admin_token(obj, r.admin_token)) ||
      (c = normalise(cmd.election_id, "field 'election_id'"))) {
    return std::move(*c);
  }
  if (strict_json::find(obj, "closes_at_ms") == nullptr) return bad("missing field 'closes_at_ms'");
  r.body = std::move(cmd);
  return r;
}

// The ballot of a vote: "candidate" (plurality), "rank" or "approve" (lists of names) or
// "scores" ({name: score}); exactly one of them.
check read_ballot(const json& obj, const limits& lim, vote_cmd& cmd) {
  const char* forms[] = {"candidate", "rank", "approve", "scores"};
  int present = 0;
  for (const char* f : forms) present += strict_json::find(obj, f) != nullptr ? 1 : 0;
  if (present == 0) {
    return bad(
        "missing field 'candidate' (or 'rank', 'approve' or 'scores' for the other "
        "counting methods)");
  }
  if (present > 1) {
    return bad("a vote carries exactly one of 'candidate', 'rank', 'approve' or 'scores'");
  }
  if (strict_json::find(obj, "candidate") != nullptr) {
    if (auto c = read_string(obj, "candidate", lim.max_id_bytes, cmd.candidate)) return c;
    return normalise(cmd.candidate, "field 'candidate'");
  }
  if (const json* scores = strict_json::find(obj, "scores"); scores != nullptr) {
    if (!scores->is_object() || scores->empty() || scores->size() > lim.max_candidates) {
      return bad("field 'scores' must be an object of candidate: score (1 to " +
                 std::to_string(lim.max_candidates) + " entries)");
    }
    for (const auto& [name, value] : scores->items()) {
      std::uint64_t score = 0;
      if (name.size() > lim.max_id_bytes || !strict_json::as_u64(value, score) || score > 0xFFFF) {
        return bad("field 'scores' must map candidate names to scores (0 to 65535)");
      }
      cmd.choices.push_back(name);
      cmd.scores.push_back(static_cast<std::uint16_t>(score));
    }
    return normalise_all(cmd.choices, "a candidate name");
  }
  const char* list = strict_json::find(obj, "rank") != nullptr ? "rank" : "approve";
  if (auto c = read_list(obj, list, lim.max_candidates, lim.max_id_bytes, cmd.choices)) return c;
  if (cmd.choices.empty()) return bad("field '" + std::string(list) + "' must not be empty");
  return normalise_all(cmd.choices, "a candidate name");
}

// A vote names its voter id, or carries a voting code: the server keeps only the code's public
// credential (docs/record.md), computed here, as soon as the request is read.
decoded decode_vote(const json& obj, const limits& lim) {
  client_request r;
  r.type = request_type::vote;
  vote_cmd cmd;
  check c;
  const bool by_code = strict_json::find(obj, "code") != nullptr;
  if (by_code && strict_json::find(obj, "voter") != nullptr) {
    return bad("a vote request carries 'voter' or 'code', not both");
  }
  if ((c = read_request_id(obj, lim, r.request_id)) ||
      (c = read_string(obj, "election_id", lim.max_id_bytes, cmd.election_id)) ||
      (c = read_string(obj, by_code ? "code" : "voter", lim.max_id_bytes,
                       by_code ? r.code : cmd.voter)) ||
      (c = read_ballot(obj, lim, cmd)) ||
      (c = read_string(obj, "nonce", credentials::nonce_hex_chars, cmd.nonce, false)) ||
      (c = normalise(cmd.election_id, "field 'election_id'")) ||
      (!by_code && (c = normalise(cmd.voter, "field 'voter'")))) {
    return std::move(*c);
  }
  if (!cmd.nonce.empty() && !credentials::is_nonce(cmd.nonce)) {
    return bad("field 'nonce' must be 32 lowercase hex characters");
  }
  if (by_code) {
    auto code = credentials::normalize_code(r.code);
    if (!code) {
      return bad("field 'code' must be a voting code: 16 characters of " +
                 std::string(credentials::alphabet) + ", in groups of four");
    }
    r.code = std::move(*code);
    cmd.voter = credentials::credential_of(cmd.election_id, r.code);
    cmd.by_code = true;
  }
  r.body = std::move(cmd);
  return r;
}

// The election a read is about (record, election): its election_id, NFC-normalised.
decoded decode_election_read(const json& obj, const limits& lim, request_type type) {
  client_request r;
  r.type = type;
  check c;
  if ((c = read_string(obj, "election_id", lim.max_id_bytes, r.election_id)) ||
      (c = normalise(r.election_id, "field 'election_id'"))) {
    return std::move(*c);
  }
  return r;
}

decoded decode_record(const json& obj, const limits& lim) {
  decoded d = decode_election_read(obj, lim, request_type::record);
  auto* r = std::get_if<client_request>(&d);
  if (r != nullptr && strict_json::find(obj, "offset") != nullptr &&
      !strict_json::read_u64(obj, "offset", r->offset)) {
    return bad(strict_json::problem(obj, "offset", "an unsigned integer"));
  }
  return d;
}

decoded decode_close(const json& obj, const limits& lim) {
  client_request r;
  r.type = request_type::close;
  close_cmd cmd;
  check c;
  if ((c = read_request_id(obj, lim, r.request_id)) ||
      (c = read_string(obj, "election_id", lim.max_id_bytes, cmd.election_id)) ||
      (c = read_admin_token(obj, r.admin_token)) ||
      (c = normalise(cmd.election_id, "field 'election_id'"))) {
    return std::move(*c);
  }
  r.body = std::move(cmd);
  return r;
}

decoded decode_results(const json& obj, const limits& lim) {
  client_request r;
  r.type = request_type::results;
  check c;
  if ((c = read_string(obj, "election_id", lim.max_id_bytes, r.election_id)) ||
      (c = read_admin_token(obj, r.admin_token)) || (c = read_flag(obj, "local", r.local)) ||
      (c = normalise(r.election_id, "field 'election_id'"))) {
    return std::move(*c);
  }
  return r;
}

decoded decode_remove_member(const json& obj, const limits& lim) {
  client_request r;
  r.type = request_type::remove_member;
  check c;
  if ((c = read_request_id(obj, lim, r.request_id)) || (c = read_node_id(obj, r.node_id, true)) ||
      (c = read_admin_token(obj, r.admin_token))) {
    return std::move(*c);
  }
  if (r.node_id == 0) return bad("field 'node_id' must name a member (node ids are never 0)");
  return r;
}

decoded decode_transfer(const json& obj, const limits& lim) {
  client_request r;
  r.type = request_type::transfer_leadership;
  check c;
  if ((c = read_request_id(obj, lim, r.request_id)) || (c = read_node_id(obj, r.node_id, false)) ||
      (c = read_admin_token(obj, r.admin_token))) {
    return std::move(*c);
  }
  return r;
}

// force_new_cluster may lose acknowledged changes: only an explicit "confirm":true is accepted.
decoded decode_force_new_cluster(const json& obj, const limits& lim) {
  client_request r;
  r.type = request_type::force_new_cluster;
  check c;
  if ((c = read_request_id(obj, lim, r.request_id)) || (c = read_flag(obj, "confirm", r.confirm)) ||
      (c = read_admin_token(obj, r.admin_token))) {
    return std::move(*c);
  }
  if (!r.confirm) {
    return bad(std::string(strict_json::find(obj, "confirm") == nullptr
                               ? "missing field 'confirm'"
                               : "field 'confirm' must be true") +
               ": force_new_cluster makes the server the only voter of a new configuration "
               "built from its own log, which may lose acknowledged votes; it is done only "
               "with \"confirm\":true");
  }
  return r;
}

decoded decode_fields(const json& obj, request_type type, const limits& lim) {
  switch (type) {
    case request_type::register_election:
      return decode_register(obj, lim);
    case request_type::vote:
      return decode_vote(obj, lim);
    case request_type::close:
      return decode_close(obj, lim);
    case request_type::results:
      return decode_results(obj, lim);
    case request_type::remove_member:
      return decode_remove_member(obj, lim);
    case request_type::transfer_leadership:
      return decode_transfer(obj, lim);
    case request_type::force_new_cluster:
      return decode_force_new_cluster(obj, lim);
    case request_type::record:
      return decode_record(obj, lim);
    case request_type::add_voters:
      return decode_add_voters(obj, lim);
    case request_type::extend:
      return decode_extend(obj, lim);
    case request_type::election:
      return decode_election_read(obj, lim, request_type::election);
    case request_type::elections: {
      client_request r;
      r.type = request_type::elections;
      if (auto c = read_admin_token(obj, r.admin_token)) return std::move(*c);
      return r;
    }
    case request_type::status:
    case request_type::cluster_status:
      break;
  }
  client_request r;
  r.type = type;
  return r;
}

const request_shape* shape_of(std::string_view name) {
  for (const auto& s : shapes) {
    if (to_string(s.type) == name) return &s;
  }
  return nullptr;
}

}  // namespace

std::string_view to_string(request_type t) noexcept {
  switch (t) {
    case request_type::register_election:
      return "register";
    case request_type::vote:
      return "vote";
    case request_type::close:
      return "close";
    case request_type::results:
      return "results";
    case request_type::status:
      return "status";
    case request_type::cluster_status:
      return "cluster_status";
    case request_type::remove_member:
      return "remove_member";
    case request_type::transfer_leadership:
      return "transfer_leadership";
    case request_type::force_new_cluster:
      return "force_new_cluster";
    case request_type::record:
      return "record";
    case request_type::add_voters:
      return "add_voters";
    case request_type::extend:
      return "extend";
    case request_type::elections:
      return "elections";
    case request_type::election:
      return "election";
  }
  return "unknown";
}

std::variant<client_request, decode_error> decode_request(std::string_view text,
                                                          const limits& lim) {
  try {
    strict_json::parse_result parsed = strict_json::parse(text);
    if (!parsed.value) return bad(std::move(parsed.problem));
    const json& obj = *parsed.value;
    std::string name;
    if (!strict_json::read_string(obj, "type", name)) {
      return bad(strict_json::problem(obj, "type", "a string"));
    }
    const request_shape* shape = shape_of(name);
    if (shape == nullptr)
      return decode_error{errc::unsupported, "unknown request type " + quote_name(name)};
    if (auto key = strict_json::unknown_key(obj, shape->fields)) {
      return bad("unknown field " + quote_name(*key) + " in a " + name + " request");
    }
    return decode_fields(obj, shape->type, lim);
  } catch (const nlohmann::json::exception&) {  // defensive: the checks above prevent it
    return bad("malformed request");
  }
}

}  // namespace vote::wire

namespace vote::wire {
namespace {

template <typename Body>
const Body& body_as(const client_request& r) {
  const Body* b = r.body ? std::get_if<Body>(&*r.body) : nullptr;
  if (b == nullptr) {
    throw std::invalid_argument("encode_request: the body does not match request type " +
                                std::string(to_string(r.type)));
  }
  return *b;
}

void put_admin_token(const client_request& r, json& j) {
  if (!r.admin_token.empty()) j["admin_token"] = r.admin_token;
}

void put_admin_request(const client_request& r, json& j) {
  j["request_id"] = r.request_id;
  if (r.type == request_type::force_new_cluster) {
    j["confirm"] = r.confirm;
  } else {
    j["node_id"] = r.node_id;
  }
  put_admin_token(r, j);
}

// The one ballot member of a vote: "candidate", "rank"/"approve" (the client says which by
// `scores` being empty and the order mattering; the encoder cannot know the election's method,
// so a list without scores goes out as "rank", which the server reads for every list method),
// or "scores".
void put_ballot(const vote_cmd& b, json& j) {
  if (b.choices.empty()) {
    j["candidate"] = b.candidate;
  } else if (!b.scores.empty()) {
    json scores = json::object();
    for (std::size_t i = 0; i < b.choices.size() && i < b.scores.size(); ++i) {
      scores[b.choices[i]] = b.scores[i];
    }
    j["scores"] = std::move(scores);
  } else {
    j["rank"] = b.choices;
  }
}

void put_command(const client_request& r, json& j) {
  j["request_id"] = r.request_id;
  switch (r.type) {
    case request_type::register_election: {
      const auto& b = body_as<register_cmd>(r);
      j["election_id"] = b.election_id;
      j["candidates"] = b.candidates;
      j["voters"] = b.voters;
      j["tie_break"] = to_string(b.rule);
      if (b.mode != voter_mode::ids) j["voters_mode"] = to_string(b.mode);
      if (b.live_results) j["live_results"] = true;
      if (!b.weights.empty()) j["weights"] = b.weights;
      if (b.method != counting::method::plurality) j["method"] = counting::to_string(b.method);
      if (b.seats != 1) j["seats"] = b.seats;
      if (b.max_score != 5) j["max_score"] = b.max_score;
      if (b.opens_at_ms != 0) j["opens_at_ms"] = b.opens_at_ms;
      if (b.closes_at_ms != 0) j["closes_at_ms"] = b.closes_at_ms;
      if (b.more_voters) j["more_voters"] = true;
      if (b.close_when_all_voted) j["close_when_all_voted"] = true;
      put_admin_token(r, j);
      break;
    }
    case request_type::add_voters: {
      const auto& b = body_as<add_voters_cmd>(r);
      j["election_id"] = b.election_id;
      j["voters"] = b.voters;
      if (!b.weights.empty()) j["weights"] = b.weights;
      if (b.more_voters) j["more_voters"] = true;
      put_admin_token(r, j);
      break;
    }
    case request_type::extend: {
      const auto& b = body_as<extend_cmd>(r);
      j["election_id"] = b.election_id;
      j["closes_at_ms"] = b.closes_at_ms;
      put_admin_token(r, j);
      break;
    }
    case request_type::vote: {
      const auto& b = body_as<vote_cmd>(r);
      j["election_id"] = b.election_id;
      if (b.by_code) {
        j["code"] = r.code;
      } else {
        j["voter"] = b.voter;
      }
      put_ballot(b, j);
      if (!b.nonce.empty()) j["nonce"] = b.nonce;
      break;
    }
    default:
      j["election_id"] = body_as<close_cmd>(r).election_id;
      put_admin_token(r, j);
      break;
  }
}

}  // namespace

std::string encode_request(const client_request& r) {
  json j = json::object();
  j["type"] = to_string(r.type);
  switch (r.type) {
    case request_type::register_election:
    case request_type::vote:
    case request_type::close:
    case request_type::add_voters:
    case request_type::extend:
      put_command(r, j);
      break;
    case request_type::elections:
      put_admin_token(r, j);
      break;
    case request_type::results:
      j["election_id"] = r.election_id;
      put_admin_token(r, j);
      if (r.local) j["local"] = true;
      break;
    case request_type::remove_member:
    case request_type::transfer_leadership:
    case request_type::force_new_cluster:
      put_admin_request(r, j);
      break;
    case request_type::record:
      j["election_id"] = r.election_id;
      if (r.offset != 0) j["offset"] = r.offset;
      break;
    case request_type::election:
      j["election_id"] = r.election_id;
      break;
    case request_type::status:
    case request_type::cluster_status:
      break;
  }
  return strict_json::dump(j);
}

}  // namespace vote::wire
