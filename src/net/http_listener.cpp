// The web adapter (http_listener.hpp): Beast's listener/session shape (Beast's
// example/http/server/advanced), with keep-alive and one request at a time per connection: the
// next request is not read before the handler's answer to this one is written.
//
// A session's life: [TLS handshake] -> read a request -> hand it over -> write the answer ->
// wait (idle) for the next request's first bytes -> ... -> a closing answer -> linger -> closed.
// One timer holds the deadline of the phase in progress; a phase past its deadline closes the
// connection (a failure, except when idle or lingering).
#include "vote/net/http_listener.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include "vote/net/log.hpp"
#include "vote/net/stream.hpp"
#include "vote/wire/messages.hpp"

namespace vote::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using http_message = http::response<http::string_body>;

namespace {

// After a closing answer, what the client still sends (e.g. the rest of a refused body) is read
// and discarded, so that closing does not reset the connection under the answer before the
// client has read it; at most this long and this much.
constexpr std::chrono::milliseconds linger_time{1000};
constexpr std::size_t linger_bytes = 1024 * 1024;
// The read that waits for a keep-alive connection's next request.
constexpr std::size_t idle_read_bytes = 4096;

// A refusal in the protocol's shape (docs/protocol.md): {"ok":false,"request_id":"","error":...}.
http_response refusal(unsigned status, errc code, std::string message) {
  wire::client_response r;
  r.code = code;
  r.message = std::move(message);
  return http_response{
      .status = status, .content_type = "application/json", .body = wire::encode_response(r)};
}

http_response internal_error() {
  return refusal(500, errc::internal, "Error: internal error; retry.");
}

// A request that is not HTTP/1.1 as Beast parses it (not a limit, not the end of the stream).
bool is_malformed(const error_code& ec) {
  if (ec.category() != http::make_error_code(http::error::bad_target).category()) return false;
  return ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::need_more && ec != http::error::need_buffer &&
         ec != http::error::buffer_overflow && ec != http::error::header_limit &&
         ec != http::error::body_limit;
}

bool is_header_text(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void add_security_headers(http_message& res, bool tls) {
  res.set("Content-Security-Policy", http_content_security_policy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set("Cross-Origin-Resource-Policy", "same-origin");
  res.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (tls) res.set("Strict-Transport-Security", "max-age=31536000");
}

// The body and its length; a HEAD answer has the length of the GET answer and no body; 204 and
// 304 have neither.
void set_payload(http_message& res, std::string body, bool head) {
  const unsigned status = res.result_int();
  if (status == 204 || status == 304) return;
  res.content_length(body.size());
  if (!head) res.body() = std::move(body);
}

}  // namespace

class http_session;

struct http_listener::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, const tcp::endpoint& endpoint, http_handler& h,
       http_listener_options o)
      : acceptor_(io, endpoint), accept_retry_(io), handler_(h), options_(std::move(o)) {}

  void accept();
  void admit(tcp::socket socket);
  void forget(http_session* s, const std::string& address);

  // After a failed accept (e.g. EMFILE) the listening socket stays readable; accepting again at
  // once would spin. Wait this long first.
  static constexpr std::chrono::milliseconds accept_retry_delay{100};

  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  http_handler& handler_;
  http_listener_options options_;
  http_listener_stats stats_;
  std::unordered_map<http_session*, std::shared_ptr<http_session>> sessions_;
  std::unordered_map<std::string, std::size_t> per_address_;  // open sessions per address
  std::uint64_t accept_failures_ = 0;
  bool stopped_ = false;
};

class http_session : public std::enable_shared_from_this<http_session> {
  enum class phase { handshake, request, answer, write, idle, linger };

 public:
  http_session(tcp::socket socket, std::shared_ptr<http_listener::impl> owner, std::string address)
      : stream_(std::move(socket), owner->options_.tls.get()),
        timer_(stream_.get_executor()),
        owner_(std::move(owner)),
        address_(std::move(address)) {}

  void start() {
    if (!stream_.is_tls()) return read_request();
    arm(options().timeout, phase::handshake);
    stream_.tls()->async_handshake(asio::ssl::stream_base::server,
                                   [self = shared_from_this()](error_code ec) {
                                     if (self->closed_) return;
                                     if (ec) return self->fail();
                                     self->read_request();
                                   });
  }

  // Closes at once; an answer still to come is dropped.
  void close() {
    if (closed_) return;
    auto self = shared_from_this();
    closed_ = true;
    ++generation_;
    timer_.cancel();
    stream_.close();
    owner_->forget(this, address_);
  }

  // An answer from the handler's `respond`.
  void on_answer(std::uint64_t answer, http_response a) {
    if (closed_ || answer != answers_ || phase_ != phase::answer) return;
    write(build(std::move(a)));
  }

 private:
  const http_listener_options& options() const { return owner_->options_; }
  http_listener_stats& stats() { return owner_->stats_; }

  // One deadline at a time; a wait that completed before the timer was re-armed is ignored.
  void arm(std::chrono::milliseconds d, phase p) {
    phase_ = p;
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this(), g = ++generation_](error_code ec) {
      if (ec || g != self->generation_ || self->closed_) return;
      if (self->phase_ == phase::idle || self->phase_ == phase::linger) return self->close();
      self->fail();  // a handshake, request, answer or write past its deadline
    });
  }

  void fail() {
    ++stats().failed;
    close();
  }

  // The deadline (timeout) starts now: it bounds reading the request, the answer and the write.
  void read_request() {
    arm(options().timeout, phase::request);
    head_ = false;
    version_ = 11;
    keep_alive_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
        options().max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(static_cast<std::uint64_t>(options().max_body_bytes));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  // A client that asks first (`Expect: 100-continue`, e.g. curl with a body over 1 KiB) is told
  // to go on once the header is within bounds (a body over the limit is refused at the header).
  void on_header(error_code ec) {
    if (closed_) return;
    if (ec) return on_read(ec);
    const auto& req = parser_->get();
    if (parser_->is_done() || req.version() < 11 ||
        !beast::iequals(req[http::field::expect], "100-continue")) {
      return read_body();
    }
    static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(go_on.data(), go_on.size()),
                      [self = shared_from_this()](error_code write_ec, std::size_t) {
                        if (self->closed_) return;
                        if (write_ec) return self->fail();
                        self->read_body();
                      });
  }

  void read_body() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  // Keep-alive: wait up to idle_timeout for the next request's first bytes.
  void await_request() {
    if (buffer_.size() > 0) return read_request();
    arm(options().idle_timeout, phase::idle);
    stream_.async_read_some(buffer_.prepare(idle_read_bytes),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              if (self->closed_) return;
                              if (ec) return self->close();  // gone between requests: not a failure
                              self->buffer_.commit(n);
                              self->read_request();
                            });
  }

  void on_read(error_code ec) {
    if (closed_) return;
    if (ec == http::error::header_limit) {
      return refuse(431, errc::too_large,
                    "Error: the request header is larger than " +
                        std::to_string(options().max_header_bytes) + " bytes.");
    }
    if (ec == http::error::body_limit) {
      return refuse(413, errc::too_large,
                    "Error: the request body is larger than " +
                        std::to_string(options().max_body_bytes) + " bytes.");
    }
    if (is_malformed(ec))
      return refuse(400, errc::bad_request, "Error: the request is not HTTP/1.1.");
    if (ec == http::error::end_of_stream) return close();  // closed before a request: not a failure
    if (ec) return fail();
    dispatch();
  }

  void dispatch() {
    const auto& req = parser_->get();
    version_ = req.version();
    head_ = req.method() == http::verb::head;
    ++served_;
    keep_alive_ = req.keep_alive() && served_ < options().max_requests_per_connection;
    const auto m = req.method();
    if (m != http::verb::get && m != http::verb::head &&
        (m != http::verb::post || !options().allow_post)) {
      return refuse(405, errc::bad_request,
                    options().allow_post ? "Error: only GET, HEAD and POST are allowed."
                                         : "Error: only GET and HEAD are allowed.");
    }
    hand_over();
  }

  http_request take_request() {
    auto req = parser_->release();
    parser_.reset();
    http_request r{.method = std::string(req.method_string()),
                   .target = std::string(req.target()),
                   .content_type = std::string(req[http::field::content_type]),
                   .body = std::move(req.body()),
                   .remote_address = address_};
    r.path = r.target.substr(0, r.target.find('?'));
    return r;
  }

  // The handler answers through `respond`, now or later, at most once; an answer after the
  // connection closed (or after the deadline) is dropped. A handler that throws is answered 500.
  void hand_over() {
    auto self = shared_from_this();
    ++stats().requests;
    phase_ = phase::answer;
    auto answered = std::make_shared<bool>(false);
    http_respond respond = [weak = weak_from_this(), answer = ++answers_,
                            answered](http_response a) {
      if (*answered) return;
      *answered = true;
      if (auto s = weak.lock()) s->on_answer(answer, std::move(a));
    };
    try {
      owner_->handler_.on_http(take_request(), respond);
    } catch (const std::exception& e) {
      log()->error("{}: the handler threw: {}", options().log_name, e.what());
      respond(internal_error());
    } catch (...) {
      log()->error("{}: the handler threw a non-exception", options().log_name);
      respond(internal_error());
    }
  }

  // The listener's own answer (400, 405, 413, 431). Only 405 keeps the connection: for the
  // others the request was not read to its end (or the address is over its cap).
  void refuse(unsigned status, errc code, std::string message) {
    ++stats().refused;
    auto a = refusal(status, code, std::move(message));
    if (status == 405) {
      a.headers.emplace_back("Allow", options().allow_post ? "GET, HEAD, POST" : "GET, HEAD");
    } else {
      keep_alive_ = false;
    }
    write(build(std::move(a)));
  }

  std::shared_ptr<http_message> build(http_response a) {
    if (a.status < 200 || a.status > 599) a = internal_error();
    auto res = std::make_shared<http_message>(http::status::ok, version_);
    res->result(a.status);
    for (const auto& [name, value] : a.headers) {
      if (!name.empty() && is_header_text(name) && is_header_text(value)) res->insert(name, value);
    }
    // Framing, cookies and the server's name are the listener's to decide (none of the last two).
    for (const auto f : {http::field::set_cookie, http::field::server, http::field::content_length,
                         http::field::transfer_encoding, http::field::connection}) {
      res->erase(f);
    }
    if (!a.content_type.empty() && is_header_text(a.content_type))
      res->set(http::field::content_type, a.content_type);
    add_security_headers(*res, stream_.is_tls());
    res->keep_alive(keep_alive_);
    set_payload(*res, std::move(a.body), head_);
    return res;
  }

  void write(std::shared_ptr<http_message> res) {
    phase_ = phase::write;
    http::async_write(stream_, *res, [self = shared_from_this(), res](error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->fail();
      if (!res->keep_alive()) return self->linger();
      self->await_request();
    });
  }

  // Half-close, then discard what the client still sends until it closes too (bounded).
  void linger() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    arm(std::min<std::chrono::milliseconds>(options().timeout, linger_time), phase::linger);
    buffer_.clear();
    drain();
  }

  void drain() {
    stream_.socket().async_read_some(buffer_.prepare(idle_read_bytes),
                                     [self = shared_from_this()](error_code ec, std::size_t n) {
                                       if (self->closed_) return;
                                       self->drained_ += n;
                                       if (ec || self->drained_ > linger_bytes)
                                         return self->close();
                                       self->drain();
                                     });
  }

  stream stream_;
  asio::steady_timer timer_;
  std::shared_ptr<http_listener::impl> owner_;
  std::string address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  phase phase_ = phase::request;
  std::uint64_t generation_ = 0;  // of the timer's current wait
  std::uint64_t answers_ = 0;     // requests handed over; the last is the one awaiting an answer
  std::size_t served_ = 0;
  std::size_t drained_ = 0;
  unsigned version_ = 11;
  bool head_ = false;
  bool keep_alive_ = false;
  bool closed_ = false;
};

void http_listener::impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    if (self->stopped_) return;
    if (ec) {
      if (worth_logging(++self->accept_failures_)) {
        log()->warn("{}: accept failed: {}; retrying in {} ms", self->options_.log_name,
                    ec.message(), accept_retry_delay.count());
      }
      self->accept_retry_.expires_after(accept_retry_delay);
      self->accept_retry_.async_wait([self](error_code wait_ec) {
        if (!wait_ec && !self->stopped_) self->accept();
      });
      return;
    }
    self->admit(std::move(socket));
    self->accept();
  });
}

void http_listener::impl::admit(tcp::socket socket) {
  error_code ec;
  if (sessions_.size() >= options_.max_connections) {
    ++stats_.refused_over_cap;
    socket.close(ec);
    return;
  }
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  auto address = remote.address().to_string();
  // Over its address's cap: closed at once, so that one address never holds more than its share
  // of max_connections (a connection kept open to be refused later would hold a slot).
  std::size_t& open = per_address_[address];
  if (open >= options_.max_connections_per_address) {
    ++stats_.refused_over_cap;
    socket.close(ec);
    return;
  }
  ++open;
  auto s =
      std::make_shared<http_session>(std::move(socket), shared_from_this(), std::move(address));
  sessions_.emplace(s.get(), s);
  stats_.open_connections = sessions_.size();
  s->start();
}

void http_listener::impl::forget(http_session* s, const std::string& address) {
  sessions_.erase(s);
  stats_.open_connections = sessions_.size();
  const auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

http_listener::http_listener(asio::io_context& io, const tcp::endpoint& endpoint,
                             http_handler& handler, http_listener_options options)
    : impl_(std::make_shared<impl>(io, endpoint, handler, std::move(options))) {}

http_listener::~http_listener() {
  stop();
}

void http_listener::start() {
  impl_->accept();
}

void http_listener::stop() {
  if (impl_->stopped_) return;
  impl_->stopped_ = true;
  error_code ignored;
  impl_->acceptor_.close(ignored);
  impl_->accept_retry_.cancel();
  auto sessions = std::move(impl_->sessions_);
  impl_->sessions_.clear();
  for (auto& [ptr, s] : sessions) s->close();
  impl_->per_address_.clear();
  impl_->stats_.open_connections = 0;
}

tcp::endpoint http_listener::local_endpoint() const {
  return impl_->acceptor_.local_endpoint();
}

const http_listener_stats& http_listener::stats() const noexcept {
  return impl_->stats_;
}

}  // namespace vote::net
