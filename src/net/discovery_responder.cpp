#include "vote/net/discovery_responder.hpp"
#include "vote/net/log.hpp"

#include <sys/socket.h>

#include <array>
#include <random>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vote::net {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using boost::system::error_code;

struct discovery_responder::impl : std::enable_shared_from_this<discovery_responder::impl> {
  impl(asio::io_context& io, const asio::ip::address_v4& host,
       const asio::ip::address_v4& broadcast, std::uint16_t port, discovery_options opts,
       leader_lookup lookup_fn, hello_source source_fn, hello_sink sink_fn)
      : receiver_(io),
        sender_(io),
        hello_timer_(io),
        hello_target_(broadcast, port),
        options_(std::move(opts)),
        lookup_(std::move(lookup_fn)),
        source_(std::move(source_fn)),
        sink_(std::move(sink_fn)),
        jitter_(std::random_device{}()) {
    if (options_.hello_interval.count() <= 0) {
      throw std::invalid_argument("the hello interval must be positive");
    }
    receiver_.open(udp::v4());
    receiver_.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    ::setsockopt(receiver_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    receiver_.bind(udp::endpoint(broadcast, port));
    sender_.open(udp::v4());
    sender_.set_option(asio::socket_base::broadcast(true));
    sender_.bind(udp::endpoint(host, 0));
  }

  void receive() {
    receiver_.async_receive_from(asio::buffer(buffer_), from_,
                                 [self = shared_from_this()](error_code ec, std::size_t n) {
                                   if (self->stopped_) return;
                                   if (!ec) self->handle(std::string_view(self->buffer_.data(), n));
                                   if (!self->stopped_) self->receive();
                                 });
  }

  // Decodes first (the decoder is hardened against any input), then authenticates: a hello of
  // another cluster is dropped as such, whatever its seal.
  void handle(std::string_view bytes) {
    ++stats_.received;
    const wire::datagram d = wire::decode_datagram(bytes);
    if (const auto* ask = std::get_if<wire::who_is_leader>(&d)) return answer(*ask);
    if (const auto* h = std::get_if<wire::hello>(&d)) return on_hello(*h, bytes, false);
    if (bytes.size() > cluster_key::trailer_size) {
      const wire::datagram inner =
          wire::decode_datagram(bytes.substr(0, bytes.size() - cluster_key::trailer_size));
      if (const auto* h = std::get_if<wire::hello>(&inner)) return on_hello(*h, bytes, true);
    }
    ++stats_.dropped;
  }

  void answer(const wire::who_is_leader& ask) {
    if (!ask.cluster.empty() && ask.cluster != options_.cluster) {
      ++stats_.dropped;
      return;
    }
    auto reply = lookup_();
    if (!reply) return;
    reply->nonce = ask.nonce;
    auto out = std::make_shared<std::string>(wire::encode_datagram(*reply));
    sender_.async_send_to(asio::buffer(*out), from_, [out](error_code, std::size_t) {});
    ++stats_.answered;
  }

  // A hello of this cluster reaches the sink only in the form this server demands: sealed and
  // opening ok with a key, unsealed without one.
  void on_hello(const wire::hello& h, std::string_view bytes, bool sealed) {
    if (h.cluster != options_.cluster) {
      ++stats_.dropped;
      return;
    }
    if (options_.key == nullptr) {
      if (!sealed) return deliver(h);
      ++stats_.dropped;
      if (worth_logging(++sealed_ignored_)) {
        log()->warn("dropped a sealed hello from {} (#{}): this server has no cluster key",
                    from_.address().to_string(), sealed_ignored_);
      }
      return;
    }
    if (!sealed) return refuse_forged("an unsealed hello (this server has a cluster key)");
    std::string_view inner;
    switch (options_.key->open(bytes, unix_now_ms(), inner)) {
      case cluster_key::verdict::ok:
        return deliver(h);
      case cluster_key::verdict::forged:
        return refuse_forged("a forged hello (another cluster key, or altered on the way)");
      case cluster_key::verdict::stale:
        if (worth_logging(++stats_.stale)) {
          log()->warn("dropped a stale hello from {} (#{}): clocks over 30 s apart, or a replay",
                      from_.address().to_string(), stats_.stale);
        }
        return;
      case cluster_key::verdict::malformed:  // not reached: `bytes` holds a trailer
        ++stats_.dropped;
        return;
    }
  }

  void refuse_forged(std::string_view what) {
    if (worth_logging(++stats_.forged)) {
      log()->warn("dropped {} from {} (#{})", what, from_.address().to_string(), stats_.forged);
    }
  }

  void deliver(const wire::hello& h) {
    if (h.cluster != options_.cluster) {
      ++stats_.dropped;
      return;
    }
    ++stats_.hellos_received;
    if (sink_) sink_(h, from_);
  }

  void send_hello() {
    if (stopped_ || !source_) return;
    const std::optional<wire::hello> h = source_();
    if (!h) return;
    std::string bytes;
    try {
      bytes = wire::encode_datagram(*h);
    } catch (const std::exception& e) {  // a source bug, or too many long voter ids: never fatal
      if (worth_logging(++unsendable_))
        log()->error("cannot send hello (#{}): {}", unsendable_, e.what());
      return;
    }
    if (options_.key != nullptr) bytes = options_.key->seal(bytes, unix_now_ms());
    auto out = std::make_shared<std::string>(std::move(bytes));
    sender_.async_send_to(
        asio::buffer(*out), hello_target_,
        [self = shared_from_this(), out](error_code ec, std::size_t) { self->hello_sent(ec); });
  }

  // One line when sending starts failing (e.g. the interface went down) and one when it recovers.
  void hello_sent(const error_code& ec) {
    if (!ec) {
      ++stats_.hellos_sent;
      if (send_failing_)
        log()->info("sending hellos to {} again", hello_target_.address().to_string());
      send_failing_ = false;
    } else if (ec != asio::error::operation_aborted && !send_failing_) {
      send_failing_ = true;
      log()->warn("cannot send hellos to {}:{}: {}", hello_target_.address().to_string(),
                  hello_target_.port(), ec.message());
    }
  }

  void schedule_hello() {
    const double factor = std::uniform_real_distribution<double>(0.8, 1.2)(jitter_);
    hello_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double, std::milli>(
            static_cast<double>(options_.hello_interval.count()) * factor)));
    hello_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->stopped_) return;
      self->send_hello();
      self->schedule_hello();
    });
  }

  udp::socket receiver_;
  udp::socket sender_;
  asio::steady_timer hello_timer_;
  udp::endpoint hello_target_;
  discovery_options options_;
  leader_lookup lookup_;
  hello_source source_;
  hello_sink sink_;
  std::minstd_rand jitter_;
  // Room for the largest sealed hello, plus one byte so that anything longer is seen as too long.
  std::array<char, wire::max_datagram + cluster_key::trailer_size + 1> buffer_{};
  udp::endpoint from_;
  discovery_stats stats_;
  std::uint64_t sealed_ignored_ = 0;
  std::uint64_t unsendable_ = 0;
  bool send_failing_ = false;
  bool stopped_ = false;
};

discovery_responder::discovery_responder(asio::io_context& io, const asio::ip::address_v4& host,
                                         const asio::ip::address_v4& broadcast, std::uint16_t port,
                                         discovery_options options, leader_lookup lookup,
                                         hello_source source, hello_sink sink)
    : impl_(std::make_shared<impl>(io, host, broadcast, port, std::move(options), std::move(lookup),
                                   std::move(source), std::move(sink))) {}

discovery_responder::~discovery_responder() {
  stop();
}

void discovery_responder::start() {
  impl_->receive();
  if (!impl_->source_) return;
  impl_->send_hello();
  impl_->schedule_hello();
}

void discovery_responder::stop() {
  if (impl_->stopped_) return;
  impl_->stopped_ = true;
  error_code ec;
  impl_->receiver_.close(ec);
  impl_->sender_.close(ec);
  impl_->hello_timer_.cancel();
}

void discovery_responder::hello_now() {
  impl_->send_hello();
}

const discovery_stats& discovery_responder::stats() const noexcept {
  return impl_->stats_;
}

}  // namespace vote::net
