#include "vote/net/discovery_responder.hpp"

#include <array>

#include <spdlog/spdlog.h>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vote::net {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using boost::system::error_code;

struct discovery_responder::impl : std::enable_shared_from_this<discovery_responder::impl> {
  impl(asio::io_context& io, const asio::ip::address_v4& host,
       const asio::ip::address_v4& broadcast, std::uint16_t port, std::string cluster_name,
       leader_lookup lookup_fn)
      : receiver_(io),
        sender_(io),
        retry_(io),
        cluster_(std::move(cluster_name)),
        lookup_(std::move(lookup_fn)) {
    receiver_.open(udp::v4());
    receiver_.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    ::setsockopt(receiver_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    receiver_.bind(udp::endpoint(broadcast, port));
    sender_.open(udp::v4());
    sender_.bind(udp::endpoint(host, 0));
  }

  void receive() {
    receiver_.async_receive_from(asio::buffer(buffer_), from_,
                                 [self = shared_from_this()](error_code ec, std::size_t n) {
                                   if (self->stopped_) return;
                                   if (!ec) self->handle(std::string_view(self->buffer_.data(), n));
                                   self->receive();
                                 });
  }

  void handle(std::string_view bytes) {
    ++stats_.received;
    auto msg = wire::decode_datagram(bytes);
    auto* ask = std::get_if<wire::who_is_leader>(&msg);
    if (!ask || (!ask->cluster.empty() && ask->cluster != cluster_)) {
      ++stats_.dropped;
      return;
    }
    auto answer = lookup_();
    if (!answer) return;
    answer->nonce = ask->nonce;
    auto out = std::make_shared<std::string>(wire::encode_datagram(*answer));
    sender_.async_send_to(asio::buffer(*out), from_, [out](error_code, std::size_t) {});
    ++stats_.answered;
  }

  udp::socket receiver_;
  udp::socket sender_;
  asio::steady_timer retry_;
  std::string cluster_;
  leader_lookup lookup_;
  std::array<char, wire::max_datagram + 1> buffer_{};
  udp::endpoint from_;
  discovery_stats stats_;
  bool stopped_ = false;
};

discovery_responder::discovery_responder(asio::io_context& io, const asio::ip::address_v4& host,
                                         const asio::ip::address_v4& broadcast, std::uint16_t port,
                                         std::string cluster, leader_lookup lookup)
    : impl_(std::make_shared<impl>(io, host, broadcast, port, std::move(cluster),
                                   std::move(lookup))) {}

discovery_responder::~discovery_responder() {
  stop();
}

void discovery_responder::start() {
  impl_->receive();
}

void discovery_responder::stop() {
  if (impl_->stopped_) return;
  impl_->stopped_ = true;
  error_code ec;
  impl_->receiver_.close(ec);
  impl_->sender_.close(ec);
  impl_->retry_.cancel();
}

const discovery_stats& discovery_responder::stats() const noexcept {
  return impl_->stats_;
}

}  // namespace vote::net
