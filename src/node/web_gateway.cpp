// The voters' pages and their JSON API (web_gateway.hpp; docs/web.md).
#include "vote/node/web_gateway.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "vote/client/exchange.hpp"
#include "vote/core/log_rate.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/node/rate_limit.hpp"
#include "vote/node/web_assets.hpp"
#include "vote/wire/messages.hpp"

namespace vote::node {

namespace asio = boost::asio;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr const char* json_type = "application/json";

// A refusal in the protocol's shape (docs/protocol.md §3), for answers the node never saw.
std::string refusal(const std::string& request_id, errc code, const std::string& message) {
  return wire::encode_response(
      wire::client_response{.request_id = request_id, .code = code, .message = message});
}

net::http_response json_answer(unsigned status, std::string body) {
  net::http_response res;
  res.status = status;
  res.content_type = json_type;
  res.body = std::move(body);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

// Whole seconds, rounded up, at least 1 and at most a day (a wait that never ends, as
// address_buckets reports a cost above the burst, is a day).
long long whole_seconds(milliseconds wait) {
  const long long day = 24 * 3600;
  if (wait.count() >= day * 1000) return day;
  return std::max<long long>(1, (wait.count() + 999) / 1000);
}

std::string seconds_of(milliseconds wait) {
  return std::to_string(whole_seconds(wait));
}

std::string seconds_text(milliseconds wait) {
  const auto s = whole_seconds(wait);
  return std::to_string(s) + (s == 1 ? " second" : " seconds");
}

// A refusal the gateway makes itself, with its HTTP status (429 with Retry-After: `wait`).
net::http_response edge_refusal(unsigned status, const std::string& request_id, errc code,
                                const std::string& message, milliseconds wait = {}) {
  auto res = json_answer(status, refusal(request_id, code, message));
  if (wait.count() > 0) res.headers.emplace_back("Retry-After", seconds_of(wait));
  return res;
}

bool is_public(wire::request_type t) {
  switch (t) {
    case wire::request_type::vote:
    case wire::request_type::election:
    case wire::request_type::record:
    case wire::request_type::status:
    case wire::request_type::cluster_status:
      return true;
    default:
      return false;
  }
}

// Answers after which the same request may be asked again: no leader now, or the leader changed
// under it (the request id keeps a repetition from counting twice).
bool worth_retrying(errc c) {
  return c == errc::unavailable || c == errc::no_quorum || c == errc::timeout ||
         c == errc::internal;
}

}  // namespace

struct web_gateway::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, net::request_handler& node, web_gateway_options o)
      : io_(io),
        node_(node),
        options_(std::move(o)),
        requests_(options_.requests_per_second, options_.requests_burst, options_.max_addresses),
        codes_(options_.refused_codes_per_second, options_.refused_codes_burst,
               options_.max_addresses) {}

  void serve_asset(const net::http_request& req, const net::http_respond& respond);
  void serve_api(net::http_request req, net::http_respond respond);

  asio::io_context& io_;
  net::request_handler& node_;
  web_gateway_options options_;
  address_buckets requests_;
  address_buckets codes_;
  web_gateway_stats stats_;
  std::size_t calls_ = 0;  // api_calls not answered yet
  std::uint64_t tls_refusals_ = 0;
  bool stopped_ = false;
};

namespace {

// One API request, from its arrival to its one answer: asked of the node, followed to the
// leader, asked again while there is none; answered `timeout` at forward_deadline whatever is
// still under way (later answers are dropped).
class api_call : public std::enable_shared_from_this<api_call> {
 public:
  api_call(std::shared_ptr<web_gateway::impl> gw, std::string body, std::string request_id,
           bool is_vote, std::string address, net::http_respond respond)
      : gw_(std::move(gw)),
        body_(std::move(body)),
        request_id_(std::move(request_id)),
        is_vote_(is_vote),
        address_(std::move(address)),
        respond_(std::move(respond)),
        deadline_(clock_type::now() + gw_->options_.forward_deadline),
        backoff_(gw_->options_.first_backoff),
        retry_(gw_->io_),
        expiry_(gw_->io_) {
    ++gw_->calls_;
  }

  void start() {
    expiry_.expires_at(deadline_);
    expiry_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->finish(self->last_.empty() ? self->unknown_outcome() : self->last_);
    });
    ask_node();
  }

 private:
  std::string unknown_outcome() const {
    return refusal(request_id_, errc::timeout,
                   "Error: no answer from the cluster in time; the request may or may not have "
                   "been applied. Retry: the same request is applied at most once.");
  }

  void ask_node() {
    if (done_ || gw_->stopped_) return;
    wire::request_origin origin;
    origin.remote_address = address_;
    origin.same_host = false;  // a browser is never the admin (web_gateway.hpp)
    gw_->node_.on_request(body_, origin, [self = shared_from_this()](std::string reply) {
      self->on_answer(std::move(reply), 0);
    });
  }

  // An answer from the node (hops 0) or from a leader it pointed at (hops > 0).
  void on_answer(std::string reply, int hops) {
    if (done_ || gw_->stopped_) return;
    auto decoded = wire::decode_response(reply);
    if (auto* r = std::get_if<wire::client_response>(&decoded)) {
      if (r->code == errc::not_leader && r->leader_endpoint && hops < gw_->options_.max_hops) {
        return forward(*r->leader_endpoint, hops + 1);
      }
      if (worth_retrying(r->code) || r->code == errc::not_leader) {
        return retry_later(std::move(reply));
      }
      return finish(std::move(reply), is_vote_ && r->code == errc::voter_not_authorized);
    }
    finish(std::move(reply));
  }

  void forward(const std::string& leader, int hops) {
    const auto at = net::parse_endpoint(leader);
    boost::system::error_code ec;
    const auto address = at ? asio::ip::make_address(at->host, ec) : asio::ip::address();
    if (!at || ec) {
      return retry_later(
          refusal(request_id_, errc::internal,
                  "Error: the leader's address '" + leader + "' cannot be used; retry."));
    }
    ++gw_->stats_.api_forwarded;
    auto self = shared_from_this();
    asio::co_spawn(gw_->io_, exchange(tcp::endpoint(address, at->port)),
                   [self, hops](std::exception_ptr e, std::optional<std::string> reply) {
                     if (e || !reply) {
                       ++self->gw_->stats_.forward_failures;
                       return self->retry_later(self->unknown_outcome());
                     }
                     self->on_answer(std::move(*reply), hops);
                   });
  }

  // One exchange with the leader's client port, bounded by the deadline; nullopt on any failure.
  // The connection is shared with the deadline's handler, which may run after this frame is gone.
  asio::awaitable<std::optional<std::string>> exchange(tcp::endpoint to) {
    auto ex = co_await asio::this_coro::executor;
    auto c = std::make_shared<client::connection>(net::stream(ex, gw_->options_.forward_tls.get()));
    asio::steady_timer guard(ex);
    guard.expires_at(deadline_);
    guard.async_wait([c](boost::system::error_code ec) {
      if (ec) return;
      boost::system::error_code ignored;
      c->stream.socket().close(ignored);
    });
    std::optional<std::string> out;
    try {
      co_await c->stream.socket().async_connect(to, asio::use_awaitable);
      co_await client::async_secure(*c);
      bool sent = false;
      co_await client::async_write_request(*c, body_, sent);
      out = co_await client::async_read_payload(*c);
    } catch (const client::tls_refused& e) {
      if (worth_logging(++gw_->tls_refusals_)) {
        spdlog::warn("web: the leader at {}:{} was refused: {}", to.address().to_string(),
                     to.port(), e.what());
      }
    } catch (const std::exception& e) {
      spdlog::debug("web: forwarding to {}:{} failed: {}", to.address().to_string(), to.port(),
                    e.what());
    }
    guard.cancel();
    co_return out;
  }

  void retry_later(std::string last) {
    if (done_) return;
    last_ = std::move(last);
    if (clock_type::now() + backoff_ >= deadline_) return;  // the expiry answers
    ++gw_->stats_.api_retried;
    retry_.expires_after(backoff_);
    backoff_ = std::min(backoff_ * 2, gw_->options_.max_backoff);
    retry_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->ask_node();
    });
  }

  // The one answer. A vote's refused-code token, taken when it was admitted, is given back
  // unless the answer refused its code (`wrong_code`: voter_not_authorized).
  void finish(std::string reply, bool wrong_code = false) {
    if (done_) return;
    done_ = true;
    --gw_->calls_;
    retry_.cancel();
    expiry_.cancel();
    if (wrong_code) {
      ++gw_->stats_.refused_codes;
    } else if (is_vote_) {
      gw_->codes_.give_back(address_, clock_type::now());
    }
    ++gw_->stats_.api_requests;
    respond_(json_answer(200, std::move(reply)));
  }

  std::shared_ptr<web_gateway::impl> gw_;
  std::string body_;
  std::string request_id_;
  bool is_vote_;
  std::string address_;
  net::http_respond respond_;
  clock_type::time_point deadline_;
  milliseconds backoff_;
  asio::steady_timer retry_;
  asio::steady_timer expiry_;
  std::string last_;  // the last answer worth retrying: what the expiry answers
  bool done_ = false;
};

}  // namespace

void web_gateway::impl::serve_asset(const net::http_request& req,
                                    const net::http_respond& respond) {
  const web_asset* a = find_web_asset(req.path);
  net::http_response res;
  if (a == nullptr || req.method == "POST") {
    ++stats_.not_found;
    res.status = a == nullptr ? 404 : 405;
    if (a != nullptr) res.headers.emplace_back("Allow", "GET, HEAD");
    res.body = a == nullptr ? "Not found.\n" : "Only GET and HEAD are allowed here.\n";
    return respond(std::move(res));
  }
  ++stats_.pages;
  res.content_type = std::string(a->content_type);
  res.body = std::string(a->body);
  res.headers.emplace_back("ETag", std::string(a->etag));
  res.headers.emplace_back("Cache-Control", "no-cache");
  respond(std::move(res));
}

void web_gateway::impl::serve_api(net::http_request req, net::http_respond respond) {
  if (req.method != "POST") {
    ++stats_.not_found;
    auto res =
        edge_refusal(405, "", errc::bad_request, "Error: the API takes POST with a JSON request.");
    res.headers.emplace_back("Allow", "POST");
    return respond(std::move(res));
  }
  if (req.content_type.rfind("application/json", 0) != 0) {
    ++stats_.not_found;
    return respond(edge_refusal(415, "", errc::bad_request,
                                "Error: the API takes Content-Type: application/json."));
  }
  const auto now = clock_type::now();
  const auto limited = [&](milliseconds wait, const std::string& why, std::uint64_t& counter,
                           const std::string& request_id) {
    if (worth_logging(++counter)) {
      spdlog::warn("web: {} from {} ({} refused so far); refusing for now", why, req.remote_address,
                   counter);
    }
    respond(edge_refusal(
        429, request_id, errc::unavailable,
        "Error: " + why + " from this address; wait " + seconds_text(wait) + " and try again.",
        wait));
  };
  if (const auto wait = requests_.take(req.remote_address, now); wait.count() > 0) {
    return limited(wait, "too many requests", stats_.limited_requests, "");
  }
  if (calls_ >= options_.max_calls) {
    ++stats_.over_capacity;
    return respond(edge_refusal(503, "", errc::unavailable,
                                "Error: this server is answering too many requests; retry.",
                                milliseconds(1000)));
  }
  // The node decodes the request again, with the same bounds: a request that does not decode
  // here does not decode there either, and its refusal is worded as on the TCP port.
  auto decoded = wire::decode_request(req.body, options_.bounds);
  std::string request_id;
  bool is_vote = false;
  if (auto* r = std::get_if<wire::client_request>(&decoded)) {
    request_id = r->request_id;
    is_vote = r->type == wire::request_type::vote;
    if (!is_public(r->type)) {
      ++stats_.api_not_public;
      return respond(json_answer(
          200, refusal(request_id, errc::unauthorized,
                       "Error: " + std::string(wire::to_string(r->type)) +
                           " is not available over HTTP; use the command-line clients.")));
    }
    if (is_vote) {
      if (const auto wait = codes_.take(req.remote_address, now); wait.count() > 0) {
        return limited(wait, "too many votes refused for an unknown voter or code",
                       stats_.limited_codes, request_id);
      }
    }
  }
  std::make_shared<api_call>(shared_from_this(), std::move(req.body), std::move(request_id),
                             is_vote, std::move(req.remote_address), std::move(respond))
      ->start();
}

web_gateway::web_gateway(asio::io_context& io, net::request_handler& node,
                         web_gateway_options options)
    : impl_(std::make_shared<impl>(io, node, std::move(options))) {}

web_gateway::~web_gateway() {
  impl_->stopped_ = true;
}

void web_gateway::on_http(net::http_request request, net::http_respond respond) {
  if (request.path == web_api_path) return impl_->serve_api(std::move(request), std::move(respond));
  impl_->serve_asset(request, respond);
}

const web_gateway_stats& web_gateway::stats() const noexcept {
  return impl_->stats_;
}

}  // namespace vote::node
