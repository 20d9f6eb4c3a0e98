#include "vote/net/client_listener.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <optional>
#include <unordered_map>

#include "vote/wire/frame.hpp"
#include "vote/wire/messages.hpp"

namespace vote::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

std::shared_ptr<spdlog::logger> log() {
  static auto logger = spdlog::get("net") ? spdlog::get("net") : spdlog::default_logger();
  return logger;
}

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
  impl(asio::io_context& io, const tcp::endpoint& ep, request_handler& h, listener_options o)
      : io_(io), acceptor_(io, ep), accept_retry_(io), handler_(h), options_(o) {}

  void accept();
  void forget(session* s);

  // After a failed accept (e.g. EMFILE: out of descriptors) the listening socket stays readable;
  // accepting again at once would spin. Wait this long first.
  static constexpr std::chrono::milliseconds accept_retry_delay{100};

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  request_handler& handler_;
  listener_options options_;
  listener_stats stats_;
  std::unordered_map<session*, std::shared_ptr<session>> sessions_;
  bool stopped_ = false;
  std::function<void()> drained_;  // set by shutdown(): called once the last session closed
};

// One client connection. Reads a frame, hands it over, writes the reply, repeats.
class session : public std::enable_shared_from_this<session> {
  using clock = asio::steady_timer::clock_type;

 public:
  session(tcp::socket socket, std::shared_ptr<client_listener::impl> owner)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), owner_(std::move(owner)) {
    origin_.same_host = is_same_host(socket_);
    error_code ec;
    origin_.remote_address = socket_.remote_endpoint(ec).address().to_string();
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

  // Decodes what is buffered: dispatches one frame, reports an error, or reads more.
  void process_buffer() {
    if (closed_ || closing_) return;
    if (owner_->drained_) return close();  // shutting down: no new requests
    auto view = std::string_view(buffer_).substr(start_);
    auto d = wire::decode_frame(view, options().max_frame_payload);
    switch (d.st) {
      case wire::frame_decode::status::frame:
        if (d.type != wire::frame_type::json) {
          ++owner_->stats_.frame_errors;
          fail(framed_error(errc::unsupported, "Error: this port takes client frames only"));
          return;
        }
        dispatch(std::string(d.payload), d.consumed);
        return;
      case wire::frame_decode::status::error:
        ++owner_->stats_.frame_errors;
        log()->debug("frame error from {}: {}", origin_.remote_address, d.error);
        fail(framed_error(d.code, "Error: " + d.error));
        return;
      case wire::frame_decode::status::need_more:
        if (view.empty()) {
          read_more(clock::now() + options().idle_timeout);
        } else {
          // The deadline is set when the frame starts, not on every read: a sender trickling a
          // byte at a time must not hold the connection forever.
          if (!frame_deadline_) frame_deadline_ = clock::now() + options().frame_timeout;
          read_more(*frame_deadline_);
        }
        return;
    }
  }

  void read_more(clock::time_point deadline) {
    if (start_ > 0) {
      buffer_.erase(0, start_);
      start_ = 0;
    }
    arm(deadline);
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

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<client_listener::impl> owner_;
  request_origin origin_;
  std::string buffer_;
  std::size_t start_ = 0;  // first unconsumed byte of buffer_
  std::string out_;
  std::optional<clock::time_point> frame_deadline_;  // set while a started frame is incomplete
  std::uint64_t timer_generation_ = 0;               // of the one wait that may close
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
                                 request_handler& handler, listener_options options)
    : impl_(std::make_shared<impl>(io, endpoint, handler, options)) {}

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
