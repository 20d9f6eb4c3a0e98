// What vote-server answers on --http-addr (docs/web.md): the voters' pages (web_assets.hpp) and
// the JSON API behind them, `POST /api/v1/request`, whose body is one request of the TCP
// protocol (docs/protocol.md §2) and whose answer is that protocol's response object. The gateway
// hands the request to the node exactly as the client listener does, so validation, refusal
// wording and exactly-once request ids are the TCP path's; what it adds is the edge:
//
//   - Only the public requests: vote, election, record, status, cluster_status. Anything an admin
//     does (register, close, results, the membership requests, ...) is `unauthorized` here, from
//     any address: a browser is never the admin, not even on the server's own machine (the
//     node sees every HTTP request as coming from another host).
//   - Any server answers: a follower's `not_leader` is followed to the leader over the client
//     protocol (TLS when the cluster has it) and the leader's answer relayed; while the cluster
//     has no leader (an election, a hand-over) the same request is asked again, with backoff,
//     until forward_deadline. The request id makes every repetition safe.
//   - Limits per source address (address_buckets): every request takes a token of a bucket of
//     requests_burst refilled at requests_per_second; every vote takes a token of a second, small
//     bucket when it is admitted and gets it back unless it is answered voter_not_authorized (a
//     wrong code: what guessing codes gets), so votes in flight at once cannot overdraw it. While
//     that bucket is empty the address's votes are refused before they reach the node (429 with
//     Retry-After). Both refusals are counted (stats) for the metrics.
//   - Every API request is answered once, by forward_deadline at the latest (`timeout`: the
//     request may or may not have been applied), and at most max_calls are being answered at
//     once. Only requests with Content-Type application/json are taken (415 otherwise): a form
//     on another site cannot post one without a CORS preflight, which is never granted.
//
// Threading: the node's thread (the io_context's); `node` outlives the gateway's last handler.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "vote/core/election.hpp"
#include "vote/net/client_listener.hpp"
#include "vote/net/http_listener.hpp"
#include "vote/net/tls.hpp"

namespace vote::node {

struct web_gateway_options {
  // Trusts the cluster's CA, for forwarding to the leader; nullptr: the cluster is plain TCP.
  std::shared_ptr<net::tls_context> forward_tls;
  limits bounds;  // the node's (server_config::bounds): the gateway decodes as the node does
  std::chrono::milliseconds forward_deadline{10000};  // per API request, retries included
  int max_hops = 3;                                   // not_leader redirects followed per attempt
  std::chrono::milliseconds first_backoff{50};        // before asking again; doubles ...
  std::chrono::milliseconds max_backoff{1000};        // ... up to this
  std::size_t max_calls = 4096;  // API requests being answered at once (more: 503)
  double requests_per_second = 20;
  double requests_burst = 120;
  double refused_codes_per_second = 1.0 / 6;  // one wrong code per 6 s ...
  double refused_codes_burst = 10;            // ... after 10 at once
  std::size_t max_addresses = 10000;          // buckets kept (address_buckets)
};

struct web_gateway_stats {
  std::uint64_t pages = 0;             // assets served
  std::uint64_t not_found = 0;         // 404 and 405
  std::uint64_t api_requests = 0;      // API requests answered by the node, the leader or timeout
  std::uint64_t api_forwarded = 0;     // requests sent on to the leader
  std::uint64_t api_retried = 0;       // requests asked again while the cluster had no leader
  std::uint64_t api_not_public = 0;    // admin requests refused at the edge
  std::uint64_t refused_codes = 0;     // votes answered voter_not_authorized
  std::uint64_t limited_requests = 0;  // 429: the address's request bucket was empty
  std::uint64_t limited_codes = 0;     // 429: the address's refused-code bucket was empty
  std::uint64_t over_capacity = 0;     // 503: max_calls being answered already
  std::uint64_t forward_failures = 0;  // exchanges with the leader that failed (then retried)
};

class web_gateway : public net::http_handler {
 public:
  web_gateway(boost::asio::io_context& io, net::request_handler& node,
              web_gateway_options options = {});
  ~web_gateway() override;
  web_gateway(const web_gateway&) = delete;
  web_gateway& operator=(const web_gateway&) = delete;

  void on_http(net::http_request request, net::http_respond respond) override;
  const web_gateway_stats& stats() const noexcept;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

// The API's one path.
inline constexpr const char* web_api_path = "/api/v1/request";

}  // namespace vote::node
