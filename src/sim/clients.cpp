#include "vote/sim/clients.hpp"

#include <utility>

#include "vote/core/election.hpp"
#include "vote/wire/messages.hpp"

namespace vote::sim {

client_pool::client_pool(client_config cfg, std::string election_id, std::string admin_token)
    : cfg_(std::move(cfg)),
      election_id_(std::move(election_id)),
      admin_token_(std::move(admin_token)) {
  clients_.resize(cfg_.clients);
  for (std::size_t i = 0; i < clients_.size(); ++i) clients_[i].index = i;
}

std::string client_pool::payload(const work& w) const {
  wire::client_request r;
  r.request_id = w.request_id;
  switch (w.type) {
    case history::op_type::register_election: {
      r.type = wire::request_type::register_election;
      r.admin_token = admin_token_;
      register_cmd reg{w.election_id, {"A"}, {"x"}, tie_break::none};
      reg.live_results = true;  // the clients read tallies of open elections
      if (w.election_id == election_id_) {
        reg.candidates = cfg_.candidates;
        reg.voters.clear();
        for (std::size_t v = 0; v < cfg_.voters; ++v) reg.voters.push_back("v" + std::to_string(v));
      }
      if (w.election_id == deadline_election) {
        reg.candidates = cfg_.candidates;
        reg.voters.clear();
        for (std::size_t v = 0; v < cfg_.voters; ++v) reg.voters.push_back("d" + std::to_string(v));
        reg.closes_at_ms = sim_unix_epoch_ms + cfg_.deadline_ms;
      }
      r.body = std::move(reg);
      break;
    }
    case history::op_type::vote:
      r.type = wire::request_type::vote;
      r.body = vote_cmd{w.election_id, w.voter, w.candidate};
      break;
    case history::op_type::read:
      r.type = wire::request_type::results;
      r.request_id.clear();
      r.election_id = w.election_id;
      r.admin_token = admin_token_;
      break;
  }
  return wire::encode_request(r);
}

void client_pool::step(cluster& c, history::recorder& h, rng& random) {
  for (auto& cl : clients_) {
    if (cl.op) poll(cl, c, h, random);
    if (!cl.op && active_ && c.now() >= cl.next_ms) start(cl, c, h, random);
  }
}

void client_pool::poll(client& cl, cluster& c, history::recorder& h, rng& random) {
  auto op = h.at(*cl.op);
  if (op.status == history::completion::pending) {
    if (c.now() < cl.deadline_ms) return;
    h.complete(op.id, history::completion::unknown, errc::timeout, {}, "client timeout");
    op = h.at(*cl.op);
  }
  c.trace("client " + std::to_string(cl.index) + " <- " +
          std::string(history::to_string(op.status)) + " " + op.request_id + " (" + op.detail +
          ")");
  cl.op.reset();
  cl.next_ms = c.now() + random.between(cfg_.think_min_ms, cfg_.think_max_ms);
  if (op.status == history::completion::ok) {
    if (cl.job && cl.job->election_id == election_id_ &&
        cl.job->type == history::op_type::register_election) {
      registered_ = true;
    }
    if (cl.job && cl.job->election_id == deadline_election &&
        cl.job->type == history::op_type::register_election) {
      deadline_registered_ = true;
    }
    cl.job.reset();
    return;
  }
  if (cl.job && cl.job->type == history::op_type::read) cl.job.reset();  // reads: not retried
  // Past the deadline a vote is refused for good: not retried.
  if (cl.job && op.status == history::completion::refused &&
      (op.code == errc::election_closed || op.code == errc::election_exists)) {
    if (cl.job->election_id == deadline_election) deadline_registered_ = true;
    cl.job.reset();
  }
  retarget(cl, c, random, op.status == history::completion::refused);
}

void client_pool::retarget(client& cl, const cluster& c, rng& random, bool follow_hint) {
  const auto& n = c.node(cl.target);
  if (follow_hint && n.up() && random.chance(0.8)) {
    if (const auto s = c.slot_of(n.core().leader().id)) {
      cl.target = *s;
      return;
    }
  }
  std::vector<std::size_t> started;
  for (std::size_t s = 0; s < c.slots(); ++s) {
    if (c.node(s).lifetimes > 0) started.push_back(s);
  }
  if (!started.empty()) cl.target = random.pick(started);
}

std::optional<client_pool::work> client_pool::next_job(const client& cl, rng& random) {
  using history::op_type;
  if (!registered_) {
    if (cl.index != 0) return std::nullopt;
    return work{op_type::register_election, election_id_, "reg-" + election_id_, "", ""};
  }
  if (random.chance(cfg_.read_chance)) return work{op_type::read, election_id_, "", "", ""};
  if (cfg_.deadline_ms != 0 && !deadline_registered_ && cl.index == 1 % cfg_.clients) {
    return work{op_type::register_election, deadline_election, "reg-d1", "", ""};
  }
  if (deadline_registered_ && next_deadline_voter_ < cfg_.voters && random.chance(0.4)) {
    const auto voter = "d" + std::to_string(next_deadline_voter_++);
    return work{op_type::vote, deadline_election, "req-" + voter, voter,
                random.pick(cfg_.candidates)};
  }
  if (next_voter_ >= cfg_.voters) {
    const auto probe = "p" + std::to_string(next_probe_++);
    return work{op_type::register_election, probe, "reg-" + probe, "", ""};
  }
  const auto n = next_voter_++;
  const auto voter = "v" + std::to_string(n);
  const auto request_id = cfg_.shared_request_ids ? "req-" + std::to_string(n % 4) : "req-" + voter;
  return work{op_type::vote, election_id_, request_id, voter, random.pick(cfg_.candidates)};
}

void client_pool::start(client& cl, cluster& c, history::recorder& h, rng& random) {
  if (!cl.job) cl.job = next_job(cl, random);
  if (!cl.job) return;
  const auto& w = *cl.job;
  history::operation op;
  op.client = cl.index;
  op.type = w.type;
  op.election_id = w.election_id;
  op.request_id = w.request_id;
  op.voter = w.voter;
  op.candidate = w.candidate;
  op.node = c.node(cl.target).id;
  c.trace(
      "client " + std::to_string(cl.index) + " -> n" + std::to_string(op.node) + " " +
      (w.type == history::op_type::read ? std::string("read") : op.request_id) +
      (w.type == history::op_type::vote ? " " + w.voter + " for " + w.candidate : std::string()));
  const auto id = h.invoke(std::move(op));
  cl.op = id;
  cl.deadline_ms = c.now() + cfg_.timeout_ms;
  c.submit(cl.target, id, payload(w));
  if (h.at(id).status != history::completion::pending) poll(cl, c, h, random);
}

}  // namespace vote::sim
