// Sending one command to the leader, with retries (DESIGN.md §4, §5.5).
//
// call() finds the leader (the given --server, or by broadcast), connects, sends one framed
// request and reads one framed response, all under one total deadline. On a connection failure,
// a missing answer, `not_leader` (it follows the named leader, at most max_redirects hops in a
// row), `unavailable`, `no_quorum` or `timeout`, it backs off (50 ms doubling to 500 ms) and
// tries again with the *same* request_id, rediscovering the leader each time when broadcasting.
// The cluster applies a request_id at most once, so retrying is always safe.
//
// When the deadline passes, the result says whether the request may have been delivered
// (outcome::unknown: some attempt handed bytes to a server and no definitive answer came back,
// or a server answered a code after which the outcome may be unknown, such as no_quorum) or
// certainly was not (outcome::not_sent). Its message describes the last failure, e.g. "no quorum:
// the cluster could not reach a majority of its members within 5 s (the last answer, from
// 127.0.0.1:7000: ...)".
//
// With TLS (call_options::tls), a server whose certificate does not chain to the CA or does not
// name the address connected to is refused like an unreachable one (failure::no_leader, "refused
// 127.0.0.1:7001: its certificate is not trusted: ..."), and discovery skips it from then on.
//
// A --server that refuses the connection can end the call at once (call_options::
// fail_fast_refused); while it waits, the call can say what for (call_options::on_status).
//
// Blocking; every attempt runs on a private io_context; safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vote/client/discovery.hpp"
#include "vote/core/error.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/net/tls.hpp"
#include "vote/wire/frame.hpp"
#include "vote/wire/messages.hpp"

namespace vote::client {

struct call_options {
  std::optional<net::endpoint> server;              // skip discovery and talk to this server
  discovery_options discovery;                      // used when `server` is not set
  std::chrono::milliseconds timeout{5000};          // total deadline for the whole call
  std::chrono::milliseconds attempt_timeout{2000};  // one connect + exchange, at most
  // Hedging (broadcast discovery only): once an attempt has waited hedge_after without an
  // answer, who_is_leader is broadcast every hedge_every; if another server is announced leader
  // at a higher epoch, the attempt is abandoned and the request (same request_id) goes there.
  // A frozen leader then costs about an election, not an attempt_timeout. 0: never hedge.
  std::chrono::milliseconds hedge_after{150};
  std::chrono::milliseconds hedge_every{100};
  std::chrono::milliseconds backoff_initial{50};
  std::chrono::milliseconds backoff_max{500};
  int max_redirects = 5;  // not_leader hops followed in a row before backing off; 0 keeps every
                          // attempt on `server` (a request meant for that one server)
  std::size_t max_response = wire::default_max_frame_payload;
  // TLS on every connection when set (a client context: net::make_client_context); a server
  // whose certificate is refused counts as unreachable and is not tried again in this call.
  std::shared_ptr<net::tls_context> tls;
  // A connection refused by `server` (nothing listens on that port) ends the call at once
  // (failure::no_leader, outcome::not_sent) instead of retrying until the deadline, unless a
  // connection to that server succeeded earlier in this call (it may be restarting then). The CLIs
  // set it: a wrong or stopped --server is reported at once.
  bool fail_fast_refused = false;
  // Called on the calling thread whenever the call starts waiting for something else, with one
  // clause saying what (progress_reporter prints it): "sent to 127.0.0.1:7001; waiting for its
  // answer". Empty: not called.
  std::function<void(std::string)> on_status;
};

// What became of the request.
enum class outcome : std::uint8_t {
  ok,        // the cluster applied it (or had applied it: a retry answered with the original)
  refused,   // the cluster refused it; nothing changed
  unknown,   // it may or may not have taken effect; retry with the same request_id
  not_sent,  // no server accepted it; nothing changed
};
std::string_view to_string(outcome o) noexcept;

// Why a call that did not get a definitive answer ended.
enum class failure : std::uint8_t {
  none,              // a definitive answer (ok, refused, or a final server error)
  no_leader,         // nothing answered discovery, no connection, or only "not leader"
  cluster_conflict,  // discovery saw two clusters under one name
  no_answer,         // connected and sent, but no (usable) answer before the deadline
  server_busy,       // the last answer was a retryable refusal (no_quorum, unavailable, ...)
};

struct call_result {
  outcome result = outcome::not_sent;
  failure why = failure::none;
  errc code = errc::ok;  // the server's code; for client-side failures timeout / unavailable
  std::string message;   // the server's message, or a description of the last failure
  std::string request_id;
  std::optional<wire::client_response> response;  // the definitive answer, if any
  std::string last_target;                        // "host:port" of the last server tried
  int attempts = 0;                               // TCP connection attempts made
  std::vector<std::string> abandoned;  // servers left unanswered for a newer leader (hedging)
  bool ok() const noexcept { return result == outcome::ok; }
};

// Codes the client retries (with the same request_id) until the deadline.
bool retryable(errc code) noexcept;

// Sends `request` (whose request_id must be set) and waits for a definitive answer.
call_result call(const wire::client_request& request, const call_options& options);

}  // namespace vote::client
