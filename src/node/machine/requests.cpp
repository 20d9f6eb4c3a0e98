// The node machine: client requests (commands, reads, admin operations).
#include <algorithm>

#include "internal.hpp"

namespace vote::node {

namespace {

bool needs_admin(wire::request_type t) {
  switch (t) {
    case wire::request_type::register_election:
    case wire::request_type::close:
    case wire::request_type::results:
    case wire::request_type::remove_member:
    case wire::request_type::transfer_leadership:
    case wire::request_type::force_new_cluster:
    case wire::request_type::add_voters:
    case wire::request_type::extend:
    case wire::request_type::elections:
      return true;
    default:
      return false;
  }
}

}  // namespace

void node_machine::on_request(std::string_view payload, const wire::request_origin& origin,
                              wire::reply_fn reply) {
  const bool done = survive("a request from " + origin.remote_address,
                            [&] { take_request(payload, origin, reply); });
  if (!done && reply) reply(encode_error({}, errc::internal, "Error: internal error; retry."));
}

void node_machine::take_request(std::string_view payload, const wire::request_origin& origin,
                                wire::reply_fn& reply) {
  auto decoded = wire::decode_request(payload, state_.bounds());
  if (auto* err = std::get_if<wire::decode_error>(&decoded)) {
    reply(encode_error({}, err->code, "Error: " + err->message));
    return;
  }
  serve(std::get<wire::client_request>(decoded), origin, reply);
}

void node_machine::serve(const wire::client_request& req, const wire::request_origin& origin,
                         wire::reply_fn& reply) {
  if (req.type == wire::request_type::status) {
    wire::client_response r;
    r.message = "ok";
    r.status = status();
    return reply(wire::encode_response(r));
  }
  if (req.type == wire::request_type::cluster_status) {
    wire::client_response r;
    r.message = "ok";
    r.cluster = cluster_view();
    return reply(wire::encode_response(r));
  }
  if (req.type == wire::request_type::record) return serve_record(req, reply);
  if (needs_admin(req.type)) {
    auto verdict = admin_.authorize(req.admin_token, origin);
    if (!verdict.ok()) return reply(encode_outcome(req.request_id, verdict));
  }
  switch (req.type) {
    case wire::request_type::results:
    case wire::request_type::elections:
    case wire::request_type::election:
      return serve_results(req, reply);
    case wire::request_type::remove_member:
    case wire::request_type::transfer_leadership:
    case wire::request_type::force_new_cluster:
      return serve_admin(req, reply);
    default:
      return serve_command(req, reply);
  }
}

// Only a serving leader proposes; everyone else points at the leader or says why it cannot.
bool node_machine::refuse_unless_leader(const std::string& request_id,
                                        wire::reply_fn& reply) const {
  if (stop_requested_) {
    reply(encode_error(request_id, errc::unavailable,
                       "Error: this server is shutting down; retry (the client finds the "
                       "leader)."));
    return true;
  }
  if (core_.role() == consensus::role::leader) return false;
  const auto leader = core_.leader();
  if (core_.role() == consensus::role::follower && core_.sticky() && leader.id != 0 &&
      leader.id != settings_.id && !leader.endpoint.empty()) {
    reply(encode_error(request_id, errc::not_leader,
                       "Error: this server is not the leader; the leader is node " +
                           std::to_string(leader.id) + " at " + leader.endpoint,
                       leader.endpoint));
    return true;
  }
  if (core_.role() == consensus::role::candidate) {
    reply(encode_error(request_id, errc::unavailable,
                       "Error: a leader election is in progress; retry."));
    return true;
  }
  if (auto waiting = forming()) {
    reply(encode_error(request_id, errc::unavailable, "Error: forming: " + *waiting + "; retry."));
    return true;
  }
  const auto& c = core_.configuration();
  reply(encode_error(request_id, errc::no_quorum,
                     "Error: no quorum: this server knows no leader and cannot reach a majority "
                     "of the cluster's " +
                         std::to_string(c.voters.size()) +
                         " voting members; the request was not applied here."));
  return true;
}

// What a server that is not (yet) a voting member of a formed cluster waits for (DESIGN.md §4):
// the servers of --bootstrap-expect, the promises of a cluster it proposed, or its leader adding
// it. nullopt once it is a voter: then a missing leader is an election or a lost quorum.
std::optional<std::string> node_machine::forming() const {
  const auto& c = core_.configuration();
  if (c.is_voter(settings_.id)) return std::nullopt;
  if (!core_.cluster_uuid().empty()) {
    if (bootstrapping_) return "proposed a new cluster; waiting for its members to accept";
    return "joining cluster " + core_.cluster_uuid() +
           "; waiting for its leader to add this server and copy the state to it";
  }
  std::size_t heard = 1;
  for (const auto& [id, seen] : peers_) {
    const bool fresh = now() - seen.at < silent_after_hellos * settings_.hello_interval;
    if (fresh && seen.hello.cluster_uuid.empty()) ++heard;
  }
  if (heard < settings_.bootstrap_expect) {
    const auto missing = settings_.bootstrap_expect - heard;
    return "waiting for " + std::to_string(missing) + " more server" + (missing == 1 ? "" : "s") +
           " to form a cluster (--bootstrap-expect " + std::to_string(settings_.bootstrap_expect) +
           ", " + std::to_string(heard) + " heard, this one included)";
  }
  return "waiting to form a cluster with the " + std::to_string(heard) + " servers heard";
}

// Only a command that may change the state costs a log entry (docs/state-machine.md "Which
// refusals are logged"): one the applied state settles for good is answered at once; one it
// settles only for now waits for a read index, so that an entry committed before the request
// arrived (a register, a close) is applied before the answer.
void node_machine::serve_command(const wire::client_request& req, wire::reply_fn& reply) {
  command cmd{req.request_id, 0, *req.body};
  auto shape = check_command(cmd, state_.bounds());
  if (!shape.ok()) return reply(encode_outcome(req.request_id, shape));
  if (refuse_unless_leader(req.request_id, reply)) return;
  // A vote is judged on the stamp it would get now (its entry's will be no earlier), so that a
  // vote before the opening or after the deadline is refused alike for every voter id.
  if (std::holds_alternative<vote_cmd>(cmd.body)) cmd.timestamp_ms = peek_timestamp();
  judgement verdict = state_.judge(cmd);
  switch (verdict.how) {
    case settled::forever:
      return reply(encode_outcome(req.request_id, verdict.answer));
    case settled::now:
      return confirm_then_answer(std::move(cmd), reply);
    case settled::no:
      return propose_command(std::move(cmd), reply);
  }
}

void node_machine::confirm_then_answer(command cmd, wire::reply_fn& reply) {
  auto id = core_.read_barrier();
  if (!id) {
    return reply(encode_error(cmd.request_id, errc::unavailable,
                              "Error: leadership is being handed over; retry."));
  }
  std::string request_id = cmd.request_id;
  reads_[*id] = pending_read{std::move(request_id), {}, 0, std::move(reply), std::move(cmd)};
  pump_soon();
}

// The read index is applied: the state now holds everything committed before the request came.
void node_machine::answer_judged(command cmd, wire::reply_fn& reply) {
  judgement verdict = state_.judge(cmd);
  if (verdict.how != settled::no) return reply(encode_outcome(cmd.request_id, verdict.answer));
  // An entry committed meanwhile changed the answer (the election was registered): log it.
  if (refuse_unless_leader(cmd.request_id, reply)) return;
  propose_command(std::move(cmd), reply);
}

void node_machine::propose_command(command cmd, wire::reply_fn& reply) {
  cmd.timestamp_ms = next_timestamp();
  auto id = core_.propose(entry_kind::command, encode_command(cmd));
  if (!id) {
    return reply(encode_error(cmd.request_id, errc::unavailable,
                              "Error: leadership is being handed over; retry."));
  }
  std::string request_id = cmd.request_id;
  pending_[id->index] =
      pending_proposal{id->epoch, std::move(request_id), std::move(reply), std::move(cmd)};
  pump_soon();
}

void node_machine::serve_results(const wire::client_request& req, wire::reply_fn& reply) {
  if (req.local) {  // this server's applied state, possibly stale (operators, checkers)
    return reply(read_reply(state_, req.type, req.request_id, req.election_id, fx_.unix_now_ms()));
  }
  if (refuse_unless_leader(req.request_id, reply)) return;
  auto id = core_.read_barrier();
  if (!id) {
    return reply(encode_error(req.request_id, errc::unavailable,
                              "Error: leadership is being handed over; retry."));
  }
  reads_[*id] =
      pending_read{req.request_id, req.election_id, 0, std::move(reply), std::nullopt, req.type};
  pump_soon();
}

// The leader closes every election whose deadline its clock has passed (DESIGN.md §11): a close
// entry marked at_deadline, which applies only if the entry's timestamp is past the deadline.
// Another leader may propose it again; the first close applied is the only one that counts.
void node_machine::propose_due_closes() {
  if (core_.role() != consensus::role::leader || stop_requested_ || frozen_) return;
  if (now() < next_deadline_check_) return;
  next_deadline_check_ = now() + milliseconds(100);
  for (const std::string& id : state_.due_closes(peek_timestamp())) {
    auto [it, fresh] = deadline_proposed_.try_emplace(id, now());
    if (!fresh && now() - it->second < milliseconds(2000)) continue;
    it->second = now();
    command cmd{"", 0, close_cmd{id, true}};
    cmd.timestamp_ms = next_timestamp();
    if (core_.propose(entry_kind::command, encode_command(cmd))) {
      note(note_level::info, "election " + id + " reached its deadline: close proposed");
    }
  }
  std::erase_if(deadline_proposed_, [this](const auto& p) {
    const auto r = state_.published_result_of(p.first);
    return !r || r->closed;
  });
  pump_soon();
}

// Public: any server that applied the close answers from its applied state (a closed election's
// record is the same on every replica, docs/record.md).
void node_machine::serve_record(const wire::client_request& req, wire::reply_fn& reply) {
  constexpr std::size_t kept = 2;
  auto cached = std::find_if(records_.begin(), records_.end(),
                             [&](const auto& r) { return r.first == req.election_id; });
  std::shared_ptr<const std::string> bytes;
  if (cached != records_.end()) {
    bytes = cached->second;
  } else {
    auto answer = state_.record_of(req.election_id);
    if (!answer.known) {
      return reply(encode_error({}, errc::unknown_election,
                                "Error: Election id " + req.election_id + " unknown"));
    }
    if (!answer.bytes) {
      return reply(encode_error({}, errc::election_open,
                                "Error: Election " + req.election_id +
                                    " is still open: its record is published when it closes."));
    }
    bytes = std::make_shared<const std::string>(std::move(*answer.bytes));
    records_.emplace_front(req.election_id, bytes);
    if (records_.size() > kept) records_.pop_back();
  }
  // A chunk starts and ends between UTF-8 characters (the data travels as a JSON string).
  const auto continuation = [&](std::size_t at) {
    return at < bytes->size() && (static_cast<unsigned char>((*bytes)[at]) & 0xC0) == 0x80;
  };
  if (req.offset > bytes->size() || continuation(static_cast<std::size_t>(req.offset))) {
    return reply(encode_error({}, errc::bad_request,
                              "Error: offset " + std::to_string(req.offset) +
                                  " is not a character boundary of the " +
                                  std::to_string(bytes->size()) + "-byte record."));
  }
  const auto begin = static_cast<std::size_t>(req.offset);
  std::size_t end = std::min(bytes->size(), begin + wire::record_chunk_bytes);
  while (end > begin && continuation(end)) --end;
  wire::client_response r;
  r.message = "ok";
  r.record = wire::record_chunk{.total_bytes = bytes->size(),
                                .offset = req.offset,
                                .data = bytes->substr(begin, end - begin)};
  reply(wire::encode_response(r));
}

void node_machine::serve_admin(const wire::client_request& req, wire::reply_fn& reply) {
  const auto target = std::to_string(req.node_id);
  if (req.type == wire::request_type::force_new_cluster) {
    note(note_level::warn,
         "FORCE NEW CLUSTER requested: becoming the only voter of a new configuration built "
         "from this server's log");
    core_.force_new_cluster();
    pump_soon();
    return reply(encode_outcome(
        req.request_id,
        outcome{errc::ok,
                "This server now forms a new cluster alone from its own log. Start the other "
                "servers with empty data directories so they join it.",
                std::nullopt}));
  }
  if (refuse_unless_leader(req.request_id, reply)) return;
  if (req.type == wire::request_type::transfer_leadership && req.node_id == settings_.id) {
    return reply(encode_outcome(req.request_id, outcome{errc::ok,
                                                        "node " + target +
                                                            " leads "
                                                            "already",
                                                        std::nullopt}));
  }
  errc code = errc::ok;
  std::string message;
  if (req.type == wire::request_type::remove_member) {
    if (!core_.configuration().is_member(req.node_id)) {
      return reply(encode_error(req.request_id, errc::bad_request,
                                "Error: node " + target + " is not a member of this cluster"));
    }
    code = core_.remove_member(req.node_id);
    message = "removal of node " + target + " proposed";
  } else {
    code = core_.transfer_leadership(req.node_id) ? errc::ok : errc::unavailable;
    message = req.node_id == 0 ? "handing leadership to the highest caught-up member"
                               : "handing leadership to node " + target;
  }
  pump_soon();
  if (code == errc::unavailable) {
    message = req.type == wire::request_type::remove_member
                  ? "Error: another membership change is still being committed; retry."
                  : "Error: no such caught-up voting member to hand leadership to now; retry.";
  } else if (code != errc::ok) {
    message = "Error: cannot remove node " + target + " (" + std::string(to_string(code)) + ")";
  }
  note(note_level::info, "admin " + std::string(wire::to_string(req.type)) + ": " + message);
  reply(encode_outcome(req.request_id, outcome{code, message, std::nullopt}));
}

// The wall clock, but never below a stamp given or applied, also one known only from a snapshot
// (recovery, install): entry timestamps never go backwards (DESIGN.md §5.5).
std::int64_t node_machine::peek_timestamp() const {
  return std::max({fx_.unix_now_ms(), last_timestamp_ms_, state_.last_timestamp_ms()});
}

std::int64_t node_machine::next_timestamp() {
  last_timestamp_ms_ = peek_timestamp();
  return last_timestamp_ms_;
}

}  // namespace vote::node
