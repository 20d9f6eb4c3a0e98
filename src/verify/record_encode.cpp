// The canonical encoder of a parsed record (include/vote/verify/record.hpp): keys sorted by their
// UTF-8 bytes, no whitespace, integers in decimal, strings escaped as append_json_string() does.
#include <algorithm>
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

void write_ballots(writer& w, const std::vector<record_ballot>& ballots) {
  w.raw("[");
  for (std::size_t i = 0; i < ballots.size(); ++i) {
    const record_ballot& b = ballots[i];
    w.raw(i > 0 ? ",{" : "{").key("ballot").raw("{").key("candidate").str(b.candidate).raw("},");
    w.key("nonce").str(b.nonce).raw(",").key("tracker").str(b.tracker).raw("}");
  }
  w.raw("]");
}

void write_result(writer& w, const record_result& r) {
  w.raw("{").key("eligible_voters").num(r.eligible_voters).raw(",").key("tallies").raw("{");
  std::vector<std::size_t> order(r.tallies.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return r.tallies[a].first < r.tallies[b].first;
  });
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i > 0) w.raw(",");
    w.key(r.tallies[order[i]].first).num(r.tallies[order[i]].second);
  }
  w.raw("},").key("tie").boolean(r.tie).raw(",").key("tied").strings(r.tied).raw(",");
  w.key("votes_cast").num(r.votes_cast).raw(",").key("winner");
  if (r.winner) {
    w.str(*r.winner);
  } else {
    w.raw("null");
  }
  w.raw("}");
}

void write_settings(writer& w, const record_settings& s) {
  w.raw("{").key("live_results").boolean(s.live_results).raw(",");
  w.key("method").str(s.method).raw(",").key("tie_break").str(s.tie_break).raw(",");
  w.key("voters").str(s.voters).raw("}");
}

}  // namespace

void encode_record(const record& r, bool with_digest, const byte_sink& sink) {
  writer w(sink);
  w.raw("{").key("ballots");
  write_ballots(w, r.ballots);
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
  w.raw("}");
}

std::string encode_record(const record& r, bool with_digest) {
  std::string out;
  encode_record(r, with_digest, [&out](std::string_view s) { out.append(s); });
  return out;
}

}  // namespace vote::verify
