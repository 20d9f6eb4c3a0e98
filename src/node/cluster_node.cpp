// The node's Asio shell: the node machine's effects carried out with the process's clock, log
// writer, peer links and logger.
#include "vote/node/cluster_node.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "vote/node/server.hpp"

namespace vote::node {

namespace asio = boost::asio;

cluster_node::cluster_node(node_env env, node_settings settings, recovered_state recovered,
                           admin_policy admin)
    : env_(std::move(env)),
      timer_(env_.io),
      origin_(std::chrono::steady_clock::now()),
      machine_(std::move(settings), std::move(recovered), std::move(admin), *this, env_.seed) {}

void cluster_node::start() {
  machine_.start();
  on_tick();
}

void cluster_node::on_tick() {
  if (machine_.finished()) return;
  timer_.expires_after(machine_.settings().tick);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    machine_.tick();
    on_tick();
  });
}

void cluster_node::stop(std::function<void()> done) {
  stopped_ = std::move(done);
  machine_.stop();
}

void cluster_node::on_request(std::string payload, const net::request_origin& origin,
                              net::reply_fn reply) {
  if (env_.count_requests) reply = counted(payload, std::move(reply));
  machine_.on_request(payload, origin, std::move(reply));
}

// The reply, timed from now, and counted by result when the request is a vote (node_metrics.hpp).
net::reply_fn cluster_node::counted(std::string_view payload, net::reply_fn reply) {
  return [this, vote = is_vote_request(payload), received = std::chrono::steady_clock::now(),
          reply = std::move(reply)](std::string response) {
    counters_.request_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
    if (vote) ++counters_.votes[vote_result(response)];
    reply(std::move(response));
  };
}

void cluster_node::observe_output(const consensus::output& out) {
  if (!out.leader_changed || out.leader_changed->id == 0) return;  // none known: not a change
  auto& last = counters_.last_leader;
  if (out.leader_changed->id == last.id && out.leader_changed->epoch == last.epoch) return;
  last = *out.leader_changed;
  ++counters_.leader_changes;
}

void cluster_node::on_peer_message(net::peer_message message, const net::request_origin&) {
  if (const auto* leave = std::get_if<wire::leave_request>(&message)) {
    return machine_.on_leave(*leave);
  }
  machine_.on_envelope(std::get<consensus::envelope>(message));
}

// ---- node_effects ---------------------------------------------------------------------------

milliseconds cluster_node::now() const {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - origin_);
}

std::int64_t cluster_node::unix_now_ms() const {
  return net::unix_now_ms();
}

void cluster_node::persist(std::uint64_t seq, consensus::persist_job job) {
  env_.writer.persist(std::move(job), [this, seq] { machine_.persisted(seq); });
}

void cluster_node::save_snapshot(const snapshot_job& job) {
  env_.writer.snapshot(job, [this](std::shared_ptr<const std::string> bytes) {
    machine_.snapshot_saved(std::move(bytes));
  });
}

void cluster_node::send(consensus::node_id peer, const std::string& endpoint,
                        const consensus::envelope& e) {
  send_sealed(peer, endpoint, consensus::encode_envelope(e));
}

void cluster_node::send(consensus::node_id peer, const std::string& endpoint,
                        const wire::leave_request& r) {
  send_sealed(peer, endpoint, net::encode_leave(r));
}

void cluster_node::send_sealed(consensus::node_id peer, const std::string& endpoint,
                               std::string json) {
  if (!env_.send) return;
  if (env_.key != nullptr) json = env_.key->seal(json, net::unix_now_ms());
  env_.send(peer, endpoint, std::move(json));
}

void cluster_node::pump_soon() {
  asio::post(env_.io, [this] { machine_.pump(); });
}

void cluster_node::hello_now() {
  if (env_.hello_now) env_.hello_now();
}

namespace {

spdlog::level::level_enum spdlog_level(note_level level) {
  switch (level) {
    case note_level::debug:
      return spdlog::level::debug;
    case note_level::info:
      return spdlog::level::info;
    case note_level::warn:
      return spdlog::level::warn;
    case note_level::error:
      return spdlog::level::err;
  }
  return spdlog::level::err;
}

}  // namespace

bool cluster_node::noting(note_level level) const {
  return spdlog::should_log(spdlog_level(level));
}

void cluster_node::note(note_level level, const std::string& text) {
  spdlog::log(spdlog_level(level), "{}", text);
}

void cluster_node::fatal(const std::string& message) {
  if (env_.fatal) env_.fatal(exit_data, message);
}

void cluster_node::stopped() {
  timer_.cancel();
  if (auto done = std::move(stopped_)) done();
}

}  // namespace vote::node
