// The client listener's insides (client_listener.hpp): the listener's shared state and one
// session per connection. Private to src/net; included by client_listener.cpp only.
#pragma once

#include "vote/net/client_listener.hpp"
#include "vote/net/cluster_key.hpp"
#include "vote/net/local_peer.hpp"
#include "vote/net/log.hpp"
#include "vote/net/stream.hpp"

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

inline std::string framed_error(errc code, std::string message) {
  wire::client_response r;
  r.code = code;
  r.message = std::move(message);
  std::string out;
  wire::encode_frame(wire::encode_response(r), out);
  return out;
}

inline bool is_same_host(const tcp::socket& s) {
  error_code ec;
  auto remote = s.remote_endpoint(ec).address();
  if (ec) return false;
  auto local = s.local_endpoint(ec).address();
  if (ec) return false;
  return remote.is_loopback() || remote == local;
}

class session;

struct client_listener::impl : std::enable_shared_from_this<client_listener::impl> {
  impl(asio::io_context& io, const tcp::endpoint& ep, request_handler& h, listener_options o,
       peer_message_handler* peers, peer_codec codec)
      : io_(io),
        acceptor_(io, ep),
        accept_retry_(io),
        handler_(h),
        peers_(peers),
        codec_(codec),
        options_(o),
        ledger_(o.limits) {}

  void accept();
  void admit(std::shared_ptr<session> s);
  bool make_room(edge_pool pool, const session* spare = nullptr);
  void forget(session* s);
  void count_open();

  // After a failed accept (e.g. EMFILE: out of descriptors) the listening socket stays readable;
  // accepting again at once would spin. Wait this long first.
  static constexpr std::chrono::milliseconds accept_retry_delay{100};

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  request_handler& handler_;
  peer_message_handler* peers_;  // null: peer frames are refused
  peer_codec codec_;
  listener_options options_;
  edge_ledger ledger_;
  listener_stats stats_;
  std::unordered_map<session*, std::shared_ptr<session>> sessions_;
  bool stopped_ = false;
  std::function<void()> drained_;  // set by shutdown(): called once the last session closed
};

// One connection. A client session reads a frame, hands it over, writes the reply, repeats; a
// peer session opens every frame as it completes, hands over what opened and never writes. With
// TLS, both start with the server handshake (client_listener.hpp).
class session : public std::enable_shared_from_this<session> {
  using clock = asio::steady_timer::clock_type;

 public:
  session(tcp::socket socket, std::shared_ptr<client_listener::impl> owner)
      : stream_(std::move(socket), owner->options_.tls.get()),
        timer_(stream_.get_executor()),
        owner_(std::move(owner)) {
    origin_.same_host = is_same_host(stream_.socket());
    error_code remote_ec, local_ec;
    const auto remote = stream_.socket().remote_endpoint(remote_ec);
    const auto local = stream_.socket().local_endpoint(local_ec);
    origin_.remote_address = remote.address().to_string();
    if (origin_.same_host && !remote_ec && !local_ec)
      origin_.local_uid = [remote, local] { return socket_owner_uid(remote, local); };
  }

  void start() {
    holds_slot_ = true;
    if (stream_.is_tls()) return sniff();
    process_buffer();
  }

  edge_pool pool() const { return pool_of(kind_); }
  // Whether closing this connection to make room loses nothing in flight.
  bool evictable() const { return !in_request_ && !closing_ && !closed_; }
  clock::time_point last_active() const { return last_active_; }

  // Graceful shutdown: a connection waiting for a request closes now; one with a request in
  // flight closes once its reply is written.
  void close_if_idle() {
    if (!in_request_) close();
  }

  // Sends `bytes`, then closes. Used for frame errors and the connection cap. A TLS connection
  // refused before its handshake (the connection cap) is closed without an answer: answering
  // would take a handshake, the very cost the cap bounds.
  void fail(std::string bytes) {
    closing_ = true;
    if (stream_.is_tls() && !handshaken_) return close();
    write(std::move(bytes));
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    disarm();
    stream_.close();
    charge(0);
    if (!reading_) buffer_.release();  // else once the aborted read has completed
    if (holds_slot_ && owner_) owner_->forget(this);
  }

 private:
  const listener_options& options() const { return owner_->options_; }
  listener_stats& stats() { return owner_->stats_; }

  // TLS, before the handshake (whose deadline starts here): a first byte that starts a frame
  // ('V' of "VOTE") and never a TLS record is a plaintext client. It gets one plain error frame
  // that says so (a fixed text: nothing of the server), then the connection closes.
  void sniff() {
    arm(clock::now() + options().handshake_timeout);
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
      if (self->closed_) return;
      if (ec) return self->close();
      char first = 0;
      error_code peek_ec;
      const auto n = self->stream_.socket().receive(asio::buffer(&first, 1),
                                                    tcp::socket::message_peek, peek_ec);
      if (!peek_ec && n == 1 && first == wire::frame_magic[0]) return self->refuse_plaintext();
      self->handshake(*self->stream_.tls());
    });
  }

  void refuse_plaintext() {
    const auto n = ++stats().tls_handshakes_failed;
    log()->debug("plaintext frame from {} on a TLS port ({} failed handshakes so far)",
                 origin_.remote_address, n);
    closing_ = true;
    out_ = framed_error(errc::unsupported,
                        "Error: this server speaks TLS only: give the client --tls-ca FILE (or set "
                        "VOTE_TLS_CA) with the cluster's CA certificate.");
    arm(clock::now() + options().write_timeout);
    asio::async_write(stream_.socket(), asio::buffer(out_),
                      [self = shared_from_this()](error_code, std::size_t) { self->close(); });
  }

  // The TLS handshake, under its own deadline (a timeout closes and counts in `timeouts`). Then
  // the connection is read like a plain one; whether it may carry peer frames is settled here.
  void handshake(tls_stream& tls) {
    tls.async_handshake(tls_stream::server, [self = shared_from_this()](error_code ec) {
      if (self->closed_) return;
      if (ec) {
        const auto n = ++self->stats().tls_handshakes_failed;
        log()->debug("TLS handshake with {} failed: {} ({} so far)", self->origin_.remote_address,
                     ec.message(), n);
        return self->close();
      }
      self->handshaken_ = true;
      self->certified_ = peer_certified(*self->stream_.tls());
      self->last_active_ = clock::now();
      self->process_buffer();
    });
  }

  // One deadline at a time. A wait that completed before the timer was re-armed or disarmed is
  // still delivered with success; its generation no longer matches, so it closes nothing.
  void arm(clock::time_point deadline) {
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_at(deadline);
    timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
      if (ec || self->closed_ || generation != self->timer_generation_) return;
      ++self->stats().timeouts;
      self->close();
    });
  }

  void disarm() {
    ++timer_generation_;
    timer_.cancel();
  }

  // Charges the read buffer's bytes to this connection's pool; false if the caps refuse.
  bool charge(std::size_t bytes) {
    const bool ok = owner_->ledger_.recharge(pool(), charged_, bytes);
    stats().buffered_bytes = owner_->ledger_.bytes();
    return ok;
  }

  // charge(), closing the quietest other connections of the pool (at most max_evictions) while
  // the caps refuse: a flood of connections that announce frames and never finish them cannot
  // keep a new client (or peer) out.
  bool charge_making_room(std::size_t bytes) {
    for (int evicted = 0; !charge(bytes); ++evicted) {
      if (evicted == max_evictions || !owner_->make_room(pool(), this)) return false;
    }
    return true;
  }

  // Decodes what is buffered: dispatches frames, reports an error, or reads more.
  void process_buffer() {
    auto self = shared_from_this();  // a peer message handler may stop the listener
    while (!closed_ && !closing_) {
      if (owner_->drained_) return close();  // shutting down: no new requests
      const auto view = buffer_.data();
      auto d = decode_next(view);
      switch (d.st) {
        case wire::frame_decode::status::frame:
          if (d.type == wire::frame_type::json) return dispatch(std::string(d.payload), d.consumed);
          take_peer_frame(d.payload, d.consumed);
          continue;  // a peer frame needs no reply: on to the next one
        case wire::frame_decode::status::error:
          return frame_error(d);
        case wire::frame_decode::status::need_more:
          return read_more(view);
      }
    }
  }

  // decode_frame() with the limit and the kind rule of the frame's type, applied as soon as the
  // header has arrived (before any payload is waited for).
  wire::frame_decode decode_next(std::string_view view) {
    const auto& l = options().limits;
    auto d = wire::decode_frame(view, std::max(l.max_frame_payload, l.max_peer_frame_payload));
    if (d.st == wire::frame_decode::status::error || view.size() < wire::frame_header_size) {
      return d;
    }
    const auto type = static_cast<wire::frame_type>(view[frame_type_offset]);
    if (auto refusal = refuse(type)) return *refusal;
    // The header alone: too_large if its length is over this type's limit, else need_more.
    auto header =
        wire::decode_frame(view.substr(0, wire::frame_header_size), payload_limit(l, kind_, type));
    return header.st == wire::frame_decode::status::error ? header : d;
  }

  // A frame-level error if `type` may not come on this connection.
  std::optional<wire::frame_decode> refuse(wire::frame_type type) {
    const char* reason = nullptr;
    errc code = errc::bad_request;
    if (type == wire::frame_type::peer && !owner_->peers_) {
      code = errc::unsupported;
      reason = "this port takes client frames only";
    } else if (type == wire::frame_type::peer && stream_.is_tls() && !certified_) {
      ++stats().peer_frames_uncertified;
      code = errc::unauthorized;
      reason = "a peer frame on a connection without a certificate signed by the cluster's CA";
    } else if (type == wire::frame_type::peer && kind_ == connection_kind::client) {
      reason = "a peer frame on a client connection";
    } else if (type == wire::frame_type::json && kind_ == connection_kind::peer) {
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
    ++stats().frame_errors;
    log()->debug("frame error from {}: {}", origin_.remote_address, d.error);
    if (kind_ == connection_kind::peer) return close();
    fail(framed_error(d.code, "Error: " + d.error));
  }

  // Opens a peer frame (before its bytes are dropped from the buffer: `payload` points into it)
  // and hands over what opened; anything else closes the connection.
  void take_peer_frame(std::string_view payload, std::size_t consumed) {
    auto opened = owner_->codec_.open(payload, unix_now_ms());
    consume(consumed);
    if (const auto* refusal = std::get_if<peer_refusal>(&opened)) {
      const auto n = ++stats().peer_frames_refused;
      if (worth_logging(n)) {
        log()->warn("refused a peer frame from {}: {}; connection closed ({} refused so far)",
                    origin_.remote_address, to_string(*refusal), n);
      }
      return close();
    }
    if (kind_ != connection_kind::peer && !become_peer()) return;
    auto& input = std::get<peer_input>(opened);
    if (std::holds_alternative<link_opening>(input)) return;  // transport only
    peer_message message = std::holds_alternative<leave_request>(input)
                               ? peer_message(std::move(std::get<leave_request>(input)))
                               : peer_message(std::move(std::get<consensus::envelope>(input)));
    owner_->peers_->on_peer_message(std::move(message), origin_);
  }

  // The first frame opened: the connection moves to the peer pool (making room there if needed).
  bool become_peer() {
    auto& o = *owner_;
    if (!o.ledger_.has_slot(edge_pool::peer) && !o.make_room(edge_pool::peer)) {
      ++stats().refused_over_cap;
      close();
      return false;
    }
    const std::size_t bytes = charged_;
    charge(0);
    o.ledger_.close(edge_pool::client);
    o.ledger_.open(edge_pool::peer);
    kind_ = connection_kind::peer;
    ++stats().peer_links;
    o.count_open();
    if (!charge_making_room(bytes)) {
      ++stats().over_budget;
      close();
      return false;
    }
    return true;
  }

  void consume(std::size_t n) {
    buffer_.consume(n);
    frame_deadline_.reset();
    charge(buffer_.capacity());
  }

  // Reads into the buffer, first charging what it may grow to for the frame in progress (the
  // frame's whole size: nothing is read for a frame the caps cannot take). The deadline: idle
  // between frames, the frame deadline within one (set when the frame starts, not on every
  // read: a sender trickling a byte at a time must not hold the connection forever).
  void read_more(std::string_view view) {
    const std::size_t total = frame_total(view);
    const std::size_t capacity = buffer_.capacity_for(total);
    if (!charge_making_room(std::max(capacity, total))) return refuse_over_budget();
    if (!view.empty()) {
      if (!frame_deadline_) frame_deadline_ = clock::now() + options().frame_timeout;
      arm(*frame_deadline_);
    } else {
      arm(clock::now() +
          (kind_ == connection_kind::peer ? options().peer_idle_timeout : options().idle_timeout));
    }
    char* at = buffer_.space(capacity);
    reading_ = true;
    stream_.async_read_some(asio::buffer(at, buffer_.space_size()),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->reading_ = false;
                              if (self->closed_) return self->buffer_.release();
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              self->last_active_ = clock::now();
                              self->process_buffer();
                            });
  }

  // Header and payload of the frame in progress; 0 while its header is incomplete.
  static std::size_t frame_total(std::string_view view) {
    if (view.size() < wire::frame_header_size) return 0;
    std::size_t length = 0;
    for (std::size_t i = frame_length_offset; i < wire::frame_header_size; ++i) {
      length = (length << 8) | static_cast<std::uint8_t>(view[i]);
    }
    return wire::frame_header_size + length;
  }

  void refuse_over_budget() {
    ++stats().over_budget;
    log()->debug("buffered-bytes cap reached: closing the connection from {}",
                 origin_.remote_address);
    if (kind_ == connection_kind::peer) return close();
    fail(framed_error(errc::unavailable, "Error: the server is at its memory limit; retry later."));
  }

  void dispatch(std::string payload, std::size_t consumed) {
    kind_ = connection_kind::client;
    consume(consumed);
    disarm();
    in_request_ = true;
    last_active_ = clock::now();
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
    asio::async_write(stream_, asio::buffer(out_),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        self->in_request_ = false;
                        self->out_ = std::string();
                        self->last_active_ = clock::now();
                        if (ec || self->closed_ || self->closing_) return self->close();
                        self->process_buffer();
                      });
  }

  static constexpr int max_evictions = 64;               // per charge that the caps refuse
  static constexpr std::size_t frame_type_offset = 5;    // of the frame header (wire/frame.hpp)
  static constexpr std::size_t frame_length_offset = 8;  // u32 big-endian

  stream stream_;  // plain or TLS (options().tls)
  asio::steady_timer timer_;
  std::shared_ptr<client_listener::impl> owner_;
  request_origin origin_;
  frame_buffer buffer_;
  std::size_t charged_ = 0;  // bytes charged to the ledger for buffer_ (pool of kind_)
  std::string out_;
  std::optional<clock::time_point> frame_deadline_;  // set while a started frame is incomplete
  std::uint64_t timer_generation_ = 0;               // of the one wait that may close
  clock::time_point last_active_ = clock::now();     // last read, request or reply
  connection_kind kind_ = connection_kind::undecided;
  bool holds_slot_ = false;  // counted in the ledger and in sessions_
  bool reading_ = false;     // a read into buffer_ is in flight
  bool in_request_ = false;  // a request was handed over and its reply is not yet written
  bool closing_ = false;
  bool closed_ = false;
  bool handshaken_ = false;  // TLS: the handshake completed
  bool certified_ = false;   // TLS: the other side presented a certificate signed by the CA
};

}  // namespace vote::net
