// One command with retries under a total deadline (include/vote/client/call.hpp).
#include "vote/client/call.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "vote/client/exchange.hpp"

namespace vote::client {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

struct attempt_result {
  // moved: abandoned unanswered because discovery announced a newer leader (moved_to)
  enum class status { answered, connect_failed, lost, refused, moved };
  status st = status::connect_failed;
  bool sent = false;  // the request may have reached the server
  wire::client_response response;
  std::string detail;
  bool untrusted = false;           // refused: the server's certificate is not trusted
  bool connection_refused = false;  // connect_failed: nothing listens on the port
  std::optional<consensus::leader_info> moved_to;
};

// Looking for a newer leader while an attempt waits (call_options::hedge_after): from `after` on,
// who_is_leader is broadcast every `every`; an answer naming another server with an epoch above
// the one the target was found at (0: unknown) abandons the attempt.
struct hedge_plan {
  const discovery_options* discovery = nullptr;  // null: wait for the target only
  std::chrono::milliseconds after{};
  std::chrono::milliseconds every{};
  std::string target;  // "ip:port"
  std::uint64_t target_epoch = 0;
};

asio::awaitable<attempt_result> attempt_coro(const net::endpoint& target,
                                             const std::string& payload, bool& sent,
                                             std::size_t max_payload, net::tls_context* tls) {
  const auto ex = co_await asio::this_coro::executor;
  attempt_result r;
  boost::system::error_code ec;
  tcp::resolver resolver(ex);
  const auto port = std::to_string(target.port);  // named: no temporaries inside co_await
  const auto endpoints = co_await resolver.async_resolve(
      target.host, port, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    connection c{net::stream(ex, tls)};
    co_await asio::async_connect(c.stream.socket(), endpoints,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      try {
        co_await async_secure(c);
        r.response = co_await async_exchange(c, payload, sent, max_payload);
        r.st = attempt_result::status::answered;
      } catch (const tls_refused& e) {
        r.st = attempt_result::status::refused;
        r.detail = e.what();
        r.untrusted = e.untrusted();
        sent = false;  // no server read the request: TLS was refused on one side or the other
      } catch (const boost::system::system_error& e) {
        r.st = attempt_result::status::lost;
        r.detail = e.code().message();
      } catch (const exchange_error& e) {
        r.st = attempt_result::status::lost;
        r.detail = e.what();
      }
      r.sent = sent;
      co_return r;
    }
  }
  r.detail = ec.message();
  r.connection_refused = ec == asio::error::connection_refused;
  co_return r;
}

// One connect + exchange on a private io_context, abandoned at `deadline` or when the hedge
// finds a newer leader.
attempt_result attempt_once(const net::endpoint& target, const std::string& payload,
                            clock_type::time_point deadline, std::size_t max_payload,
                            net::tls_context* tls, const hedge_plan& hedge) {
  bool sent = false;
  std::optional<attempt_result> out;
  std::optional<consensus::leader_info> moved;
  discovery_options probe_options;
  if (hedge.discovery) {
    probe_options = *hedge.discovery;
    probe_options.resend_interval = hedge.every;
  }
  asio::io_context io;  // destroyed before everything above: no handler outlives what it uses
  asio::co_spawn(io, attempt_coro(target, payload, sent, max_payload, tls),
                 [&out, &io](std::exception_ptr e, attempt_result r) {
                   if (!e) out = std::move(r);
                   io.stop();  // the hedge's timers would keep it running
                 });
  asio::steady_timer hedge_timer(io);
  std::optional<leader_probe> probe;
  if (hedge.discovery) {
    hedge_timer.expires_after(hedge.after);
    hedge_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      probe.emplace(io, probe_options, [&](const wire::leader_is& a) {
        if (out || moved || a.leader.endpoint == hedge.target) return;
        if (a.leader.epoch <= hedge.target_epoch) return;
        moved = a.leader;
        io.stop();
      });
      if (probe->start()) probe.reset();  // no socket: keep waiting for the target alone
    });
  }
  io.run_until(deadline);
  if (out) return std::move(*out);
  attempt_result r;
  r.sent = sent;
  if (moved) {
    r.st = attempt_result::status::moved;
    r.moved_to = std::move(moved);
    r.detail = "no answer yet";
    return r;
  }
  r.st = sent ? attempt_result::status::lost : attempt_result::status::connect_failed;
  r.detail = sent ? "no answer" : "connect timed out";
  return r;
}

std::string seconds_text(std::chrono::milliseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", static_cast<double>(d.count()) / 1000.0);
  return text;
}

// The retry loop of one call.
class caller {
 public:
  caller(const wire::client_request& request, const call_options& options)
      : options_(options),
        discovery_(options.discovery),
        payload_(wire::encode_request(request)),
        deadline_(clock_type::now() + options.timeout),
        backoff_(options.backoff_initial) {
    result_.request_id = request.request_id;
    reset_target();
  }

  call_result run() {
    while (clock_type::now() < deadline_) {
      step next = target_ ? try_target() : find_target();
      if (next == step::done) return std::move(result_);
      if (next == step::later) {
        reset_target();
        if (!back_off()) break;
      }
    }
    conclude();
    return std::move(result_);
  }

 private:
  enum class step { done, now, later };

  void reset_target() {
    target_ = options_.server;
    target_epoch_ = 0;
    redirects_ = 0;
  }

  // Hedging needs broadcast discovery: a call pinned to --server waits for its servers alone.
  hedge_plan hedge() const {
    hedge_plan h;
    if (options_.server || options_.hedge_after.count() <= 0) return h;
    h.discovery = &discovery_;
    h.after = options_.hedge_after;
    h.every = options_.hedge_every;
    h.target = result_.last_target;
    h.target_epoch = target_epoch_;
    return h;
  }

  void report_status(std::string text) const {
    if (options_.on_status) options_.on_status(std::move(text));
  }

  bool is_server(const std::string& endpoint) const {
    return options_.server && net::format_endpoint(*options_.server) == endpoint;
  }

  step find_target() {
    report_status("no leader known yet; asking by broadcast on " + discovery_.broadcast + ":" +
                  std::to_string(discovery_.port));
    auto found = discover_leader(discovery_, deadline_);
    if (auto* found_leader = std::get_if<discovered_leader>(&found)) {
      target_ = net::parse_endpoint(found_leader->leader.endpoint);  // select_leader checked it
      target_epoch_ = found_leader->leader.epoch;
      return step::now;
    }
    auto& failure = std::get<discovery_failure>(found);
    if (failure.kind == discovery_error::conflicting_clusters) {
      fail(failure::cluster_conflict, errc::unavailable, failure.message);
      conclude();
      return step::done;
    }
    if (failure.kind == discovery_error::none_answered) {
      const auto& d = options_.discovery;
      failure.message = "no leader known: no vote-server" +
                        (d.cluster.empty() ? std::string() : " of cluster '" + d.cluster + "'") +
                        " answered on " + d.broadcast + ":" + std::to_string(d.port) + " within " +
                        seconds_text(options_.timeout) +
                        " (is a server running? is --broadcast right? servers that know no "
                        "leader do not answer: --server HOST:PORT asks one directly)";
    }
    if (result_.attempts == 0 || failure.kind != discovery_error::none_answered) {
      fail(failure::no_leader, errc::unavailable, failure.message);
    }
    return step::later;
  }

  step try_target() {
    const auto until = std::min(deadline_, clock_type::now() + options_.attempt_timeout);
    result_.last_target = net::format_endpoint(*target_);
    ++result_.attempts;
    report_status("sent to " + result_.last_target + "; waiting for its answer");
    const auto a =
        attempt_once(*target_, payload_, until, options_.max_response, options_.tls.get(), hedge());
    using status = attempt_result::status;
    if (a.st == status::answered) return on_answer(a.response);
    if (a.st == status::refused) return refused(a);
    maybe_delivered_ = maybe_delivered_ || a.sent;
    if (a.st == status::moved) return moved(*a.moved_to);
    // An attempt cut short by the call's deadline says less than a server's answer before it.
    if (clock_type::now() >= deadline_ && result_.why == failure::server_busy) return step::later;
    if (a.st != status::connect_failed && is_server(result_.last_target)) server_reached_ = true;
    if (a.st == status::connect_failed && a.connection_refused && options_.fail_fast_refused &&
        is_server(result_.last_target) && !server_reached_) {
      fail(failure::no_leader, errc::unavailable,
           "could not connect to " + result_.last_target +
               ": connection refused (is a vote-server running there? is the port right?)");
      conclude();
      return step::done;
    }
    if (a.st == status::connect_failed) {
      report_status("could not connect to " + result_.last_target + " (" + a.detail +
                    "); trying again");
      fail(failure::no_leader, errc::unavailable,
           "no leader reachable within " + seconds_text(options_.timeout) +
               ": could not connect to " + result_.last_target + " (" + a.detail + ")");
    } else {
      fail(failure::no_answer, errc::timeout,
           "no answer from the leader within " + seconds_text(options_.timeout));
    }
    return step::later;
  }

  // The target kept silent while discovery announced a newer leader: the same request (the same
  // request_id, so at most once) goes there now; the abandoned attempt is remembered.
  step moved(const consensus::leader_info& leader) {
    result_.abandoned.push_back(result_.last_target);
    fail(failure::no_answer, errc::timeout,
         "no answer from " + result_.last_target + " (" + leader.endpoint +
             " was announced leader while it was waited for)");
    target_ = net::parse_endpoint(leader.endpoint);  // the probe checked it
    target_epoch_ = leader.epoch;
    redirects_ = 0;
    return step::now;
  }

  // TLS refused the server before it read anything. An untrusted one is never tried again in
  // this call (discovery skips it; a --server or a redirect to it is not followed again).
  step refused(const attempt_result& a) {
    fail(failure::no_leader, errc::unavailable, "refused " + result_.last_target + ": " + a.detail);
    if (a.untrusted) {
      discovery_.untrusted.push_back(result_.last_target);
      if (options_.server && net::format_endpoint(*options_.server) == result_.last_target) {
        conclude();
        return step::done;
      }
    }
    return step::later;
  }

  step on_answer(const wire::client_response& r) {
    if (r.code == errc::not_leader) {
      fail(failure::no_leader, r.code,
           "no leader reachable within " + seconds_text(options_.timeout) + ": " + r.message);
      const auto leader = r.leader_endpoint ? net::parse_endpoint(*r.leader_endpoint)
                                            : std::optional<net::endpoint>{};
      if (!leader || redirects_ >= options_.max_redirects || untrusted(*leader)) return step::later;
      ++redirects_;
      target_ = *leader;
      target_epoch_ = 0;  // not on the wire
      return step::now;
    }
    if (retryable(r.code)) {
      report_status(result_.last_target + " answered '" + r.message + "'; trying again");
      maybe_delivered_ = maybe_delivered_ || outcome_may_be_unknown(r.code);
      fail(failure::server_busy, r.code, busy_message(r));
      return step::later;
    }
    result_.result = r.ok()                           ? outcome::ok
                     : outcome_may_be_unknown(r.code) ? outcome::unknown
                                                      : outcome::refused;
    result_.why = failure::none;
    result_.code = r.code;
    result_.message = r.message;
    result_.response = r;
    return step::done;
  }

  // What a retryable refusal means once it is the last answer before the deadline.
  std::string busy_message(const wire::client_response& r) const {
    const std::string last =
        " (the last answer, from " + result_.last_target + ": " + r.message + ")";
    const std::string seconds = seconds_text(options_.timeout);
    switch (r.code) {
      case errc::no_quorum:
        return "no quorum: the cluster could not reach a majority of its members within " +
               seconds + last;
      case errc::timeout:
        return "requests kept timing out for " + seconds + last;
      case errc::unavailable:
        if (r.message.find("forming: ") != std::string::npos) {
          return "the cluster was still forming after " + seconds + last;
        }
        return "the cluster stayed unavailable for " + seconds + last;
      default:
        return "the cluster stayed " + std::string(to_string(r.code)) + " for " + seconds + last;
    }
  }

  bool untrusted(const net::endpoint& e) const {
    const auto& u = discovery_.untrusted;
    return std::find(u.begin(), u.end(), net::format_endpoint(e)) != u.end();
  }

  void fail(failure why, errc code, std::string message) {
    result_.why = why;
    result_.code = code;
    result_.message = std::move(message);
  }

  bool back_off() {
    const auto now = clock_type::now();
    if (now >= deadline_) return false;
    std::this_thread::sleep_for(std::min<clock_type::duration>(backoff_, deadline_ - now));
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    return clock_type::now() < deadline_;
  }

  // No definitive answer before the deadline (or a conflict that retrying cannot fix).
  void conclude() {
    result_.result = maybe_delivered_ ? outcome::unknown : outcome::not_sent;
    if (result_.message.empty()) {
      fail(failure::no_leader, errc::unavailable,
           "no leader reachable within " + seconds_text(options_.timeout));
    }
  }

  const call_options& options_;
  discovery_options discovery_;  // options_.discovery, plus the servers refused so far
  std::string payload_;
  clock_type::time_point deadline_;
  std::chrono::milliseconds backoff_;
  std::optional<net::endpoint> target_;
  std::uint64_t target_epoch_ = 0;  // the epoch target_ was announced leader at; 0: unknown
  int redirects_ = 0;
  bool maybe_delivered_ = false;
  bool server_reached_ = false;  // a connection to options_.server succeeded in this call
  call_result result_;
};

}  // namespace

std::string_view to_string(outcome o) noexcept {
  switch (o) {
    case outcome::ok:
      return "ok";
    case outcome::refused:
      return "refused";
    case outcome::unknown:
      return "unknown";
    case outcome::not_sent:
      return "not_sent";
  }
  return "unknown";
}

bool retryable(errc code) noexcept {
  return code == errc::not_leader || code == errc::unavailable || code == errc::no_quorum ||
         code == errc::timeout;
}

call_result call(const wire::client_request& request, const call_options& options) {
  caller c(request, options);
  return c.run();
}

}  // namespace vote::client
