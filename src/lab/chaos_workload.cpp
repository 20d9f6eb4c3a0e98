// Recorded client threads of a chaos run (include/vote/lab/chaos.hpp, workload).
#include "vote/client/request_id.hpp"
#include "vote/lab/chaos.hpp"

namespace vote::lab {
namespace {

// How a call ended, for the history. not_sent is a refusal: no server ever held the bytes.
completion completion_of(const client::call_result& r) {
  switch (r.result) {
    case client::outcome::ok:
      return completion::ok;
    case client::outcome::refused:
    case client::outcome::not_sent:
      return completion::refused;
    case client::outcome::unknown:
      return completion::unknown;
  }
  return completion::unknown;
}

template <class T>
const T& pick(const std::vector<T>& from, std::mt19937_64& rng) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

}  // namespace

workload::workload(const netns_cluster& cluster, recorder& h, options o)
    : cluster_(cluster), history_(h), options_(std::move(o)) {
  for (std::size_t k = 0; k < options_.clients; ++k)
    threads_.emplace_back([this, k] { client_loop(k); });
}

workload::~workload() {
  stop();
}

void workload::stop() {
  stopping_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void workload::client_loop(std::size_t k) {
  try {
    enter_netns(cluster_.client_ns());
  } catch (const std::exception&) {
    return;  // no client namespace: the run records no operations and its checks say so
  }
  std::mt19937_64 rng(options_.seed * 1'000'003 + k);
  std::vector<std::string> mine;  // voters this client has voted for
  while (!stopping_) {
    const int roll = std::uniform_int_distribution<int>(0, 99)(rng);
    if (roll < 10) {
      read(k, rng);
    } else {
      vote(k, rng, mine);
    }
  }
}

void workload::vote(std::size_t k, std::mt19937_64& rng, std::vector<std::string>& mine) {
  // A fresh voter, or one of this client's earlier voters (always, once all are used up).
  const bool again = !mine.empty() && std::uniform_int_distribution<int>(0, 9)(rng) == 0;
  const auto fresh = again ? options_.voters : next_voter_++;
  std::string voter;
  if (fresh < options_.voters) {
    voter = "v" + std::to_string(fresh);
    mine.push_back(voter);
  } else if (!mine.empty()) {
    voter = pick(mine, rng);
  } else {
    voter = "v0";  // an election with fewer voters than clients: repeats from the start
  }
  operation op;
  op.client = k;
  op.type = op_type::vote;
  op.election_id = options_.election_id;
  op.voter = voter;
  op.candidate = pick(options_.candidates, rng);
  op.request_id = client::make_request_id();
  wire::client_request r;
  r.type = wire::request_type::vote;
  r.request_id = op.request_id;
  r.body = vote_cmd{op.election_id, op.voter, op.candidate};
  const auto opts = call_options(k, rng);
  const auto id = history_.invoke(op);
  const auto done = client::call(r, opts);
  history_.complete(id, completion_of(done), done.code);
}

void workload::read(std::size_t k, std::mt19937_64& rng) {
  operation op;
  op.client = k;
  op.type = op_type::read;
  op.election_id = options_.election_id;
  wire::client_request r;
  r.type = wire::request_type::results;
  r.election_id = options_.election_id;
  r.admin_token = cluster_.admin_token();
  const auto opts = call_options(k, rng);
  const auto id = history_.invoke(op);
  const auto done = client::call(r, opts);
  tally_map seen;
  if (done.ok() && done.response && done.response->result) {
    for (const auto& t : done.response->result->tallies) seen[t.candidate] = t.votes;
  }
  const auto status = done.ok() && done.response && done.response->result ? completion::ok
                      : done.ok()                                         ? completion::unknown
                                                                          : completion_of(done);
  history_.complete(id, status, done.code, std::move(seen));
}

client::call_options workload::call_options(std::size_t k, std::mt19937_64& rng) const {
  auto o = cluster_.client_options(options_.call_timeout);
  o.attempt_timeout =
      std::min<std::chrono::milliseconds>(options_.call_timeout, std::chrono::milliseconds(700));
  if (k % 2 == 1) {
    const auto ids = cluster_.ids();
    o.server = cluster_.endpoint(pick(ids, rng));
  }
  return o;
}

}  // namespace vote::lab
