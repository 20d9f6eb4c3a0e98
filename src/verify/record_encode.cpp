// The canonical encoder of a parsed record (include/vote/verify/record.hpp): keys sorted by their
// UTF-8 bytes, no whitespace, integers in decimal, strings escaped as append_json_string() does.
#include <algorithm>
#include <functional>
#include <numeric>
#include <string>

#include "vote/verify/codes.hpp"
#include "vote/verify/record.hpp"

namespace vote::verify {
namespace {

// Collects the output in a buffer and hands it to the sink in large pieces.
class writer {
 public:
  explicit writer(const byte_sink& sink) : sink_(sink) { buf_.reserve(flush_at + 4096); }
  ~writer() { flush(); }
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  writer& raw(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= flush_at) flush();
    return *this;
  }
  writer& str(std::string_view s) {
    append_json_string(buf_, s);
    if (buf_.size() >= flush_at) flush();
    return *this;
  }
  writer& num(std::uint64_t v) { return raw(std::to_string(v)); }
  writer& num(std::int64_t v) { return raw(std::to_string(v)); }
  writer& boolean(bool v) { return raw(v ? "true" : "false"); }
  writer& key(std::string_view k) {
    str(k);
    return raw(":");
  }
  template <typename List>
  writer& strings(const List& l) {
    raw("[");
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (i > 0) raw(",");
      str(l[i]);
    }
    return raw("]");
  }
  void flush() {
    if (!buf_.empty()) sink_(buf_);
    buf_.clear();
  }

 private:
  static constexpr std::size_t flush_at = 64 * 1024;
  const byte_sink& sink_;
  std::string buf_;
};

// The ballot object {SHAPE:..} of marks [first, first + count) of `r`.
void write_ballot(writer& w, const record& r, const record_ballot& b) {
  const auto name = [&](std::size_t k) -> const std::string& { return r.ballot_names[r.marks[k]]; };
  const std::size_t end = std::size_t{b.first} + b.count;
  switch (b.shape) {
    case ballot_shape::candidate:
      w.raw("{").key("candidate");
      if (b.count > 0) w.str(name(b.first));
      w.raw("}");
      return;
    case ballot_shape::approve:
    case ballot_shape::rank:
      w.raw("{").key(b.shape == ballot_shape::approve ? "approve" : "rank").raw("[");
      for (std::size_t k = b.first; k < end; ++k) {
        if (k > b.first) w.raw(",");
        w.str(name(k));
      }
      w.raw("]}");
      return;
    case ballot_shape::scores:
      w.raw("{").key("scores").raw("{");
      for (std::size_t k = b.first; k < end; ++k) {
        if (k > b.first) w.raw(",");
        w.key(name(k)).num(r.scores[k]);
      }
      w.raw("}}");
      return;
  }
}

void write_ballots(writer& w, const record& r) {
  w.raw("[");
  for (std::size_t i = 0; i < r.ballots.size(); ++i) {
    const record_ballot& b = r.ballots[i];
    w.raw(i > 0 ? ",{" : "{").key("ballot");
    write_ballot(w, r, b);
    w.raw(",").key("nonce").str(b.nonce).raw(",").key("tracker").str(b.tracker);
    if (b.weighted) w.raw(",").key("weight").num(b.weight);
    w.raw("}");
  }
  w.raw("]");
}

// An object whose members are written in the order of their keys' bytes.
class sorted_members {
 public:
  using member = std::pair<std::string_view, std::function<void(writer&)>>;
  void add(std::string_view key, std::function<void(writer&)> value) {
    members_.emplace_back(key, std::move(value));
  }
  void write(writer& w) {
    std::sort(members_.begin(), members_.end(),
              [](const member& a, const member& b) { return a.first < b.first; });
    w.raw("{");
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (i > 0) w.raw(",");
      w.key(members_[i].first);
      members_[i].second(w);
    }
    w.raw("}");
  }

 private:
  std::vector<member> members_;
};

void write_numbers(writer& w, const std::vector<std::uint64_t>& l) {
  w.raw("[");
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i > 0) w.raw(",");
    w.num(l[i]);
  }
  w.raw("]");
}

void write_matrix(writer& w, const count_matrix& m) {
  w.raw("[");
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (i > 0) w.raw(",");
    write_numbers(w, m[i]);
  }
  w.raw("]");
}

void write_round(writer& w, const record_round& r) {
  sorted_members o;
  o.add("elected", [&](writer& x) { x.strings(r.elected); });
  o.add("eliminated", [&](writer& x) { x.strings(r.eliminated); });
  o.add("exhausted", [&](writer& x) { x.num(r.exhausted); });
  if (r.tie_note) o.add("tie_note", [&](writer& x) { x.str(*r.tie_note); });
  if (r.tied) o.add("tied", [&](writer& x) { x.strings(*r.tied); });
  o.add("totals", [&](writer& x) { write_numbers(x, r.totals); });
  if (r.transferred) o.add("transferred", [&](writer& x) { x.strings(*r.transferred); });
  o.write(w);
}

void write_count(writer& w, const record_count& c) {
  sorted_members o;
  if (c.pairwise) o.add("pairwise", [&](writer& x) { write_matrix(x, *c.pairwise); });
  if (c.quota) o.add("quota", [&](writer& x) { x.num(*c.quota); });
  if (c.rounds) {
    o.add("rounds", [&](writer& x) {
      x.raw("[");
      for (std::size_t i = 0; i < c.rounds->size(); ++i) {
        if (i > 0) x.raw(",");
        write_round(x, (*c.rounds)[i]);
      }
      x.raw("]");
    });
  }
  if (c.scale) o.add("scale", [&](writer& x) { x.num(*c.scale); });
  if (c.strongest) o.add("strongest", [&](writer& x) { write_matrix(x, *c.strongest); });
  o.add("total_weight", [&](writer& x) { x.num(c.total_weight); });
  o.write(w);
}

void write_result(writer& w, const record_result& r) {
  sorted_members o;
  if (r.count) o.add("count", [&](writer& x) { write_count(x, *r.count); });
  o.add("eligible_voters", [&](writer& x) { x.num(r.eligible_voters); });
  o.add("tallies", [&](writer& x) {
    std::vector<std::size_t> order(r.tallies.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return r.tallies[a].first < r.tallies[b].first;
    });
    x.raw("{");
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (i > 0) x.raw(",");
      x.key(r.tallies[order[i]].first).num(r.tallies[order[i]].second);
    }
    x.raw("}");
  });
  o.add("tie", [&](writer& x) { x.boolean(r.tie); });
  o.add("tied", [&](writer& x) { x.strings(r.tied); });
  o.add("votes_cast", [&](writer& x) { x.num(r.votes_cast); });
  o.add("winner", [&](writer& x) {
    if (r.winner) {
      x.str(*r.winner);
    } else {
      x.raw("null");
    }
  });
  if (r.winners) o.add("winners", [&](writer& x) { x.strings(*r.winners); });
  o.write(w);
}

void write_settings(writer& w, const record_settings& s) {
  sorted_members o;
  if (s.close_when_all_voted) {
    o.add("close_when_all_voted", [&](writer& x) { x.boolean(*s.close_when_all_voted); });
  }
  if (s.closes_at_ms) o.add("closes_at_ms", [&](writer& x) { x.num(*s.closes_at_ms); });
  o.add("live_results", [&](writer& x) { x.boolean(s.live_results); });
  if (s.max_score) o.add("max_score", [&](writer& x) { x.num(*s.max_score); });
  o.add("method", [&](writer& x) { x.str(s.method); });
  if (s.opens_at_ms) o.add("opens_at_ms", [&](writer& x) { x.num(*s.opens_at_ms); });
  if (s.seats) o.add("seats", [&](writer& x) { x.num(*s.seats); });
  o.add("tie_break", [&](writer& x) { x.str(s.tie_break); });
  o.add("voters", [&](writer& x) { x.str(s.voters); });
  o.write(w);
}

void write_weights(writer& w, const record& r) {
  w.raw("{");
  for (std::size_t i = 0; i < r.weight_keys->size(); ++i) {
    if (i > 0) w.raw(",");
    w.key((*r.weight_keys)[i]).num(i < r.weight_values.size() ? r.weight_values[i] : 0);
  }
  w.raw("}");
}

}  // namespace

void encode_record(const record& r, bool with_digest, const byte_sink& sink) {
  writer w(sink);
  w.raw("{").key("ballots");
  write_ballots(w, r);
  w.raw(",").key("candidates").strings(r.candidates);
  w.raw(",").key("closed_at_ms").num(r.closed_at_ms);
  if (with_digest) w.raw(",").key("digest").str(r.digest);
  w.raw(",").key("election_id").str(r.election_id);
  w.raw(",").key("format").str(r.format);
  w.raw(",").key("result");
  write_result(w, r.result);
  w.raw(",").key("roll").strings(r.roll);
  w.raw(",").key("settings");
  write_settings(w, r.settings);
  w.raw(",").key("used").strings(r.used);
  if (r.weight_keys) {
    w.raw(",").key("weights");
    write_weights(w, r);
  }
  w.raw("}");
}

std::string canonical_ballot(const record& r, std::size_t i) {
  std::string out;
  {
    const byte_sink sink = [&out](std::string_view s) { out.append(s); };
    writer w(sink);
    write_ballot(w, r, r.ballots[i]);
  }
  return out;
}

std::string canonical_ballot(ballot_shape shape, const std::vector<std::string>& names,
                             const std::vector<std::uint64_t>& scores) {
  record r;
  r.add_ballot({.shape = shape}, names, scores);
  return canonical_ballot(r, 0);
}

void record::add_ballot(record_ballot b, const std::vector<std::string>& names,
                        const std::vector<std::uint64_t>& marks_scores) {
  b.first = static_cast<std::uint32_t>(marks.size());
  b.count = static_cast<std::uint32_t>(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto it = std::find(ballot_names.begin(), ballot_names.end(), names[k]);
    marks.push_back(static_cast<std::uint32_t>(it - ballot_names.begin()));
    if (it == ballot_names.end()) ballot_names.push_back(names[k]);
    scores.push_back(k < marks_scores.size() ? marks_scores[k] : 0);
  }
  ballots.push_back(std::move(b));
}

std::string encode_record(const record& r, bool with_digest) {
  std::string out;
  encode_record(r, with_digest, [&out](std::string_view s) { out.append(s); });
  return out;
}

}  // namespace vote::verify
