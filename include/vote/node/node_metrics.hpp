// What vote-server exposes at GET /metrics (docs/operations.md "Metrics"): the node's own
// counters, and the exposition gathered from the node machine, the log writer and the adapters.
//
// Every value is read from where the state lives: epoch, commit and applied index, role, leader
// and the peers' lag and last contact from the node machine (the same cluster_view that answers
// vote-status); fsync and snapshot measurements from the log writer; connections and refusals
// from the adapters' stats. What nothing else counted is counted here (request_counters), at the
// node's edge: the pure cores know nothing of metrics.
//
// Threading: request_counters and render_node_metrics() belong to the node's thread (the log
// writer's measures are thread-safe).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "vote/core/consensus_records.hpp"
#include "vote/node/config.hpp"
#include "vote/node/metrics.hpp"

namespace vote::net {
class client_listener;
class peer_links;
class discovery_responder;
class metrics_listener;
class http_listener;
}  // namespace vote::net

namespace vote::node {

class cluster_node;
class log_writer;
class web_gateway;

// What the node counts of its client requests (when node_env::count_requests is set).
struct request_counters {
  // A new leader, or the same one in a new epoch, this process heard of (last_leader: the last).
  std::uint64_t leader_changes = 0;
  consensus::leader_info last_leader;
  // Replies to vote requests by result: "accepted", or the refusal's error code (core/error.hpp).
  std::map<std::string, std::uint64_t, std::less<>> votes;
  // Each client request, from its receipt by the node to its reply.
  metrics::histogram request_seconds{metrics::duration_buckets()};
};

// Whether a client request payload is a vote ({"type":"vote",...}); false for anything that is
// not JSON. Read with a SAX pass that builds nothing, so a registration of a large roll costs a
// scan, not a second document.
bool is_vote_request(std::string_view payload);
// The result label of a reply to a vote: "accepted" when ok, else its error code's wire name
// ("already_voted", ...); "internal" for a reply that does not parse.
std::string vote_result(std::string_view response);

// Where render_node_metrics() reads from; every reference outlives the call.
struct metrics_sources {
  const cluster_node& node;
  const log_writer& writer;
  const net::client_listener& listener;
  const net::peer_links& links;
  const net::discovery_responder& discovery;
  std::string cluster;
  std::string version;
  const net::http_listener* http = nullptr;  // --http-addr: its listener and gateway, or none
  const web_gateway* web = nullptr;
};

std::string render_node_metrics(const metrics_sources& s);

// --metrics-addr: nothing when it is empty. Else a loopback address is served quietly, any other
// one with a warning (the endpoint is unauthenticated). A port that cannot be bound is
// startup_error(exit_unavailable): check_metrics_addr_free() tries it (and lets go) before the
// data directory is created; serve_metrics() binds it for good and starts serving `provider`.
void check_metrics_addr_free(const server_config& c);
std::unique_ptr<net::metrics_listener> serve_metrics(boost::asio::io_context& io,
                                                     const server_config& c,
                                                     std::function<std::string()> provider);

}  // namespace vote::node
