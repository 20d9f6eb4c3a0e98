// The client listener: accepting, admission to the pools, eviction, shutdown (client_listener.hpp).
// Sessions: listener_session.hpp.
#include "listener_session.hpp"

#include <utility>

#include <boost/asio/post.hpp>

namespace vote::net {

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
    ++self->stats_.accepted;
    self->admit(std::make_shared<session>(std::move(socket), self));
    self->accept();
  });
}

// Every new connection starts in the client pool, whose kind it may still leave.
void client_listener::impl::admit(std::shared_ptr<session> s) {
  if (!ledger_.has_slot(edge_pool::client) && !make_room(edge_pool::client)) {
    ++stats_.refused_over_cap;
    s->fail(framed_error(errc::unavailable,
                         "Error: the server is at its connection limit; retry later."));
    return;
  }
  ledger_.open(edge_pool::client);
  sessions_.emplace(s.get(), s);
  count_open();
  s->start();
}

// Closes the connection of `pool` (other than `spare`) that has been quiet longest and has
// nothing in flight.
bool client_listener::impl::make_room(edge_pool pool, const session* spare) {
  session* victim = nullptr;
  for (auto& [ptr, s] : sessions_) {
    if (ptr == spare || s->pool() != pool || !s->evictable()) continue;
    if (!victim || s->last_active() < victim->last_active()) victim = ptr;
  }
  if (!victim) return false;
  ++stats_.evicted;
  auto keep = sessions_.at(victim);  // close() forgets it
  keep->close();
  return true;
}

void client_listener::impl::forget(session* s) {
  if (sessions_.erase(s) == 0) return;
  ledger_.close(s->pool());
  count_open();
  if (sessions_.empty() && drained_) {
    auto done = std::move(drained_);
    drained_ = nullptr;
    asio::post(io_, std::move(done));
  }
}

void client_listener::impl::count_open() {
  stats_.open = sessions_.size();
  stats_.open_peers = ledger_.connections(edge_pool::peer);
}

client_listener::client_listener(asio::io_context& io, const tcp::endpoint& endpoint,
                                 request_handler& handler, listener_options options,
                                 peer_message_handler* peers, peer_codec codec)
    : impl_(std::make_shared<impl>(io, endpoint, handler, options, peers, codec)) {}

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
  std::vector<std::shared_ptr<session>> open;
  for (auto& [ptr, s] : impl_->sessions_) open.push_back(s);
  for (auto& s : open) s->close();
}

tcp::endpoint client_listener::local_endpoint() const {
  return impl_->acceptor_.local_endpoint();
}

const listener_stats& client_listener::stats() const noexcept {
  return impl_->stats_;
}

std::optional<std::string> edge_report(const listener_stats& now, const listener_stats& before) {
  const std::pair<std::uint64_t listener_stats::*, const char*> counted[] = {
      {&listener_stats::peer_frames_refused,
       "peer frames that did not open (forged, stale or "
       "undecodable; connection closed)"},
      {&listener_stats::frame_errors, "bad frames"},
      {&listener_stats::tls_handshakes_failed, "failed TLS handshakes"},
      {&listener_stats::peer_frames_uncertified,
       "peer frames on TLS connections without a CA-signed certificate"},
      {&listener_stats::over_budget, "frames over the buffered-bytes caps"},
      {&listener_stats::refused_over_cap, "connections refused for lack of room"},
      {&listener_stats::evicted, "quiet connections closed to make room"},
      {&listener_stats::timeouts, "connections timed out"},
  };
  std::string line;
  for (const auto& [field, what] : counted) {
    const auto n = now.*field - before.*field;
    if (n == 0) continue;
    line += (line.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  }
  if (line.empty()) return std::nullopt;
  return "edge since the last report: " + line + "; open connections " + std::to_string(now.open) +
         " (" + std::to_string(now.open_peers) + " peer links), " +
         std::to_string(now.buffered_bytes) + " bytes buffered";
}

}  // namespace vote::net
