// The strict, streaming record parser (include/vote/verify/record.hpp).
#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "vote/verify/codes.hpp"
#include "vote/verify/record.hpp"

namespace vote::verify {
namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 12> top_keys = {
    "ballots", "candidates", "closed_at_ms", "digest", "election_id", "format",
    "result",  "roll",       "settings",     "used",   "weights",     "__end__"};
constexpr std::size_t top_key_count = 11;
// Indices in top_keys; "weights" (format 2) is the only optional member.
constexpr std::size_t ballots_key = 0, roll_key = 7, used_key = 9, weights_key = 10;

std::size_t top_key_index(std::string_view k) {
  for (std::size_t i = 0; i < top_key_count; ++i) {
    if (top_keys[i] == k) return i;
  }
  return top_key_count;
}

// A failed conversion: the message names the member.
struct shape_error {
  std::string message;
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw shape_error{where + ": " + what};
}

// The members of `obj`: every required one, and no others than required and optional.
void known_keys(const json& obj, const std::string& where,
                std::initializer_list<std::string_view> required,
                std::initializer_list<std::string_view> optional) {
  if (!obj.is_object()) fail(where, "expected an object");
  for (const auto& [k, v] : obj.items()) {
    if (std::find(required.begin(), required.end(), k) == required.end() &&
        std::find(optional.begin(), optional.end(), k) == optional.end()) {
      fail(where, "unknown member '" + k.substr(0, 64) + "'");
    }
  }
  for (const std::string_view k : required) {
    if (!obj.contains(k)) fail(where, "missing member '" + std::string(k) + "'");
  }
}

std::int64_t as_i64(const json& v, const std::string& where) {
  if (v.is_number_unsigned() &&
      v.get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
    fail(where, "out of range");
  }
  if (!v.is_number_integer()) fail(where, "expected an integer");
  return v.get<std::int64_t>();
}

std::string as_string(const json& v, const std::string& where) {
  if (!v.is_string()) fail(where, "expected a string");
  return v.get<std::string>();
}

std::uint64_t as_u64(const json& v, const std::string& where) {
  if (!v.is_number_unsigned()) fail(where, "expected a non-negative integer");
  return v.get<std::uint64_t>();
}

bool as_bool(const json& v, const std::string& where) {
  if (!v.is_boolean()) fail(where, "expected true or false");
  return v.get<bool>();
}

std::vector<std::string> as_strings(const json& v, const std::string& where, std::size_t max) {
  if (!v.is_array()) fail(where, "expected an array of strings");
  if (v.size() > max) fail(where, "more than " + std::to_string(max) + " entries");
  std::vector<std::string> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(as_string(v[i], where + "[" + std::to_string(i) + "]"));
  }
  return out;
}

std::vector<std::uint64_t> as_u64s(const json& v, const std::string& where) {
  if (!v.is_array()) fail(where, "expected an array of non-negative integers");
  std::vector<std::uint64_t> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(as_u64(v[i], where + "[" + std::to_string(i) + "]"));
  }
  return out;
}

count_matrix as_matrix(const json& v, const std::string& where) {
  if (!v.is_array()) fail(where, "expected an array of rows");
  count_matrix out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(as_u64s(v[i], where + "[" + std::to_string(i) + "]"));
  }
  return out;
}

record_round to_round(const json& v, const std::string& where, const record_limits& lim) {
  known_keys(v, where, {"elected", "eliminated", "exhausted", "totals"},
             {"tie_note", "tied", "transferred"});
  record_round r;
  r.elected = as_strings(v["elected"], where + ".elected", lim.max_candidates);
  r.eliminated = as_strings(v["eliminated"], where + ".eliminated", lim.max_candidates);
  r.exhausted = as_u64(v["exhausted"], where + ".exhausted");
  if (v.contains("tie_note")) r.tie_note = as_string(v["tie_note"], where + ".tie_note");
  if (v.contains("tied")) r.tied = as_strings(v["tied"], where + ".tied", lim.max_candidates);
  r.totals = as_u64s(v["totals"], where + ".totals");
  if (v.contains("transferred")) {
    r.transferred = as_strings(v["transferred"], where + ".transferred", lim.max_candidates);
  }
  return r;
}

record_count to_count(const json& v, const record_limits& lim) {
  const std::string where = "result.count";
  known_keys(v, where, {"total_weight"}, {"pairwise", "quota", "rounds", "scale", "strongest"});
  record_count c;
  if (v.contains("pairwise")) c.pairwise = as_matrix(v["pairwise"], where + ".pairwise");
  if (v.contains("quota")) c.quota = as_u64(v["quota"], where + ".quota");
  if (v.contains("rounds")) {
    const json& rounds = v["rounds"];
    if (!rounds.is_array()) fail(where + ".rounds", "expected an array of rounds");
    c.rounds.emplace();
    for (std::size_t i = 0; i < rounds.size(); ++i) {
      c.rounds->push_back(to_round(rounds[i], where + ".rounds[" + std::to_string(i) + "]", lim));
    }
  }
  if (v.contains("scale")) c.scale = as_u64(v["scale"], where + ".scale");
  if (v.contains("strongest")) c.strongest = as_matrix(v["strongest"], where + ".strongest");
  c.total_weight = as_u64(v["total_weight"], where + ".total_weight");
  return c;
}

record_result to_result(const json& v, const record_limits& lim) {
  const std::string where = "result";
  known_keys(v, where, {"eligible_voters", "tallies", "tie", "tied", "votes_cast", "winner"},
             {"count", "winners"});
  record_result r;
  r.eligible_voters = as_u64(v["eligible_voters"], where + ".eligible_voters");
  const json& t = v["tallies"];
  if (!t.is_object()) fail(where + ".tallies", "expected an object of counts");
  if (t.size() > lim.max_candidates) fail(where + ".tallies", "too many entries");
  for (const auto& [name, count] : t.items()) {
    r.tallies.emplace_back(name, as_u64(count, where + ".tallies[\"" + name.substr(0, 64) + "\"]"));
  }
  r.tie = as_bool(v["tie"], where + ".tie");
  r.tied = as_strings(v["tied"], where + ".tied", lim.max_candidates);
  r.votes_cast = as_u64(v["votes_cast"], where + ".votes_cast");
  const json& w = v["winner"];
  if (!w.is_null()) r.winner = as_string(w, where + ".winner");
  if (v.contains("winners")) {
    r.winners = as_strings(v["winners"], where + ".winners", lim.max_candidates);
  }
  if (v.contains("count")) r.count = to_count(v["count"], lim);
  return r;
}

record_settings to_settings(const json& v) {
  const std::string where = "settings";
  known_keys(v, where, {"live_results", "method", "tie_break", "voters"},
             {"close_when_all_voted", "closes_at_ms", "max_score", "opens_at_ms", "seats"});
  record_settings s{.live_results = as_bool(v["live_results"], where + ".live_results"),
                    .method = as_string(v["method"], where + ".method"),
                    .tie_break = as_string(v["tie_break"], where + ".tie_break"),
                    .voters = as_string(v["voters"], where + ".voters")};
  if (v.contains("close_when_all_voted")) {
    s.close_when_all_voted = as_bool(v["close_when_all_voted"], where + ".close_when_all_voted");
  }
  if (v.contains("closes_at_ms"))
    s.closes_at_ms = as_i64(v["closes_at_ms"], where + ".closes_at_ms");
  if (v.contains("max_score")) s.max_score = as_u64(v["max_score"], where + ".max_score");
  if (v.contains("opens_at_ms")) s.opens_at_ms = as_i64(v["opens_at_ms"], where + ".opens_at_ms");
  if (v.contains("seats")) s.seats = as_u64(v["seats"], where + ".seats");
  return s;
}

// The SAX handler. Depth 1 is the record object's members. The members ballots, roll and used
// are arrays read element by element; every other member, and each ballot, is built as a small
// DOM (bounded in nodes and depth) and converted when complete.
class record_reader {
 public:
  explicit record_reader(const record_limits& lim) : lim_(lim) {}

  std::optional<std::string> error;  // set once: the first problem
  record out;

  bool finished() {
    if (error) return false;
    for (std::size_t i = 0; i < top_key_count; ++i) {
      if (!seen_[i] && i != weights_key) {
        return stop("missing member '" + std::string(top_keys[i]) + "'");
      }
    }
    return true;
  }

  // --- nlohmann::json_sax interface -------------------------------------------------------
  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool v) { return scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) {
    if (in_ballot()) return ballot_number(v);
    if (depth_ == 2 && list_ == weights_key) {
      out.weight_values.push_back(v);
      return true;
    }
    return scalar(json(v));
  }
  bool number_float(json::number_float_t, const std::string&) {
    return stop(where() + ": numbers in a record are integers");
  }
  bool string(std::string& v) {
    if (v.size() > lim_.max_string_bytes) return stop(where() + ": string too long");
    if (in_ballot()) return ballot_string(v);
    if (depth_ == 2 && (list_ == roll_key || list_ == used_key)) {
      auto& l = list_ == roll_key ? out.roll : out.used;
      if (l.size() >= max_list_entries) return stop(where() + ": too many entries");
      l.push_back(v);
      ++element_;
      return true;
    }
    return scalar(json(std::move(v)));
  }
  bool binary(json::binary_t&) { return stop("binary values are not JSON"); }

  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& k) {
    if (k.size() > lim_.max_string_bytes) return stop(where() + ": key too long");
    if (in_ballot()) return ballot_key(k);
    if (depth_ == 1) {
      const std::size_t i = top_key_index(k);
      if (i == top_key_count) return stop("unknown member '" + k.substr(0, 64) + "'");
      if (seen_[i]) return stop("member '" + k + "' repeated");
      seen_[i] = true;
      member_ = i;
      return true;
    }
    if (depth_ == 2 && list_ == weights_key) {
      if (out.weight_keys->size() >= max_list_entries) return stop("weights: too many entries");
      out.weight_keys->push_back(k);
      element_ = out.weight_keys->size() - 1;
      return true;
    }
    json& obj = *stack_.back();
    if (obj.contains(k)) return stop(where() + ": member '" + k.substr(0, 64) + "' repeated");
    pending_key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    if (!error) error = "not JSON at byte " + std::to_string(position) + ": " + e.what();
    return false;
  }

 private:
  static constexpr std::size_t max_list_entries = 50'000'000;

  // --- one ballot line, {"ballot":{SHAPE:..},"nonce":N,"tracker":T,"weight":W?}, without a DOM.
  // Depth 3 is the line, 4 the ballot object, 5 the list of an approve/rank/scores ballot.
  enum ballot_key_id : std::uint8_t {
    k_none,
    k_ballot,
    k_nonce,
    k_tracker,
    k_weight,
    k_candidate,
    k_approve,
    k_rank,
    k_scores
  };
  struct ballot_state {
    record_ballot b;
    std::uint16_t seen = 0;        // bit per ballot_key_id
    ballot_key_id key = k_none;    // the line's member being read
    ballot_key_id shape = k_none;  // the ballot object's member
    bool score_name = false;       // a scores key was read, its score not yet
    std::uint32_t pending = 0;     // that key's name
  };

  bool in_ballot() const { return list_ == ballots_key && depth_ >= 3; }

  std::string ballot_where() const {
    std::string w = "ballots[" + std::to_string(element_) + "]";
    if (ballot_.key == k_ballot) w += ".ballot";
    if (ballot_.key == k_nonce) w += ".nonce";
    if (ballot_.key == k_tracker) w += ".tracker";
    if (ballot_.key == k_weight) w += ".weight";
    return w;
  }

  bool ballot_key(const std::string& k) {
    if (depth_ == 5) {  // a name of a scores ballot
      ballot_.pending = intern(k);
      ballot_.score_name = true;
      return true;
    }
    ballot_key_id id = k_none;
    if (depth_ == 3) {
      id = k == "ballot"    ? k_ballot
           : k == "nonce"   ? k_nonce
           : k == "tracker" ? k_tracker
           : k == "weight"  ? k_weight
                            : k_none;
    } else if (depth_ == 4) {
      id = k == "candidate" ? k_candidate
           : k == "approve" ? k_approve
           : k == "rank"    ? k_rank
           : k == "scores"  ? k_scores
                            : k_none;
      if (id != k_none && ballot_.shape != k_none) {
        return stop(ballot_where() + ": a ballot has exactly one member");
      }
    }
    if (id == k_none) return stop(ballot_where() + ": unknown member '" + k.substr(0, 64) + "'");
    if ((ballot_.seen & (1u << id)) != 0) {
      return stop(ballot_where() + ": member '" + k + "' repeated");
    }
    ballot_.seen = static_cast<std::uint16_t>(ballot_.seen | (1u << id));
    if (depth_ == 3) {
      ballot_.key = id;
    } else {
      ballot_.shape = id;
    }
    return true;
  }

  std::uint32_t intern(const std::string& name) {
    const auto [it, fresh] =
        names_.emplace(name, static_cast<std::uint32_t>(out.ballot_names.size()));
    if (fresh) out.ballot_names.push_back(name);
    return it->second;
  }

  bool add_mark(std::uint32_t name, std::uint64_t score) {
    if (out.marks.size() >= std::numeric_limits<std::uint32_t>::max()) {
      return stop("ballots: too many marks");
    }
    out.marks.push_back(name);
    out.scores.push_back(score);
    ++ballot_.b.count;
    return true;
  }

  bool ballot_string(std::string& v) {
    if (depth_ == 3) {
      if (ballot_.key == k_nonce) {
        if (!is_lower_hex(v, nonce_hex_chars)) {
          return stop(ballot_where() + ": expected 32 lowercase hex characters");
        }
        ballot_.b.nonce = std::move(v);
        return true;
      }
      if (ballot_.key == k_tracker) {
        if (!is_tracker(v))
          return stop(ballot_where() + ": expected 20 symbols of the code alphabet");
        ballot_.b.tracker = std::move(v);
        return true;
      }
      return ballot_shape_error();
    }
    if (depth_ == 4 && ballot_.shape == k_candidate) return add_mark(intern(v), 0);
    if (depth_ == 5 && (ballot_.shape == k_approve || ballot_.shape == k_rank)) {
      return add_mark(intern(v), 0);
    }
    return ballot_shape_error();
  }

  bool ballot_number(std::uint64_t v) {
    if (depth_ == 3 && ballot_.key == k_weight) {
      ballot_.b.weighted = true;
      ballot_.b.weight = v;
      return true;
    }
    if (depth_ == 5 && ballot_.shape == k_scores && ballot_.score_name) {
      ballot_.score_name = false;
      return add_mark(ballot_.pending, v);
    }
    return ballot_shape_error();
  }

  bool ballot_shape_error() {
    if (depth_ == 3 && ballot_.key == k_weight) {
      return stop(ballot_where() + ": expected a non-negative integer");
    }
    if (depth_ >= 4 || ballot_.key == k_ballot) {
      ballot_.key = k_ballot;
      return stop(ballot_where() +
                  ": expected {\"candidate\": string}, {\"approve\": [string]}, {\"rank\": "
                  "[string]} or {\"scores\": {string: integer}}");
    }
    return stop(ballot_where() + ": expected a string");
  }

  bool ballot_open(bool object) {
    if (depth_ == 3) {
      if (!object) return stop("ballots[" + std::to_string(element_) + "]: expected an object");
      if (out.ballots.size() >= max_list_entries) return stop("ballots: too many entries");
      ballot_ = ballot_state{};
      ballot_.b.first = static_cast<std::uint32_t>(out.marks.size());
      return true;
    }
    if (depth_ == 4 && object && ballot_.key == k_ballot) return true;
    if (depth_ == 5 && !object && (ballot_.shape == k_approve || ballot_.shape == k_rank)) {
      return true;
    }
    if (depth_ == 5 && object && ballot_.shape == k_scores) return true;
    return ballot_shape_error();
  }

  bool ballot_close() {
    const std::size_t d = depth_ + 1;
    if (d == 5) return true;
    if (d == 4) {
      if (ballot_.shape == k_none || (ballot_.shape == k_candidate && ballot_.b.count != 1)) {
        return ballot_shape_error();
      }
      ballot_.b.shape = ballot_.shape == k_candidate ? ballot_shape::candidate
                        : ballot_.shape == k_approve ? ballot_shape::approve
                        : ballot_.shape == k_rank    ? ballot_shape::rank
                                                     : ballot_shape::scores;
      ballot_.key = k_none;
      return true;
    }
    for (const auto id : {k_ballot, k_nonce, k_tracker}) {
      if ((ballot_.seen & (1u << id)) == 0) {
        static constexpr const char* names[] = {"", "ballot", "nonce", "tracker"};
        return stop("ballots[" + std::to_string(element_) + "]: missing member '" + names[id] +
                    "'");
      }
    }
    out.ballots.push_back(std::move(ballot_.b));
    ++element_;
    return true;
  }

  bool stop(std::string message) {
    if (!error) error = std::move(message);
    return false;
  }

  std::string where() const {
    std::string w = member_ < top_key_count ? std::string(top_keys[member_]) : "record";
    if (list_ < top_key_count && depth_ >= 2) w += "[" + std::to_string(element_) + "]";
    return w;
  }

  std::size_t node_limit() const {
    const std::size_t small = 4 * lim_.max_candidates + 1024;
    return member_ < top_key_count && top_keys[member_] == "result"
               ? std::max(small, lim_.max_result_nodes)
               : small;
  }

  // A scalar: a top-level member, or a part of a DOM being built.
  bool scalar(json v) {
    if (depth_ == 0) return stop("a record is a JSON object");
    if (in_ballot()) return ballot_shape_error();
    if (depth_ == 2 && list_ < top_key_count) {
      return stop(where() + (list_ == ballots_key   ? ": expected an object"
                             : list_ == weights_key ? ": expected a non-negative integer"
                                                    : ": expected a string"));
    }
    if (depth_ == 1) {
      dom_ = std::move(v);
      return convert();
    }
    return add(std::move(v)) != nullptr;
  }

  json* add(json v) {
    if (++nodes_ > node_limit()) {
      stop(where() + ": too large");
      return nullptr;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    return &(parent[pending_key_] = std::move(v));
  }

  bool open(json v) {
    ++depth_;
    if (depth_ > lim_.max_depth) return stop(where() + ": nested too deeply");
    if (in_ballot()) return ballot_open(v.is_object());
    if (depth_ == 1) {
      if (!v.is_object()) return stop("a record is a JSON object");
      return true;
    }
    if (depth_ == 2) {
      if (member_ == weights_key) {
        if (!v.is_object()) return stop("weights: expected an object");
        list_ = member_;
        out.weight_keys.emplace();
        return true;
      }
      const bool list = member_ == ballots_key || member_ == roll_key || member_ == used_key;
      if (list) {
        if (!v.is_array()) return stop(where() + ": expected an array");
        list_ = member_;
        element_ = 0;
        return true;
      }
      dom_ = std::move(v);
      stack_ = {&dom_};
      nodes_ = 1;
      return true;
    }
    if (depth_ == 3 && list_ < top_key_count) {
      return stop(where() + (list_ == weights_key ? ": expected a non-negative integer"
                                                  : ": expected a string"));
    }
    json* child = add(std::move(v));
    if (child == nullptr) return false;
    stack_.push_back(child);
    return true;
  }

  bool close() {
    if (in_ballot()) {
      --depth_;
      return ballot_close();
    }
    const std::size_t d = depth_--;
    if (d == 1) return true;  // the record object; finished() checks the members
    if (d == 2 && list_ < top_key_count) {
      list_ = top_key_count;
      return true;
    }
    stack_.pop_back();
    if (d == 2) return convert();
    return true;
  }

  // A complete small member (dom_) into its typed field.
  bool convert() {
    const std::string name(top_keys[member_]);
    try {
      if (name == "candidates") {
        out.candidates = as_strings(dom_, name, lim_.max_candidates);
      } else if (name == "closed_at_ms") {
        out.closed_at_ms = as_i64(dom_, name);
      } else if (name == "digest") {
        out.digest = as_string(dom_, name);
        if (!is_lower_hex(out.digest, 64)) fail(name, "expected 64 lowercase hex characters");
      } else if (name == "election_id") {
        out.election_id = as_string(dom_, name);
      } else if (name == "format") {
        out.format = as_string(dom_, name);
      } else if (name == "result") {
        out.result = to_result(dom_, lim_);
      } else if (name == "settings") {
        out.settings = to_settings(dom_);
      } else if (name == "weights") {
        fail(name, "expected an object");
      } else {
        fail(name, "expected an array");  // ballots, roll, used given as a scalar
      }
    } catch (const shape_error& e) {
      return stop(e.message);
    }
    dom_ = nullptr;
    return true;
  }

  const record_limits& lim_;
  std::array<bool, top_key_count> seen_{};
  std::size_t depth_ = 0;
  std::size_t member_ = top_key_count;  // the depth-1 member being read
  std::size_t list_ = top_key_count;    // ballots/roll/used/weights while inside it
  std::size_t element_ = 0;             // index in that array
  json dom_;
  std::vector<json*> stack_;
  std::string pending_key_;
  std::size_t nodes_ = 0;
  ballot_state ballot_;
  std::unordered_map<std::string, std::uint32_t> names_;  // ballot_names' indexes
};

}  // namespace

std::variant<record, parse_error> parse_record(std::string_view bytes, const record_limits& lim) {
  if (bytes.size() > lim.max_bytes) {
    return parse_error{"the record is " + std::to_string(bytes.size()) +
                       " bytes, over the limit of " + std::to_string(lim.max_bytes)};
  }
  record_reader reader(lim);
  bool ok = false;
  try {
    ok = json::sax_parse(bytes.begin(), bytes.end(), &reader, json::input_format_t::json, true);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {  // nlohmann reports through parse_error; this is a backstop
    return parse_error{std::string("not JSON: ") + e.what()};
  }
  if (!ok || !reader.finished()) {
    return parse_error{reader.error.value_or("not a JSON object")};
  }
  return std::move(reader.out);
}

}  // namespace vote::verify
