#include "vote/net/client_listener.hpp"
#include "vote/net/local_peer.hpp"
#include "vote/net/log.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "vote/wire/frame.hpp"
#include "vote/wire/messages.hpp"

namespace vote::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

std::string framed_error(errc code, std::string message) {
  wire::client_response r;
  r.code = code;
  r.message = std::move(message);
  std::string out;
  wire::encode_frame(wire::encode_response(r), out);
  return out;
}

bool is_same_host(const tcp::socket& s) {
  error_code ec;
  auto remote = s.remote_endpoint(ec).address();
  if (ec) return false;
  auto local = s.local_endpoint(ec).address();
  if (ec) return false;
  return remote.is_loopback() || remote == local;
}

}  // namespace

class session;

struct client_listener::impl : std::enable_shared_from_this<client_listener::impl> {
  impl(asio::io_context& io, const tcp::endpoint& ep, request_handler& h, listener_options o,
       peer_frame_handler* peers)
      : io_(io), acceptor_(io, ep), accept_retry_(io), handler_(h), peers_(peers), options_(o) {}

  void accept();
  void forget(session* s);

  // After a failed accept (e.g. EMFILE: out of descriptors) the listening socket stays readable;
  // accepting again at once would spin. Wait this long first.
  static constexpr std::chrono::milliseconds accept_retry_delay{100};

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  request_handler& handler_;
  peer_frame_handler* peers_;  // null: peer frames are refused
  listener_options options_;
  listener_stats stats_;
  std::unordered_map<session*, std::shared_ptr<session>> sessions_;
  bool stopped_ = false;
  std::function<void()> drained_;  // set by shutdown(): called once the last session closed
};

// One connection. A client session reads a frame, hands it over, writes the reply, repeats; a
// peer session hands over every frame as it completes and never writes.
class session : public std::enable_shared_from_this<session> {
  using clock = asio::steady_timer::clock_type;
  enum class kind { undecided, client, peer };  // set by the first complete frame

 public:
  session(tcp::socket socket, std::shared_ptr<client_listener::impl> owner)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), owner_(std::move(owner)) {
    origin_.same_host = is_same_host(socket_);
    error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    origin_.remote_address = remote.address().to_string();
    if (origin_.same_host && !ec)
      origin_.local_uid = socket_owner_uid(remote, socket_.local_endpoint(ec));
  }

  void start() { process_buffer(); }

  // Graceful shutdown: a connection waiting for a request closes now; one with a request in
  // flight closes once its reply is written.
  void close_if_idle() {
    if (!in_request_) close();
  }

  // Sends `bytes`, then closes. Used for frame errors and the connection cap.
  void fail(std::string bytes) {
    closing_ = true;
    write(std::move(bytes));
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    disarm();
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    if (owner_) owner_->forget(this);
  }

 private:
  const listener_options& options() const { return owner_->options_; }

  // One deadline at a time. A wait that completed before the timer was re-armed or disarmed is
  // still delivered with success; its generation no longer matches, so it closes nothing.
  void arm(clock::time_point deadline) {
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_at(deadline);
    timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
      if (ec || self->closed_ || generation != self->timer_generation_) return;
      ++self->owner_->stats_.timeouts;
      self->close();
    });
  }

  void disarm() {
    ++timer_generation_;
    timer_.cancel();
  }

  // Decodes what is buffered: dispatches frames, reports an error, or reads more.
  void process_buffer() {
    auto self = shared_from_this();  // a peer frame handler may stop the listener
    while (!closed_ && !closing_) {
      if (owner_->drained_) return close();  // shutting down: no new requests
      auto view = std::string_view(buffer_).substr(start_);
      auto d = decode_next(view);
      switch (d.st) {
        case wire::frame_decode::status::frame:
          if (d.type == wire::frame_type::json) return dispatch(std::string(d.payload), d.consumed);
          hand_over_peer_frame(std::string(d.payload), d.consumed);
          continue;  // a peer frame needs no reply: on to the next one
        case wire::frame_decode::status::error:
          return frame_error(d);
        case wire::frame_decode::status::need_more:
          if (view.empty()) {
            // A peer link is persistent: it may stay quiet as long as it likes.
            read_more(kind_ == kind::peer ? std::nullopt
                                          : std::optional(clock::now() + options().idle_timeout));
          } else {
            // The deadline is set when the frame starts, not on every read: a sender trickling a
            // byte at a time must not hold the connection forever.
            if (!frame_deadline_) frame_deadline_ = clock::now() + options().frame_timeout;
            read_more(frame_deadline_);
          }
          return;
      }
    }
  }

  // decode_frame() with the limit and the kind rule of the frame's type, applied as soon as the
  // header has arrived (before any payload is waited for).
  wire::frame_decode decode_next(std::string_view view) const {
    const auto& o = options();
    auto d = wire::decode_frame(view, std::max(o.max_frame_payload, o.max_peer_frame_payload));
    if (d.st == wire::frame_decode::status::error || view.size() < wire::frame_header_size) {
      return d;
    }
    const auto type = static_cast<wire::frame_type>(view[frame_type_offset]);
    if (auto refusal = refuse(type)) return *refusal;
    const auto limit =
        type == wire::frame_type::peer ? o.max_peer_frame_payload : o.max_frame_payload;
    // The header alone: too_large if its length is over this type's limit, else need_more.
    auto header = wire::decode_frame(view.substr(0, wire::frame_header_size), limit);
    return header.st == wire::frame_decode::status::error ? header : d;
  }

  // A frame-level error if `type` may not come on this connection.
  std::optional<wire::frame_decode> refuse(wire::frame_type type) const {
    const char* reason = nullptr;
    errc code = errc::bad_request;
    if (type == wire::frame_type::peer && !owner_->peers_) {
      code = errc::unsupported;
      reason = "this port takes client frames only";
    } else if (type == wire::frame_type::peer && kind_ == kind::client) {
      reason = "a peer frame on a client connection";
    } else if (type == wire::frame_type::json && kind_ == kind::peer) {
      reason = "a client frame on a peer connection";
    }
    if (!reason) return std::nullopt;
    wire::frame_decode d;
    d.st = wire::frame_decode::status::error;
    d.code = code;
    d.error = reason;
    return d;
  }

  // A client connection gets one error response; a peer connection is never written to.
  void frame_error(const wire::frame_decode& d) {
    ++owner_->stats_.frame_errors;
    log()->debug("frame error from {}: {}", origin_.remote_address, d.error);
    if (kind_ == kind::peer) return close();
    fail(framed_error(d.code, "Error: " + d.error));
  }

  void hand_over_peer_frame(std::string payload, std::size_t consumed) {
    kind_ = kind::peer;
    start_ += consumed;
    frame_deadline_.reset();
    owner_->peers_->on_peer_frame(std::move(payload), origin_);
  }

  // Reads, closing the connection at `deadline` if one is given.
  void read_more(std::optional<clock::time_point> deadline) {
    if (start_ > 0) {
      buffer_.erase(0, start_);
      start_ = 0;
    }
    if (deadline) {
      arm(*deadline);
    } else {
      disarm();
    }
    const std::size_t old = buffer_.size();
    buffer_.resize(old + read_chunk);
    socket_.async_read_some(asio::buffer(buffer_.data() + old, read_chunk),
                            [self = shared_from_this(), old](error_code ec, std::size_t n) {
                              self->buffer_.resize(old + n);
                              if (ec || self->closed_) return self->close();
                              self->process_buffer();
                            });
  }

  void dispatch(std::string payload, std::size_t consumed) {
    kind_ = kind::client;
    start_ += consumed;
    frame_deadline_.reset();
    disarm();
    in_request_ = true;
    std::weak_ptr<session> weak = shared_from_this();
    owner_->handler_.on_request(std::move(payload), origin_, [weak](std::string response) {
      auto self = weak.lock();
      if (!self || self->closed_) return;
      std::string framed;
      wire::encode_frame(response, framed);
      self->write(std::move(framed));
    });
  }

  void write(std::string bytes) {
    out_ = std::move(bytes);
    arm(clock::now() + options().write_timeout);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        self->in_request_ = false;
                        if (ec || self->closed_ || self->closing_) return self->close();
                        self->process_buffer();
                      });
  }

  static constexpr std::size_t read_chunk = 16 * 1024;
  static constexpr std::size_t frame_type_offset = 5;  // of the frame header (wire/frame.hpp)

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<client_listener::impl> owner_;
  request_origin origin_;
  std::string buffer_;
  std::size_t start_ = 0;  // first unconsumed byte of buffer_
  std::string out_;
  std::optional<clock::time_point> frame_deadline_;  // set while a started frame is incomplete
  std::uint64_t timer_generation_ = 0;               // of the one wait that may close
  kind kind_ = kind::undecided;
  bool in_request_ = false;  // a request was handed over and its reply is not yet written
  bool closing_ = false;
  bool closed_ = false;
};

void client_listener::impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    if (self->stopped_) return;
    if (ec) {
      ++self->stats_.accept_errors;
      log()->warn("accept failed: {}; retrying in {} ms", ec.message(), accept_retry_delay.count());
      self->accept_retry_.expires_after(accept_retry_delay);
      self->accept_retry_.async_wait([self](error_code wait_ec) {
        if (!wait_ec && !self->stopped_) self->accept();
      });
      return;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto s = std::make_shared<session>(std::move(socket), self);
    ++self->stats_.accepted;
    if (self->sessions_.size() >= self->options_.max_connections) {
      ++self->stats_.refused_over_cap;
      s->fail(framed_error(errc::unavailable,
                           "Error: the server is at its connection limit; retry later."));
    } else {
      self->sessions_.emplace(s.get(), s);
      self->stats_.open = self->sessions_.size();
      s->start();
    }
    self->accept();
  });
}

void client_listener::impl::forget(session* s) {
  sessions_.erase(s);
  stats_.open = sessions_.size();
  if (sessions_.empty() && drained_) {
    auto done = std::move(drained_);
    drained_ = nullptr;
    asio::post(io_, std::move(done));
  }
}

client_listener::client_listener(asio::io_context& io, const tcp::endpoint& endpoint,
                                 request_handler& handler, listener_options options,
                                 peer_frame_handler* peers)
    : impl_(std::make_shared<impl>(io, endpoint, handler, options, peers)) {}

client_listener::~client_listener() {
  stop();
}

void client_listener::start() {
  impl_->accept();
}

void client_listener::shutdown(std::function<void()> done) {
  impl_->stopped_ = true;
  error_code ec;
  impl_->acceptor_.close(ec);
  impl_->accept_retry_.cancel();
  impl_->drained_ = std::move(done);
  std::vector<std::shared_ptr<session>> open;
  for (auto& [ptr, s] : impl_->sessions_) open.push_back(s);
  for (auto& s : open) s->close_if_idle();
  if (impl_->sessions_.empty() && impl_->drained_) {
    auto d = std::move(impl_->drained_);
    impl_->drained_ = nullptr;
    asio::post(impl_->io_, std::move(d));
  }
}

void client_listener::stop() {
  if (impl_->stopped_) return;
  impl_->stopped_ = true;
  error_code ec;
  impl_->acceptor_.close(ec);
  impl_->accept_retry_.cancel();
  auto sessions = std::move(impl_->sessions_);
  for (auto& [ptr, s] : sessions) s->close();
  impl_->stats_.open = 0;
}

tcp::endpoint client_listener::local_endpoint() const {
  return impl_->acceptor_.local_endpoint();
}

const listener_stats& client_listener::stats() const noexcept {
  return impl_->stats_;
}

}  // namespace vote::net
