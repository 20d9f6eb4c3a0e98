// An honest record of any size (include/vote/verify/test_record.hpp).
#include "vote/verify/test_record.hpp"

#include <algorithm>
#include <string>

#include "vote/verify/codes.hpp"
#include "vote/verify/count.hpp"
#include "vote/verify/verify.hpp"

namespace vote::verify {

record make_test_record(std::size_t ballots) {
  record r;
  r.election_id = "bench";
  r.format = "vote-record/1";
  r.candidates = {"Alice", "Bob", "Carol"};
  r.closed_at_ms = 1764800000000;
  r.settings = {
      .live_results = false, .method = "plurality", .tie_break = "none", .voters = "codes"};
  sha256 h;
  const std::size_t roll_size = ballots + ballots / 10 + 1;
  std::vector<std::string> roll;
  roll.reserve(roll_size);
  for (std::size_t i = 0; i < roll_size; ++i) {
    h.update("code " + std::to_string(i));
    const sha256_digest d = h.finish();
    roll.push_back(public_credential(r.election_id, base32(d.data(), 10)));
  }
  // The first `ballots` credentials voted; then everything is sorted.
  std::vector<std::string> used(roll.begin(), roll.begin() + static_cast<std::ptrdiff_t>(ballots));
  std::sort(roll.begin(), roll.end());
  std::sort(used.begin(), used.end());
  for (const auto& s : roll) r.roll.push_back(s);
  for (const auto& s : used) r.used.push_back(s);
  tracker_maker make;
  r.ballots.reserve(ballots);
  for (std::size_t i = 0; i < ballots; ++i) {
    h.update("nonce " + std::to_string(i));
    const sha256_digest d = h.finish();
    record_ballot b;
    b.nonce = hex(d.data(), 16);
    const std::string& candidate = r.candidates[d[31] % 3 == 0 ? 0 : (d[30] % 2 == 0 ? 1 : 2)];
    b.tracker = make(r.election_id, b.nonce, canonical_plurality_ballot(candidate));
    r.add_ballot(std::move(b), {candidate});
  }
  // Sorted by tracker: the marks move with their lines (one mark each).
  std::vector<std::size_t> order(r.ballots.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&r](std::size_t a, std::size_t b) {
    return r.ballots[a].tracker < r.ballots[b].tracker;
  });
  std::vector<record_ballot> lines;
  std::vector<std::uint32_t> marks;
  lines.reserve(order.size());
  marks.reserve(order.size());
  for (const std::size_t i : order) {
    lines.push_back(std::move(r.ballots[i]));
    marks.push_back(r.marks[lines.back().first]);
    lines.back().first = static_cast<std::uint32_t>(marks.size() - 1);
  }
  r.ballots = std::move(lines);
  r.marks = std::move(marks);
  const summary s = recount(r);
  r.result = {.eligible_voters = r.roll.size(),
              .tallies = s.tallies,
              .tie = s.tie,
              .tied = s.tied,
              .votes_cast = r.ballots.size(),
              .winner = s.winner};
  encode_record(r, false, [&h](std::string_view piece) { h.update(piece); });
  r.digest = hex(h.finish());
  return r;
}

void write_test_record(std::size_t ballots, const byte_sink& sink) {
  encode_record(make_test_record(ballots), true, sink);
}

}  // namespace vote::verify

namespace vote::verify {
namespace {

std::vector<std::string> names_of(const record& r, const std::vector<std::uint32_t>& l) {
  std::vector<std::string> out;
  for (const std::uint32_t c : l) out.push_back(r.candidates[c]);
  return out;
}

record_count count_of(const record& r, const count_result& c, const std::string& method) {
  record_count out{.total_weight = c.total_weight};
  if (method == "stv") {
    out.quota = c.quota;
    out.scale = stv_scale;
  }
  if (!c.rounds.empty()) {
    out.rounds.emplace();
    for (const count_round& x : c.rounds) {
      record_round round{.elected = names_of(r, x.elected),
                         .eliminated = names_of(r, x.eliminated),
                         .exhausted = x.exhausted,
                         .totals = x.totals};
      if (!x.transferred.empty()) round.transferred = names_of(r, x.transferred);
      if (!x.tied.empty()) {
        round.tied = names_of(r, x.tied);
        round.tie_note = x.tie_note;
      }
      out.rounds->push_back(std::move(round));
    }
  }
  if (!c.pairwise.empty()) {
    out.pairwise = c.pairwise;
    out.strongest = c.strongest;
  }
  return out;
}

}  // namespace

void seal_test_record(record& r) {
  sha256 h;
  encode_record(r, false, [&h](std::string_view piece) { h.update(piece); });
  r.digest = hex(h.finish());
}

record make_test_record(const test_election& e) {
  record r;
  r.election_id = e.id;
  r.format = e.format_2 ? "vote-record/2" : "vote-record/1";
  r.candidates = e.candidates;
  r.closed_at_ms = 1764800000000;
  r.settings = {
      .live_results = false, .method = e.method, .tie_break = e.tie_break, .voters = "ids"};
  if (e.format_2) {
    r.settings.close_when_all_voted = false;
    r.settings.closes_at_ms = 0;
    r.settings.max_score = e.max_score;
    r.settings.opens_at_ms = 0;
    r.settings.seats = e.seats;
  }
  const auto method = method_from_string(e.method).value_or(count_method::plurality);
  const ballot_shape shape = method == count_method::plurality  ? ballot_shape::candidate
                             : method == count_method::approval ? ballot_shape::approve
                             : is_scored(method)                ? ballot_shape::scores
                                                                : ballot_shape::rank;
  std::vector<std::string> roll;
  std::vector<std::pair<std::string, std::uint64_t>> weights;
  const auto voter = [](std::size_t i) {
    std::string n = std::to_string(i + 1);
    return "v" + std::string(n.size() < 4 ? 4 - n.size() : 0, '0') + n;
  };
  tracker_maker make;
  record unsorted;
  for (std::size_t i = 0; i < e.ballots.size(); ++i) {
    const test_ballot& t = e.ballots[i];
    roll.push_back(voter(i));
    if (t.weight != 1) weights.emplace_back(roll.back(), t.weight);
    std::vector<std::size_t> order(t.names.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    if (shape == ballot_shape::approve || shape == ballot_shape::scores) {
      std::sort(order.begin(), order.end(),
                [&](std::size_t x, std::size_t y) { return t.names[x] < t.names[y]; });
    }
    std::vector<std::string> names;
    std::vector<std::uint64_t> scores;
    for (const std::size_t k : order) {
      names.push_back(t.names[k]);
      scores.push_back(k < t.scores.size() ? t.scores[k] : 0);
    }
    record_ballot b{.nonce = hex(sha256::of(e.id + " nonce " + std::to_string(i)).data(), 16),
                    .shape = shape,
                    .weighted = t.weight != 1,
                    .weight = t.weight};
    b.tracker = make(r.election_id, b.nonce, canonical_ballot(shape, names, scores));
    unsorted.add_ballot(std::move(b), names, scores);
  }
  for (std::size_t i = 0; i < e.abstainers; ++i) roll.push_back(voter(e.ballots.size() + i));
  // Every voter but the abstainers voted; sorted lines by tracker.
  std::vector<std::size_t> by_tracker(unsorted.ballots.size());
  for (std::size_t i = 0; i < by_tracker.size(); ++i) by_tracker[i] = i;
  std::sort(by_tracker.begin(), by_tracker.end(), [&](std::size_t x, std::size_t y) {
    return unsorted.ballots[x].tracker < unsorted.ballots[y].tracker;
  });
  for (const std::size_t i : by_tracker) {
    const record_ballot& b = unsorted.ballots[i];
    std::vector<std::string> names;
    std::vector<std::uint64_t> scores;
    for (std::size_t k = b.first; k < std::size_t{b.first} + b.count; ++k) {
      names.push_back(unsorted.ballot_names[unsorted.marks[k]]);
      scores.push_back(unsorted.scores[k]);
    }
    r.add_ballot(b, names, shape == ballot_shape::scores ? scores : std::vector<std::uint64_t>{});
  }
  std::vector<std::string> used(roll.begin(),
                                roll.begin() + static_cast<std::ptrdiff_t>(e.ballots.size()));
  std::sort(roll.begin(), roll.end());
  std::sort(used.begin(), used.end());
  std::sort(weights.begin(), weights.end());
  for (const auto& s : roll) r.roll.push_back(s);
  for (const auto& s : used) r.used.push_back(s);
  if (e.format_2) {
    r.weight_keys.emplace();
    for (const auto& [k, w] : weights) {
      r.weight_keys->push_back(k);
      r.weight_values.push_back(w);
    }
  }
  const summary s = recount(r);
  r.result = {.eligible_voters = r.roll.size(),
              .tallies = s.tallies,
              .tie = s.tie,
              .tied = s.tied,
              .votes_cast = r.ballots.size(),
              .winner = s.winner};
  if (e.format_2) {
    r.result.winners = s.winners;
    if (method != count_method::plurality && s.count) {
      r.result.count = count_of(r, *s.count, e.method);
    }
  }
  seal_test_record(r);
  return r;
}

}  // namespace vote::verify
