#include "vote/sim/clients.hpp"

#include <utility>

#include "vote/core/election.hpp"

namespace vote::sim {
namespace {

std::string status_name(op_status s) {
  switch (s) {
    case op_status::pending:
      return "pending";
    case op_status::ok:
      return "ok";
    case op_status::refused:
      return "refused";
    case op_status::unknown:
      return "unknown";
  }
  return "?";
}

}  // namespace

client_pool::client_pool(client_config cfg, std::string election_id)
    : cfg_(std::move(cfg)), election_id_(std::move(election_id)) {
  clients_.resize(cfg_.clients);
  for (std::size_t i = 0; i < clients_.size(); ++i) clients_[i].index = i;
}

std::string client_pool::register_payload(std::int64_t now_ms) const {
  register_cmd r{election_id_, cfg_.candidates, {}, tie_break::none};
  for (std::size_t v = 0; v < cfg_.voters; ++v) r.voters.push_back("v" + std::to_string(v));
  return encode_command(command{"reg-" + election_id_, now_ms, std::move(r)});
}

std::string client_pool::probe_payload(const std::string& election_id, std::int64_t now_ms) const {
  return encode_command(command{"reg-" + election_id, now_ms,
                                register_cmd{election_id, {"A"}, {"x"}, tie_break::none}});
}

std::string client_pool::payload(const work& w, std::int64_t now_ms) const {
  if (w.kind == op_kind::register_election) {
    return w.election_id == election_id_ ? register_payload(now_ms)
                                         : probe_payload(w.election_id, now_ms);
  }
  return encode_command(
      command{w.request_id, now_ms, vote_cmd{election_id_, w.voter, w.candidate}});
}

void client_pool::step(cluster& c, history& h, rng& random) {
  for (auto& cl : clients_) {
    if (cl.op) poll(cl, c, h, random);
    if (!cl.op && active_ && c.now() >= cl.next_ms) start(cl, c, h, random);
  }
}

void client_pool::poll(client& cl, cluster& c, history& h, rng& random) {
  const auto& op = h.at(*cl.op);
  if (op.status == op_status::pending) {
    if (c.now() < cl.deadline_ms) return;
    h.complete(op.id, op_status::unknown, c.now(), "client timeout");
  }
  const auto status = h.at(*cl.op).status;
  c.trace("client " + std::to_string(cl.index) + " <- " + status_name(status) + " " +
          h.at(*cl.op).request_id + " (" + h.at(*cl.op).detail + ")");
  cl.op.reset();
  cl.next_ms = c.now() + random.between(cfg_.think_min_ms, cfg_.think_max_ms);
  if (status == op_status::ok) {
    if (cl.job && cl.job->election_id == election_id_ &&
        cl.job->kind == op_kind::register_election) {
      registered_ = true;
    }
    cl.job.reset();
    return;
  }
  if (cl.job && cl.job->kind == op_kind::read) cl.job.reset();  // reads are not retried
  retarget(cl, c, random, status == op_status::refused);
}

void client_pool::retarget(client& cl, const cluster& c, rng& random, bool follow_hint) {
  const auto& n = c.node(cl.target);
  if (follow_hint && n.up() && random.chance(0.8)) {
    if (const auto s = c.slot_of(n.core->leader().id)) {
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
  if (!registered_) {
    if (cl.index != 0) return std::nullopt;
    return work{op_kind::register_election, election_id_, "reg-" + election_id_, "", ""};
  }
  if (random.chance(cfg_.read_chance)) return work{op_kind::read, election_id_, "", "", ""};
  if (next_voter_ >= cfg_.voters) {
    const auto probe = "p" + std::to_string(next_probe_++);
    return work{op_kind::register_election, probe, "reg-" + probe, "", ""};
  }
  const auto voter = "v" + std::to_string(next_voter_++);
  return work{op_kind::vote, election_id_, "req-" + voter, voter, random.pick(cfg_.candidates)};
}

void client_pool::start(client& cl, cluster& c, history& h, rng& random) {
  if (!cl.job) cl.job = next_job(cl, random);
  if (!cl.job) return;
  const auto& w = *cl.job;
  operation op;
  op.client = cl.index;
  op.kind = w.kind;
  op.request_id = w.request_id;
  op.voter = w.voter;
  op.candidate = w.candidate;
  op.node = c.node(cl.target).id;
  op.invoked_ms = c.now();
  c.trace("client " + std::to_string(cl.index) + " -> n" + std::to_string(op.node) + " " +
          (w.kind == op_kind::read ? std::string("read") : op.request_id) +
          (w.kind == op_kind::vote ? " for " + w.candidate : std::string()));
  const auto id = h.invoke(std::move(op));
  cl.op = id;
  cl.deadline_ms = c.now() + cfg_.timeout_ms;
  const auto result = w.kind == op_kind::read ? c.read(cl.target, id)
                                              : c.submit(cl.target, id, payload(w, c.now()));
  if (result == submit_result::down) h.complete(id, op_status::refused, c.now(), "no connection");
  if (result == submit_result::down || result == submit_result::not_leader) poll(cl, c, h, random);
}

}  // namespace vote::sim
