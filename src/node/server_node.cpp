#include "vote/node/server_node.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <chrono>

namespace vote::node {

namespace asio = boost::asio;

namespace {

std::string encode(std::string request_id, const outcome& o) {
  wire::client_response r;
  r.request_id = std::move(request_id);
  r.code = o.code;
  r.message = o.message;
  r.result = o.result;
  return wire::encode_response(r);
}

std::string encode_error(std::string request_id, errc code, std::string message) {
  return encode(std::move(request_id), outcome{code, std::move(message), std::nullopt});
}

bool is_admin_request(wire::request_type t) {
  return t == wire::request_type::register_election || t == wire::request_type::close ||
         t == wire::request_type::results;
}

}  // namespace

server_node::server_node(asio::io_context& io, node_identity_view self, std::uint64_t epoch,
                         recovered_state recovered, admin_policy admin, log_writer& writer,
                         std::uint64_t snapshot_every)
    : io_(io),
      self_(std::move(self)),
      epoch_(epoch),
      state_(std::move(recovered.state)),
      admin_(std::move(admin)),
      writer_(writer),
      snapshot_every_(snapshot_every),
      last_index_(recovered.last_index),
      applied_index_(recovered.last_index),
      applied_epoch_(recovered.last_epoch),
      snapshot_index_(recovered.snapshot_index),
      last_timestamp_ms_(recovered.last_timestamp_ms) {}

void server_node::start() {
  serving_ = true;
  append_entry(entry_kind::epoch_start, {}, std::nullopt, nullptr);
  spdlog::info("node={} epoch={} role=leader members=[{}]", self_.id, epoch_, self_.id);
}

void server_node::drain(std::function<void()> done) {
  serving_ = false;
  drained_ = std::move(done);
  maybe_finish_drain();
}

void server_node::on_request(std::string payload, const net::request_origin& origin,
                             net::reply_fn reply) {
  auto decoded = wire::decode_request(payload, state_.bounds());
  if (auto* err = std::get_if<wire::decode_error>(&decoded)) {
    reply(encode_error({}, err->code, "Error: " + err->message));
    return;
  }
  const auto& req = std::get<wire::client_request>(decoded);
  if (!serving_) {
    reply(
        encode_error(req.request_id, errc::unavailable,
                     "Error: this server is shutting down; retry (the client finds the leader)."));
    return;
  }
  serve(req, origin, reply);
}

void server_node::serve(const wire::client_request& req, const net::request_origin& origin,
                        net::reply_fn& reply) {
  if (req.type == wire::request_type::status) {
    wire::client_response r;
    r.message = "ok";
    r.status = status();
    reply(wire::encode_response(r));
    return;
  }
  if (is_admin_request(req.type)) {
    auto verdict = admin_.authorize(req.admin_token, origin.same_host);
    if (!verdict.ok()) return reply(encode(req.request_id, verdict));
  }
  if (req.type == wire::request_type::results) {
    // One member: everything applied is durable and acknowledged, so the applied state is a
    // linearizable read.
    auto result = state_.result_of(req.election_id);
    if (!result)
      return reply(encode_error(req.request_id, errc::unknown_election,
                                "Error: Election id " + req.election_id + " unknown"));
    return reply(encode(req.request_id, outcome{errc::ok, "ok", std::move(result)}));
  }
  command cmd{req.request_id, 0, *req.body};
  auto shape = check_command(cmd, state_.bounds());
  if (!shape.ok()) return reply(encode(req.request_id, shape));
  propose(std::move(cmd), std::move(reply));
}

void server_node::propose(command cmd, net::reply_fn reply) {
  cmd.timestamp_ms = next_timestamp();
  std::string payload = encode_command(cmd);
  append_entry(entry_kind::command, std::move(payload), std::move(cmd), std::move(reply));
}

void server_node::append_entry(entry_kind kind, std::string payload, std::optional<command> cmd,
                               net::reply_fn reply) {
  log_entry e{++last_index_, epoch_, kind, std::move(payload)};
  pending_.push_back({e.index, std::move(cmd), std::move(reply)});
  batch_.push_back(std::move(e));
  schedule_flush();
}

// The flush runs after every handler already queued in this turn, so they share the batch.
void server_node::schedule_flush() {
  if (flush_scheduled_ || write_in_flight_) return;
  flush_scheduled_ = true;
  asio::post(io_, [this] { flush(); });
}

void server_node::flush() {
  flush_scheduled_ = false;
  if (write_in_flight_ || batch_.empty()) return;
  write_in_flight_ = true;
  const std::uint64_t durable = batch_.back().index;
  std::vector<log_entry> batch;
  batch.swap(batch_);
  // Persist first; apply and reply only once the writer says the batch is durable.
  writer_.append(std::move(batch), [this, durable] { on_durable(durable); });
}

void server_node::on_durable(std::uint64_t durable_index) {
  write_in_flight_ = false;
  // Apply in log order, then reply. One member: durable == committed.
  while (!pending_.empty() && pending_.front().index <= durable_index) {
    auto p = std::move(pending_.front());
    pending_.pop_front();
    applied_index_ = p.index;
    applied_epoch_ = epoch_;
    if (!p.cmd) continue;
    auto result = state_.apply(*p.cmd);
    if (p.reply) p.reply(encode(p.cmd->request_id, result));
  }
  if (!batch_.empty()) flush();  // what arrived during the sync goes out at once
  maybe_snapshot();
  maybe_finish_drain();
}

void server_node::maybe_snapshot() {
  if (snapshot_every_ == 0 || snapshot_in_flight_ ||
      applied_index_ - snapshot_index_ < snapshot_every_)
    return;
  snapshot_in_flight_ = true;
  storage::snapshot_meta meta;
  meta.last_index = applied_index_;
  meta.last_epoch = applied_epoch_;
  const auto index = applied_index_;
  spdlog::info("node={} snapshot at index={}", self_.id, index);
  writer_.snapshot(std::move(meta), state_.snapshot(), [this, index] {
    snapshot_in_flight_ = false;
    snapshot_index_ = index;
    maybe_finish_drain();
  });
}

void server_node::maybe_finish_drain() {
  if (!drained_ || serving_ || write_in_flight_ || snapshot_in_flight_) return;
  if (!batch_.empty()) return flush();
  auto done = std::move(drained_);
  drained_ = nullptr;
  done();
}

std::int64_t server_node::next_timestamp() {
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  last_timestamp_ms_ = std::max<std::int64_t>(now, last_timestamp_ms_);
  return last_timestamp_ms_;
}

std::optional<wire::leader_is> server_node::leader_info() const {
  if (!serving_) return std::nullopt;
  wire::leader_is answer;
  answer.cluster = self_.cluster;
  answer.cluster_uuid = self_.cluster_uuid;
  answer.leader_id = self_.id;
  answer.leader_endpoint = self_.endpoint;
  answer.epoch = epoch_;
  return answer;
}

wire::server_status server_node::status() const {
  wire::server_status s;
  s.node_id = self_.id;
  s.role = serving_ ? "leader" : "follower";
  s.endpoint = self_.endpoint;
  s.leader_endpoint = serving_ ? self_.endpoint : "";
  s.leader_id = serving_ ? self_.id : 0;
  s.epoch = epoch_;
  s.commit_index = applied_index_;
  s.applied_index = applied_index_;
  return s;
}

}  // namespace vote::node
