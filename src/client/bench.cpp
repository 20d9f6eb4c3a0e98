// vote-bench runner: closed-loop voting on one io_context (include/vote/client/bench.hpp).
#include "vote/client/bench.hpp"

#include <array>
#include <deque>
#include <exception>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "vote/client/exchange.hpp"
#include "vote/client/registration.hpp"
#include "vote/client/request_id.hpp"
#include "vote/core/error.hpp"

namespace vote::client {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

struct timed_answer {
  std::optional<wire::client_response> response;  // nullopt: I/O error, bad answer or timeout
  bool sent = false;                              // the request may have reached the server
};

awaitable<std::optional<wire::client_response>> exchange_nothrow(connection& c,
                                                                 const std::string& payload,
                                                                 bool& sent) {
  try {
    co_return co_await async_exchange(c, payload, sent);
  } catch (const std::exception&) {
    co_return std::nullopt;
  }
}

awaitable<timed_answer> timed_exchange(connection& c, const std::string& payload,
                                       clock_type::duration timeout) {
  timed_answer a;
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto r = co_await (exchange_nothrow(c, payload, a.sent) || timer.async_wait(asio::use_awaitable));
  if (r.index() == 0) a.response = std::get<0>(std::move(r));
  co_return a;
}

// Connect, then the TLS handshake when `tls` is set; false on any failure.
awaitable<bool> connect_nothrow(connection& c, tcp::endpoint server) {
  auto [ec] = co_await c.stream.socket().async_connect(server, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return false;
  c.stream.socket().set_option(tcp::no_delay(true), ec);
  try {
    co_await async_secure(c);
  } catch (const std::exception&) {
    co_return false;
  }
  co_return true;
}

awaitable<std::optional<connection>> timed_connect(tcp::endpoint server,
                                                   clock_type::duration timeout,
                                                   net::tls_context* tls) {
  const auto ex = co_await asio::this_coro::executor;
  connection c{net::stream(ex, tls)};
  asio::steady_timer timer(ex, timeout);
  auto r = co_await (connect_nothrow(c, server) || timer.async_wait(asio::use_awaitable));
  if (r.index() != 0 || !std::get<0>(r)) co_return std::nullopt;
  co_return std::optional<connection>(std::move(c));
}

struct bench_election {
  enum class state { registering, ready, failed, closed };
  std::string id;
  state st = state::registering;
  std::size_t next_voter = 0;
};

struct ballot {
  std::string election_id;
  std::string voter;
  std::string candidate;
};

constexpr std::array<const char*, 4> bench_candidates = {"A", "B", "C", "D"};

class runner {
 public:
  explicit runner(const bench_options& o)
      : options_(o),
        signal_(io_, clock_type::time_point::max()),
        tag_("bench-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count())),
        id_prefix_(make_request_id().substr(0, 16) + "-") {
    report_.connections = o.connections;
  }

  bench_report run() {
    boost::system::error_code ec;
    tcp::resolver resolver(io_);
    const auto found =
        resolver.resolve(options_.server.host, std::to_string(options_.server.port), ec);
    if (ec || found.empty()) return setup_failed("cannot resolve the server: " + ec.message());
    server_ = found.begin()->endpoint();
    asio::co_spawn(io_, main_flow(), [this](std::exception_ptr e) {
      if (e) set_setup_error("bench aborted by an internal error", errc::internal);
    });
    io_.run();
    report_.votes_per_s =
        report_.seconds > 0 ? static_cast<double>(report_.acknowledged) / report_.seconds : 0;
    report_.p50_ms = percentile_ms(latencies_, 0.50);
    report_.p99_ms = percentile_ms(latencies_, 0.99);
    report_.max_ms = percentile_ms(latencies_, 1.0);
    return report_;
  }

 private:
  awaitable<void> main_flow() {
    co_await register_election(start_registration());
    if (elections_.front().st != bench_election::state::ready) co_return;
    const auto start = clock_type::now();
    end_ = start + std::chrono::duration_cast<clock_type::duration>(
                       std::chrono::duration<double>(options_.seconds));
    asio::co_spawn(io_, stop_at_end(), asio::detached);
    for (int i = 0; i < options_.connections; ++i) {
      ++running_;
      asio::co_spawn(io_, voter_loop(), [this](std::exception_ptr) {
        --running_;
        notify();
      });
    }
    while (running_ > 0 || registering_ > 0) co_await wait_signal();
    report_.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    co_await close_all();
  }

  awaitable<void> stop_at_end() {
    asio::steady_timer timer(io_, end_);
    co_await timer.async_wait(asio::use_awaitable);
    notify();
  }

  awaitable<void> voter_loop() {
    std::optional<connection> conn;
    while (auto b = co_await next_ballot()) {
      if (!conn) conn = co_await timed_connect(server_, options_.request_timeout, tls());
      if (!conn) {
        ++report_.errors;
        asio::steady_timer pause(io_, std::min(end_, clock_type::now() + retry_pause));
        co_await pause.async_wait(asio::use_awaitable);
        continue;
      }
      const auto payload = vote_request(*b);
      const auto t0 = clock_type::now();
      const auto a = co_await timed_exchange(*conn, payload, options_.request_timeout);
      if (a.response && a.response->ok()) {
        ++report_.acknowledged;
        const auto us =
            std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0);
        latencies_.push_back(static_cast<std::uint32_t>(us.count()));
        continue;
      }
      ++report_.errors;
      if (!a.response) {
        if (a.sent) ++report_.unknown;
        conn.reset();
      } else if (outcome_may_be_unknown(a.response->code)) {
        ++report_.unknown;  // "leadership changed before the request was committed" and the like
      }
    }
  }

  // The next unused voter, switching to the prefetched election when one runs out.
  awaitable<std::optional<ballot>> next_ballot() {
    for (;;) {
      if (clock_type::now() >= end_ || !report_.setup_error.empty()) co_return std::nullopt;
      auto& e = elections_[current_];
      if (e.st == bench_election::state::ready && e.next_voter < options_.voters_per_election) {
        const auto n = e.next_voter++;
        // Half used: register the next one now, so it is ready in time and a large roll that
        // this run will never exhaust is not registered while the votes are being timed.
        if (n == options_.voters_per_election / 2 && current_ + 1 == elections_.size()) {
          spawn_registration();
        }
        co_return ballot{e.id, voter_id(n), bench_candidates[n % bench_candidates.size()]};
      }
      if (e.st == bench_election::state::ready) {  // exhausted: move on, keep one in advance
        if (current_ + 1 == elections_.size()) spawn_registration();
        ++current_;
        if (current_ + 1 == elections_.size()) spawn_registration();
        continue;
      }
      co_await wait_signal();  // still registering
    }
  }

  std::size_t start_registration() {
    elections_.push_back({tag_ + "-" + std::to_string(elections_.size())});
    ++registering_;
    return elections_.size() - 1;
  }

  void spawn_registration() {
    asio::co_spawn(io_, register_election(start_registration()), asio::detached);
  }

  awaitable<void> register_election(std::size_t k) {
    register_cmd cmd{elections_[k].id, {bench_candidates.begin(), bench_candidates.end()}, {}};
    cmd.voters.reserve(options_.voters_per_election);
    for (std::size_t i = 0; i < options_.voters_per_election; ++i) {
      cmd.voters.push_back(voter_id(i));
    }
    // A roll over one frame goes in chunks (register, then add_voters), one after the other.
    auto requests = registration_requests(std::move(cmd));
    std::optional<wire::client_response> r;
    for (auto& request : requests) {
      r = co_await admin_call(std::move(request));
      if (!r || !r->ok()) break;
    }
    auto& e = elections_[k];
    if (r && r->ok()) {
      e.st = bench_election::state::ready;
      ++report_.elections;
    } else {
      e.st = bench_election::state::failed;
      set_setup_error("registering " + e.id + " failed: " + describe(r),
                      r ? r->code : errc::unavailable);
    }
    --registering_;
    notify();
  }

  awaitable<void> close_all() {
    report_.closed_all = true;
    for (auto& e : elections_) {
      if (e.st != bench_election::state::ready) continue;
      wire::client_request request;
      request.type = wire::request_type::close;
      request.body = close_cmd{e.id};
      const auto r = co_await admin_call(std::move(request));
      if (r && r->ok() && r->result) {
        e.st = bench_election::state::closed;
        report_.counted += r->result->votes_cast;
      } else {
        report_.closed_all = false;
        set_setup_error("closing " + e.id + " failed: " + describe(r),
                        r ? r->code : errc::unavailable);
      }
    }
  }

  awaitable<std::optional<wire::client_response>> admin_call(wire::client_request request) {
    request.request_id = next_request_id();
    request.admin_token = options_.admin_token;
    const auto payload = wire::encode_request(request);
    auto conn = co_await timed_connect(server_, options_.request_timeout, tls());
    if (!conn) co_return std::nullopt;
    auto a = co_await timed_exchange(*conn, payload, options_.admin_timeout);
    co_return std::move(a.response);
  }

  std::string vote_request(const ballot& b) {
    wire::client_request request;
    request.type = wire::request_type::vote;
    request.request_id = next_request_id();
    request.body = vote_cmd{b.election_id, b.voter, b.candidate};
    return wire::encode_request(request);
  }

  awaitable<void> wait_signal() {
    boost::system::error_code ec;
    co_await signal_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  void notify() { signal_.cancel(); }
  net::tls_context* tls() const { return options_.tls.get(); }

  static std::string voter_id(std::size_t n) { return "v" + base36(n); }
  std::string next_request_id() { return id_prefix_ + base36(request_seq_++); }
  static std::string describe(const std::optional<wire::client_response>& r) {
    if (!r) return "no answer (connect failed or timed out)";
    return std::string(to_string(r->code)) + ": " + r->message;
  }

  void set_setup_error(std::string message, errc code) {
    if (!report_.setup_error.empty()) return;
    report_.setup_error = std::move(message);
    report_.setup_code = code;
    notify();
  }
  bench_report setup_failed(std::string message) {
    set_setup_error(std::move(message), errc::unavailable);
    return report_;
  }

  static constexpr std::chrono::milliseconds retry_pause{100};

  const bench_options& options_;
  asio::io_context io_;
  asio::steady_timer signal_;  // never expires: cancel() wakes every waiter (a broadcast)
  tcp::endpoint server_;
  std::string tag_;
  std::string id_prefix_;
  std::uint64_t request_seq_ = 0;
  std::deque<bench_election> elections_;
  std::size_t current_ = 0;
  clock_type::time_point end_ = clock_type::time_point::max();
  int running_ = 0;
  int registering_ = 0;
  std::vector<std::uint32_t> latencies_;
  bench_report report_;
};

}  // namespace

bench_report run_bench(const bench_options& options) {
  runner r(options);
  return r.run();
}

}  // namespace vote::client
