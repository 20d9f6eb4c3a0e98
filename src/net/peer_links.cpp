#include "vote/net/peer_links.hpp"
#include "vote/net/log.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "vote/net/interfaces.hpp"
#include "vote/net/stream.hpp"
#include "vote/wire/frame.hpp"

namespace vote::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// An IP literal and port; nullopt for anything else (peers announce addresses, not names).
std::optional<tcp::endpoint> resolve_literal(const std::string& text) {
  auto parsed = parse_endpoint(text);
  if (!parsed) return std::nullopt;
  error_code ec;
  auto address = asio::ip::make_address(parsed->host, ec);
  if (ec) return std::nullopt;
  return tcp::endpoint(address, parsed->port);
}

// One gathered write takes at most this much, so that a frame's write deadline is not spent on
// the frames queued behind it.
constexpr std::size_t max_gather_bytes = 1u << 20;
constexpr std::chrono::seconds drop_warning_interval{1};

}  // namespace

struct peer_links::impl {
  impl(asio::io_context& io, peer_link_options o, link_down_fn down, opening_fn opening)
      : io_(io), options_(o), on_down_(std::move(down)), opening_(std::move(opening)) {}

  asio::io_context& io_;
  peer_link_options options_;
  link_down_fn on_down_;
  opening_fn opening_;
  peer_link_stats stats_;
  std::unordered_map<std::uint64_t, std::shared_ptr<peer_link>> links_;
  bool stopped_ = false;
};

// The link to one peer at one endpoint. Invariants: queued_bytes_ is the sum of queue_'s sizes;
// queue_ is empty when idle or in backoff; writing_ only when connected; every asynchronous
// completion carries the connection_ (or timer generation) it was started for and does nothing
// once that changed, so a closed socket's late completions touch nothing. Each connection gets a
// new stream_, and every operation's handler holds the stream it runs on (stream.hpp: a TLS
// stream must outlive its operations), so a replaced stream lives until its last completion.
class peer_link : public std::enable_shared_from_this<peer_link> {
  using clock = asio::steady_timer::clock_type;

 public:
  enum class state { idle, connecting, connected, backoff, unusable };

  peer_link(std::shared_ptr<peer_links::impl> owner, std::uint64_t peer, std::string endpoint)
      : owner_(std::move(owner)),
        peer_(peer),
        endpoint_text_(std::move(endpoint)),
        stream_(std::make_shared<stream>(owner_->io_.get_executor(), nullptr)),
        timer_(owner_->io_),
        backoff_(options().backoff_initial) {
    if (auto resolved = resolve_literal(endpoint_text_)) {
      endpoint_ = *resolved;
    } else {
      state_ = state::unusable;
      log()->warn("peer {}: endpoint \"{}\" is not ip:port; its messages are dropped", peer_,
                  endpoint_text_);
    }
  }

  const std::string& endpoint() const { return endpoint_text_; }
  std::size_t queued_bytes() const { return queued_bytes_; }

  void send(std::string framed) {
    if (state_ == state::unusable) return count_drops(1);  // its endpoint was logged once
    if (state_ == state::backoff) return warn_drops(1, "peer unreachable, in backoff");
    if (queued_bytes_ + framed.size() > options().max_queue_bytes) {
      return warn_drops(1, "queue full");
    }
    queued_bytes_ += framed.size();
    queue_.push_back(std::move(framed));
    if (state_ == state::idle) return connect();
    if (state_ == state::connected) write();
  }

  // For forget(), stop() and an endpoint change: no completion or callback of this link runs
  // afterwards.
  void close() {
    state_ = state::unusable;
    ++connection_;
    disarm();
    close_socket();
    count_drops(discard_queue());
  }

 private:
  const peer_link_options& options() const { return owner_->options_; }
  peer_link_stats& stats() { return owner_->stats_; }

  void connect() {
    state_ = state::connecting;
    const std::uint64_t connection = ++connection_;
    stream_ = std::make_shared<stream>(owner_->io_.get_executor(), options().tls.get());
    arm_connect_deadline();
    stream_->socket().async_connect(
        endpoint_, [self = shared_from_this(), connection, s = stream_](error_code ec) {
          if (connection != self->connection_) return;
          if (ec) return self->connect_failed(ec.message());
          if (auto* tls = s->tls()) return self->handshake(*tls, connection);
          self->connected();
        });
  }

  void arm_connect_deadline() {
    arm(clock::now() + options().connect_timeout, [this] {
      ++connection_;  // the aborted connect's (or handshake's) completion is stale
      close_socket();
      connect_failed("timed out");
    });
  }

  // TLS: the remote must prove it is the server at endpoint_ with a certificate of the CA.
  void handshake(tls_stream& tls, std::uint64_t connection) {
    arm_connect_deadline();
    verify_server_ip(tls, endpoint_.address().to_string());
    tls.async_handshake(tls_stream::client,
                        [self = shared_from_this(), connection, s = stream_](error_code ec) {
                          if (connection != self->connection_) return;
                          if (!ec) return self->connected();
                          const auto why = describe_handshake_failure(*s->tls(), ec);
                          if (certificate_refused(*s->tls())) {
                            const auto n = ++self->stats().certificates_refused;
                            if (worth_logging(n)) {
                              log()->warn("peer {} at {}: refused: {} ({} refused so far)",
                                          self->peer_, self->endpoint_text_, why, n);
                            }
                          }
                          self->connect_failed(why);
                        });
  }

  void connected() {
    disarm();
    state_ = state::connected;
    ++stats().connects;
    reported_down_ = false;
    connected_at_ = clock::now();
    error_code ignored;
    stream_->socket().set_option(tcp::no_delay(true), ignored);
    log()->debug("peer {}: connected to {}", peer_, endpoint_text_);
    watch_for_close();
    queue_opening();
    if (queue_.empty()) return arm_keepalive();
    write();
  }

  // An opening at the head of the queue (a fresh one: a connection never resends an old one).
  void queue_opening() {
    if (!owner_->opening_) return;
    if (head_is_opening_) {
      queued_bytes_ -= queue_.front().size();
      queue_.pop_front();
    }
    std::string framed;
    wire::encode_frame(owner_->opening_(), framed, wire::frame_type::peer);
    queued_bytes_ += framed.size();
    queue_.push_front(std::move(framed));
    head_is_opening_ = true;
  }

  // A connected link with nothing to write sends an opening again after keepalive_interval.
  void arm_keepalive() {
    disarm();
    if (!owner_->opening_ || options().keepalive_interval.count() <= 0) return;
    arm(clock::now() + options().keepalive_interval, [this] {
      if (state_ != state::connected || !queue_.empty()) return;
      queue_opening();
      write();
    });
    keepalive_armed_ = true;
  }

  void connect_failed(const std::string& why) {
    close_socket();
    ++stats().connect_failures;
    log()->debug("peer {}: connect to {} failed: {}", peer_, endpoint_text_, why);
    give_up();
  }

  // A read stays pending while connected: the remote never writes on this connection, so any
  // completion means it closed, reset, or broke the protocol.
  void watch_for_close() {
    stream_->async_read_some(
        asio::buffer(read_buffer_), [self = shared_from_this(), connection = connection_,
                                     s = stream_](error_code ec, std::size_t) {
          if (connection != self->connection_) return;
          self->broken(ec ? ec.message() : "the peer sent bytes on a one-way link");
        });
  }

  // Writes from the head of the queue, several frames in one gathered write. The deadline is
  // re-armed whenever a frame completes, so it bounds the time of each frame, not of the queue.
  void write() {
    if (writing_ || queue_.empty()) return;
    if (!deadline_armed_ || keepalive_armed_) arm_write_deadline();
    std::vector<asio::const_buffer> buffers;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < queue_.size() && (i == 0 || bytes < max_gather_bytes); ++i) {
      const std::size_t skip = i == 0 ? head_written_ : 0;
      buffers.emplace_back(queue_[i].data() + skip, queue_[i].size() - skip);
      bytes += queue_[i].size() - skip;
    }
    writing_ = true;
    stream_->async_write_some(buffers, [self = shared_from_this(), connection = connection_,
                                        s = stream_](error_code ec, std::size_t n) {
      if (connection != self->connection_) return;
      self->writing_ = false;
      if (ec) return self->broken(ec.message());
      self->wrote(n);
    });
  }

  void wrote(std::size_t n) {
    bool completed_a_frame = false;
    head_written_ += n;
    while (!queue_.empty() && head_written_ >= queue_.front().size()) {
      head_written_ -= queue_.front().size();
      queued_bytes_ -= queue_.front().size();
      queue_.pop_front();
      if (!head_is_opening_) ++stats().frames_sent;
      head_is_opening_ = false;
      completed_a_frame = true;
    }
    if (queue_.empty()) return arm_keepalive();
    if (completed_a_frame) arm_write_deadline();
    write();
  }

  void arm_write_deadline() {
    arm(clock::now() + options().write_timeout, [this] {
      broken("a frame was not written within " + std::to_string(options().write_timeout.count()) +
             " ms");
    });
  }

  // An established link broke. Frames not completely written stay queued for the reconnect.
  void broken(const std::string& why) {
    ++stats().links_lost;
    ++connection_;
    disarm();
    close_socket();
    writing_ = false;
    head_written_ = 0;
    const auto now = clock::now();
    log()->debug("peer {}: link to {} lost: {}", peer_, endpoint_text_, why);
    if (now - connected_at_ >= options().backoff_max) backoff_ = options().backoff_initial;
    if (!last_immediate_reconnect_ || now - *last_immediate_reconnect_ >= options().backoff_max) {
      last_immediate_reconnect_ = now;
      return connect();
    }
    give_up();  // flapping: no second immediate reconnect within backoff_max
  }

  // Backoff, then on_down once for this outage. The callback comes last: it may forget or stop.
  void give_up() {
    state_ = state::backoff;
    if (auto n = discard_queue()) warn_drops(n, "peer unreachable");
    arm(clock::now() + backoff_, [this] { state_ = state::idle; });
    backoff_ = std::min(backoff_ * 2, options().backoff_max);
    if (reported_down_) return;
    reported_down_ = true;
    auto owner = owner_;  // the callback may drop the last reference to this link
    if (owner->on_down_) owner->on_down_(peer_);
  }

  // One deadline at a time (connect, write or backoff expiry). A wait that completed before the
  // timer was re-armed or disarmed is still delivered with success; its generation no longer
  // matches, so it does nothing.
  template <class Expired>
  void arm(clock::time_point deadline, Expired expired) {
    const std::uint64_t generation = ++timer_generation_;
    deadline_armed_ = true;
    keepalive_armed_ = false;
    timer_.expires_at(deadline);
    timer_.async_wait([self = shared_from_this(), generation, expired](error_code ec) {
      if (ec || generation != self->timer_generation_) return;
      self->deadline_armed_ = false;
      expired();
    });
  }

  void disarm() {
    ++timer_generation_;
    deadline_armed_ = false;
    keepalive_armed_ = false;
    timer_.cancel();
  }

  void close_socket() { stream_->close(); }

  // Empties the queue; returns how many frames it held.
  std::size_t discard_queue() {
    const std::size_t n = queue_.size();
    queue_.clear();
    queued_bytes_ = 0;
    head_written_ = 0;
    writing_ = false;
    const bool had_opening = head_is_opening_;
    head_is_opening_ = false;
    return had_opening ? n - 1 : n;
  }

  void count_drops(std::size_t frames) { stats().frames_dropped += frames; }

  // Counts, and warns at most once per drop_warning_interval with the drops since the last one.
  void warn_drops(std::size_t frames, const char* why) {
    count_drops(frames);
    unreported_drops_ += frames;
    const auto now = clock::now();
    if (now - last_drop_warning_ < drop_warning_interval) return;
    log()->warn("peer {} at {}: dropped {} messages ({})", peer_, endpoint_text_, unreported_drops_,
                why);
    unreported_drops_ = 0;
    last_drop_warning_ = now;
  }

  std::shared_ptr<peer_links::impl> owner_;
  const std::uint64_t peer_;
  const std::string endpoint_text_;
  tcp::endpoint endpoint_;
  std::shared_ptr<stream> stream_;  // of the current (or last) connection
  asio::steady_timer timer_;
  state state_ = state::idle;
  std::deque<std::string> queue_;  // framed messages; references stay valid across push_back
  std::size_t queued_bytes_ = 0;
  std::size_t head_written_ = 0;  // bytes of queue_.front() already written
  bool writing_ = false;          // a write of the head of queue_ is in flight
  bool head_is_opening_ = false;  // queue_.front() is an opening (not a message: not counted)
  std::array<char, 64> read_buffer_{};
  std::uint64_t connection_ = 0;        // generation of the current socket use
  std::uint64_t timer_generation_ = 0;  // of the one wait that may act
  bool deadline_armed_ = false;
  bool keepalive_armed_ = false;       // the armed deadline is the keepalive, not a write deadline
  std::chrono::milliseconds backoff_;  // the next backoff
  bool reported_down_ = false;         // on_down was called and no connect succeeded since
  clock::time_point connected_at_{};
  std::optional<clock::time_point> last_immediate_reconnect_;
  std::uint64_t unreported_drops_ = 0;
  clock::time_point last_drop_warning_{};
};

peer_links::peer_links(asio::io_context& io, peer_link_options options, link_down_fn on_down,
                       opening_fn opening)
    : impl_(std::make_shared<impl>(io, options, std::move(on_down), std::move(opening))) {}

peer_links::~peer_links() {
  stop();
}

void peer_links::send(std::uint64_t peer, const std::string& endpoint,
                      std::string payload) noexcept {
  try {
    if (impl_->stopped_ || payload.empty()) {
      ++impl_->stats_.frames_dropped;
      return;
    }
    std::string framed;
    wire::encode_frame(payload, framed, wire::frame_type::peer);
    auto& links = impl_->links_;
    auto it = links.find(peer);
    if (it != links.end() && it->second->endpoint() != endpoint) {
      log()->debug("peer {}: endpoint {} -> {}", peer, it->second->endpoint(), endpoint);
      auto old = std::move(it->second);
      links.erase(it);
      old->close();
      it = links.end();
    }
    if (it == links.end()) {
      it = links.emplace(peer, std::make_shared<peer_link>(impl_, peer, endpoint)).first;
    }
    it->second->send(std::move(framed));
  } catch (const std::exception& e) {  // allocation failure, or a payload over 4 GiB
    ++impl_->stats_.frames_dropped;
    log()->warn("peer {}: message dropped: {}", peer, e.what());
  }
}

void peer_links::forget(std::uint64_t peer) {
  auto it = impl_->links_.find(peer);
  if (it == impl_->links_.end()) return;
  auto link = std::move(it->second);
  impl_->links_.erase(it);
  link->close();
}

void peer_links::stop() {
  impl_->stopped_ = true;
  auto links = std::move(impl_->links_);
  impl_->links_.clear();
  for (auto& [peer, link] : links) link->close();
}

std::size_t peer_links::queued_bytes(std::uint64_t peer) const {
  auto it = impl_->links_.find(peer);
  return it == impl_->links_.end() ? 0 : it->second->queued_bytes();
}

const peer_link_stats& peer_links::stats() const noexcept {
  return impl_->stats_;
}

}  // namespace vote::net
