// What vote-server exposes at GET /metrics (node_metrics.hpp; docs/operations.md "Metrics").
#include "vote/node/node_metrics.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address_v4.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <optional>

#include "vote/core/error.hpp"
#include "vote/net/client_listener.hpp"
#include "vote/net/discovery_responder.hpp"
#include "vote/net/http_listener.hpp"
#include "vote/net/metrics_listener.hpp"
#include "vote/net/peer_links.hpp"
#include "vote/node/bind_check.hpp"
#include "vote/node/cluster_node.hpp"
#include "vote/node/log_writer.hpp"
#include "vote/node/recovery.hpp"
#include "vote/node/server.hpp"
#include "vote/node/web_gateway.hpp"

namespace vote::node {

namespace asio = boost::asio;
using metrics::exposition;
using type = exposition::type;

namespace {

// Reads the string value of the top-level key "type" (the last one, as a document would keep),
// building nothing; the whole payload is still checked to be JSON.
class request_type_reader : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::optional<std::string> type;

  bool key(string_t& k) override {
    type_next_ = depth_ == 1 && k == "type";
    return true;
  }
  bool string(string_t& s) override {
    if (type_next_) type = s;
    type_next_ = false;
    return true;
  }
  bool start_object(std::size_t) override { return enter(); }
  bool start_array(std::size_t) override { return enter(); }
  bool end_object() override { return leave(); }
  bool end_array() override { return leave(); }
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool enter() {
    ++depth_;
    return value();
  }
  bool leave() {
    --depth_;
    return true;
  }
  bool value() {
    if (type_next_) type.reset();  // "type" is not a string: not a request we count
    type_next_ = false;
    return true;
  }

  int depth_ = 0;
  bool type_next_ = false;
};

}  // namespace

bool is_vote_request(std::string_view payload) {
  request_type_reader reader;
  const bool json =
      nlohmann::json::sax_parse(payload, &reader, nlohmann::json::input_format_t::json, true, true);
  return json && reader.type == "vote";
}

std::string vote_result(std::string_view response) {
  const auto j = nlohmann::json::parse(response, nullptr, false);
  if (!j.is_object()) return "internal";
  if (const auto ok = j.find("ok"); ok != j.end() && ok->is_boolean() && ok->get<bool>())
    return "accepted";
  const auto e = j.find("error");
  if (e == j.end() || !e->is_object()) return "internal";
  const auto code = e->find("code");
  if (code == e->end() || !code->is_string()) return "internal";
  // Only names of the documented enum: the label's values stay a small, known set.
  const auto known = errc_from_string(code->get_ref<const std::string&>());
  return known ? std::string(to_string(*known)) : "internal";
}

namespace {

void node_state(exposition& x, const metrics_sources& s, const wire::cluster_view& v,
                const wire::server_status& st) {
  x.single(
      "vote_node_info", "This server: its node id, cluster name and build version", type::gauge, 1,
      {{"node_id", std::to_string(st.node_id)}, {"cluster", s.cluster}, {"version", s.version}});
  std::string role = st.role;
  for (const auto& m : v.members) {
    if (m.id == v.self && !m.voter && role == "follower") role = "learner";
  }
  x.family("vote_role", "This server's role: 1 for the current one, 0 for the others", type::gauge);
  for (const char* r : {"follower", "candidate", "leader", "learner"}) {
    x.sample({{"role", r}}, role == r ? 1 : 0);
  }
  x.single("vote_is_leader", "1 while this server leads its cluster, else 0", type::gauge,
           role == "leader" ? 1 : 0);
  x.single("vote_epoch", "The consensus epoch (term) this server is in", type::gauge,
           static_cast<double>(st.epoch));
  x.single("vote_commit_index", "The highest log index this server knows committed", type::gauge,
           static_cast<double>(st.commit_index));
  x.single("vote_applied_index", "The highest log index this server applied", type::gauge,
           static_cast<double>(st.applied_index));
  x.single("vote_leader_changes_total", "New leaders this process heard of since it started",
           type::counter, static_cast<double>(s.node.counters().leader_changes));
}

// The leader's view of its followers (the same as vote-status's); empty on the others.
void peers(exposition& x, const wire::cluster_view& v, bool leading) {
  x.family("vote_peer_lag_entries",
           "Log entries a member is behind the leader (reported by the leader only)", type::gauge);
  if (leading) {
    for (const auto& m : v.members) {
      if (m.id != v.self) {
        x.sample({{"peer", std::to_string(m.id)}, {"endpoint", m.endpoint}},
                 static_cast<double>(m.lag));
      }
    }
  }
  x.family("vote_peer_last_contact_seconds",
           "Seconds since the leader last heard from a member (reported by the leader only)",
           type::gauge);
  if (leading) {
    for (const auto& m : v.members) {
      if (m.id != v.self && m.last_contact_ms) {
        x.sample({{"peer", std::to_string(m.id)}, {"endpoint", m.endpoint}},
                 static_cast<double>(*m.last_contact_ms) / 1000.0);
      }
    }
  }
}

void requests(exposition& x, const request_counters& c) {
  x.family("vote_votes_total",
           "Replies to vote requests by result: accepted, or the refusal's error code",
           type::counter);
  if (c.votes.find("accepted") == c.votes.end()) x.sample({{"result", "accepted"}}, 0);
  for (const auto& [result, n] : c.votes) x.sample({{"result", result}}, static_cast<double>(n));
  x.family("vote_request_duration_seconds", "Client requests on this server, from receipt to reply",
           type::histogram);
  x.histogram({}, c.request_seconds.snapshot());
}

void disk(exposition& x, const log_writer_measures& m) {
  x.family("vote_fsync_duration_seconds", "Each sync of the write-ahead log to disk",
           type::histogram);
  x.histogram({}, m.fsync_seconds.snapshot());
  x.family("vote_snapshot_duration_seconds",
           "Each snapshot this server took, from the start of its serialising until written",
           type::histogram);
  x.histogram({}, m.snapshot_seconds.snapshot());
  x.single("vote_snapshots_total", "Snapshots this server took and wrote since it started",
           type::counter, static_cast<double>(m.snapshots.load()));
  x.single("vote_snapshot_bytes", "Size of the last snapshot this server wrote (0: none yet)",
           type::gauge, static_cast<double>(m.snapshot_bytes.load()));
}

void edge(exposition& x, const metrics_sources& s) {
  const auto& l = s.listener.stats();
  const auto& d = s.discovery.stats();
  const auto& p = s.links.stats();
  x.family("vote_connections", "Open inbound connections by kind (client includes undecided)",
           type::gauge);
  x.sample({{"kind", "client"}}, static_cast<double>(l.open - l.open_peers));
  x.sample({{"kind", "peer"}}, static_cast<double>(l.open_peers));
  x.single("vote_connections_accepted_total", "Inbound TCP connections accepted", type::counter,
           static_cast<double>(l.accepted));
  x.family("vote_connections_refused_total",
           "Inbound connections refused or closed by the edge, by reason", type::counter);
  const std::array<std::pair<const char*, std::uint64_t>, 5> refused{{
      {"over_cap", l.refused_over_cap},
      {"evicted", l.evicted},
      {"timeout", l.timeouts},
      {"tls_handshake", l.tls_handshakes_failed},
      {"accept_error", l.accept_errors},
  }};
  for (const auto& [reason, n] : refused) x.sample({{"reason", reason}}, static_cast<double>(n));
  x.family("vote_dropped_messages_total",
           "Frames and datagrams the edge dropped, by reason (forged and stale: hellos failing "
           "the cluster key; datagram_dropped: undecodable or of another cluster; peer_refused: "
           "peer frames that did not open)",
           type::counter);
  const std::array<std::pair<const char*, std::uint64_t>, 8> dropped{{
      {"frame_error", l.frame_errors},
      {"peer_refused", l.peer_frames_refused},
      {"peer_uncertified", l.peer_frames_uncertified},
      {"over_budget", l.over_budget},
      {"forged", d.forged},
      {"stale", d.stale},
      {"datagram_dropped", d.dropped},
      {"peer_send_queue", p.frames_dropped},
  }};
  for (const auto& [reason, n] : dropped) x.sample({{"reason", reason}}, static_cast<double>(n));
  x.single("vote_peer_links_lost_total", "Established outbound peer links that broke",
           type::counter, static_cast<double>(p.links_lost));
  x.single("vote_peer_connect_failures_total", "Outbound peer connects that failed", type::counter,
           static_cast<double>(p.connect_failures));
}

// --http-addr: the web edge (docs/web.md "Limits"). Absent when the pages are off.
void web(exposition& x, const metrics_sources& s) {
  if (s.http == nullptr || s.web == nullptr) return;
  const auto& h = s.http->stats();
  const auto& g = s.web->stats();
  x.single("vote_http_connections", "Open connections to the web pages and API", type::gauge,
           static_cast<double>(h.open_connections));
  x.family("vote_http_requests_total", "Web requests answered, by kind", type::counter);
  const std::array<std::pair<const char*, std::uint64_t>, 3> kinds{{
      {"page", g.pages},
      {"api", g.api_requests},
      {"not_found", g.not_found},
  }};
  for (const auto& [kind, n] : kinds) x.sample({{"kind", kind}}, static_cast<double>(n));
  x.single("vote_http_forwarded_total", "API requests the gateway sent on to the leader",
           type::counter, static_cast<double>(g.api_forwarded));
  x.single("vote_http_retried_total", "API requests asked again while there was no leader",
           type::counter, static_cast<double>(g.api_retried));
  x.single("vote_http_forward_failures_total",
           "Exchanges with the leader that failed (the request was then asked again)",
           type::counter, static_cast<double>(g.forward_failures));
  x.single("vote_http_refused_codes_total",
           "Votes over the web answered voter_not_authorized (wrong or unknown codes)",
           type::counter, static_cast<double>(g.refused_codes));
  x.family("vote_http_refused_total", "Web requests refused at the edge, by reason", type::counter);
  const std::array<std::pair<const char*, std::uint64_t>, 7> refused{{
      {"rate_limit", g.limited_requests},
      {"code_guessing", g.limited_codes},
      {"not_public", g.api_not_public},
      {"busy", g.over_capacity},
      {"bad_http", h.refused},
      {"over_cap", h.refused_over_cap},
      {"failed", h.failed},
  }};
  for (const auto& [reason, n] : refused) x.sample({{"reason", reason}}, static_cast<double>(n));
}

}  // namespace

std::string render_node_metrics(const metrics_sources& s) {
  const auto& machine = s.node.machine();
  const auto v = machine.cluster_view();
  const auto st = machine.status();
  exposition x;
  node_state(x, s, v, st);
  peers(x, v, st.role == "leader");
  requests(x, s.node.counters());
  disk(x, s.writer.measures());
  edge(x, s);
  web(x, s);
  return x.text();
}

namespace {

asio::ip::tcp::endpoint metrics_endpoint(const server_config& c) {
  const auto e = parse_ipv4_endpoint(c.metrics_addr);
  if (!e) throw startup_error(exit_usage, "--metrics-addr must be IPv4:PORT");
  return {asio::ip::make_address_v4(e->host), e->port};
}

}  // namespace

void check_metrics_addr_free(const server_config& c) {
  if (c.metrics_addr.empty()) return;
  check_port_free("--metrics-addr " + c.metrics_addr, metrics_endpoint(c));
}

std::unique_ptr<net::metrics_listener> serve_metrics(asio::io_context& io, const server_config& c,
                                                     std::function<std::string()> provider) {
  if (c.metrics_addr.empty()) return nullptr;
  const auto at = metrics_endpoint(c);
  auto l = bind_or_fail("--metrics-addr " + c.metrics_addr, [&] {
    return std::make_unique<net::metrics_listener>(io, at, std::move(provider));
  });
  if (at.address().to_v4().is_loopback()) {
    spdlog::info("metrics on http://{}/metrics", c.metrics_addr);
  } else {
    spdlog::warn(
        "metrics on http://{}/metrics, which is not a loopback address: the endpoint is "
        "UNAUTHENTICATED; anyone who reaches it reads the cluster's state (docs/operations.md "
        "\"Metrics\")",
        c.metrics_addr);
  }
  l->start();
  return l;
}

}  // namespace vote::node
