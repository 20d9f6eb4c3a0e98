// The strict, streaming record parser (include/vote/verify/record.hpp).
#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "vote/verify/codes.hpp"
#include "vote/verify/record.hpp"

namespace vote::verify {
namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 11> top_keys = {
    "ballots", "candidates", "closed_at_ms", "digest", "election_id", "format",
    "result",  "roll",       "settings",     "used",   "__end__"};
constexpr std::size_t top_key_count = 10;
constexpr std::size_t ballots_key = 0, roll_key = 7, used_key = 9;  // indices in top_keys

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

void exact_keys(const json& obj, const std::string& where,
                std::initializer_list<std::string_view> keys) {
  if (!obj.is_object()) fail(where, "expected an object");
  for (const auto& [k, v] : obj.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      fail(where, "unknown member '" + k.substr(0, 64) + "'");
    }
  }
  for (const std::string_view k : keys) {
    if (!obj.contains(k)) fail(where, "missing member '" + std::string(k) + "'");
  }
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

record_result to_result(const json& v, const record_limits& lim) {
  const std::string where = "result";
  exact_keys(v, where, {"eligible_voters", "tallies", "tie", "tied", "votes_cast", "winner"});
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
  return r;
}

record_settings to_settings(const json& v) {
  const std::string where = "settings";
  exact_keys(v, where, {"live_results", "method", "tie_break", "voters"});
  return {.live_results = as_bool(v["live_results"], where + ".live_results"),
          .method = as_string(v["method"], where + ".method"),
          .tie_break = as_string(v["tie_break"], where + ".tie_break"),
          .voters = as_string(v["voters"], where + ".voters")};
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
      if (!seen_[i]) return stop("missing member '" + std::string(top_keys[i]) + "'");
    }
    return true;
  }

  // --- nlohmann::json_sax interface -------------------------------------------------------
  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool v) { return scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(json(v)); }
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
    if (in_ballot()) return ballot_key(k);
    if (depth_ == 1) {
      const std::size_t i = top_key_index(k);
      if (i == top_key_count) return stop("unknown member '" + k.substr(0, 64) + "'");
      if (seen_[i]) return stop("member '" + k + "' repeated");
      seen_[i] = true;
      member_ = i;
      return true;
    }
    if (k.size() > lim_.max_string_bytes) return stop(where() + ": key too long");
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

  // --- one ballot, {"ballot":{"candidate":C},"nonce":N,"tracker":T}, read without a DOM -----
  enum ballot_key_id : std::uint8_t { k_none, k_ballot, k_nonce, k_tracker, k_candidate };
  struct ballot_state {
    record_ballot b;
    std::uint8_t seen = 0;  // bit per ballot_key_id
    ballot_key_id key = k_none;
  };

  bool in_ballot() const { return list_ == ballots_key && depth_ >= 3; }

  std::string ballot_where() const {
    std::string w = "ballots[" + std::to_string(element_) + "]";
    if (ballot_.key == k_ballot || ballot_.key == k_candidate) w += ".ballot";
    if (ballot_.key == k_nonce) w += ".nonce";
    if (ballot_.key == k_tracker) w += ".tracker";
    return w;
  }

  bool ballot_key(const std::string& k) {
    ballot_key_id id = k_none;
    if (depth_ == 3) {
      id = k == "ballot" ? k_ballot : k == "nonce" ? k_nonce : k == "tracker" ? k_tracker : k_none;
    } else if (depth_ == 4 && k == "candidate") {
      id = k_candidate;
    }
    if (id == k_none) return stop(ballot_where() + ": unknown member '" + k.substr(0, 64) + "'");
    if ((ballot_.seen & (1u << id)) != 0) {
      return stop(ballot_where() + ": member '" + k + "' repeated");
    }
    ballot_.seen = static_cast<std::uint8_t>(ballot_.seen | (1u << id));
    ballot_.key = id;
    return true;
  }

  bool ballot_string(std::string& v) {
    switch (depth_ == 4 ? k_candidate : ballot_.key) {
      case k_nonce:
        if (!is_lower_hex(v, nonce_hex_chars)) {
          return stop(ballot_where() + ": expected 32 lowercase hex characters");
        }
        ballot_.b.nonce = std::move(v);
        return true;
      case k_tracker:
        if (!is_tracker(v))
          return stop(ballot_where() + ": expected 20 symbols of the code alphabet");
        ballot_.b.tracker = std::move(v);
        return true;
      case k_candidate:
        ballot_.b.candidate = std::move(v);
        return true;
      default:
        return ballot_shape_error();
    }
  }

  bool ballot_shape_error() {
    if (depth_ >= 4 || ballot_.key == k_ballot) {
      ballot_.key = k_ballot;
      return stop(ballot_where() +
                  ": expected {\"candidate\": string} (the only ballot docs/record.md defines)");
    }
    return stop(ballot_where() + ": expected a string");
  }

  bool ballot_open(bool object) {
    if (depth_ == 3) {
      if (!object) return stop("ballots[" + std::to_string(element_) + "]: expected an object");
      if (out.ballots.size() >= max_list_entries) return stop("ballots: too many entries");
      ballot_ = ballot_state{};
      return true;
    }
    if (depth_ == 4 && object && ballot_.key == k_ballot) return true;
    return ballot_shape_error();
  }

  bool ballot_close() {
    const std::size_t d = depth_ + 1;
    if (d == 4) {
      if ((ballot_.seen & (1u << k_candidate)) == 0) return ballot_shape_error();
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

  std::size_t node_limit() const { return 4 * lim_.max_candidates + 1024; }

  // A scalar: a top-level member, or a part of a DOM being built.
  bool scalar(json v) {
    if (depth_ == 0) return stop("a record is a JSON object");
    if (in_ballot()) return ballot_shape_error();
    if (depth_ == 2 && list_ < top_key_count) {
      return stop(where() +
                  (list_ == ballots_key ? ": expected an object" : ": expected a string"));
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
    if (depth_ == 3 && list_ < top_key_count) return stop(where() + ": expected a string");
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
        if (dom_.is_number_unsigned() &&
            dom_.get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
          fail(name, "out of range");
        }
        if (!dom_.is_number_integer()) fail(name, "expected an integer");
        out.closed_at_ms = dom_.get<std::int64_t>();
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
  std::size_t list_ = top_key_count;    // ballots/roll/used while inside that array
  std::size_t element_ = 0;             // index in that array
  json dom_;
  std::vector<json*> stack_;
  std::string pending_key_;
  std::size_t nodes_ = 0;
  ballot_state ballot_;
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
