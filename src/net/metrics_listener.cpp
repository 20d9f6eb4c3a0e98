// The metrics adapter (metrics_listener.hpp): Beast's listener/session shape (Beast's
// example/http/server/async), one request per connection.
#include "vote/net/metrics_listener.hpp"

#include <exception>
#include <map>
#include <optional>
#include <utility>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "vote/net/log.hpp"

namespace vote::net {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::asio::ip::tcp;
using error_code = boost::system::error_code;

class metrics_session;

struct metrics_listener::impl : std::enable_shared_from_this<impl> {
  impl(boost::asio::io_context& io, const tcp::endpoint& endpoint, provider p,
       metrics_listener_options o)
      : io_(io), acceptor_(io, endpoint), text_(std::move(p)), options_(o) {}

  void accept();

  boost::asio::io_context& io_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_{io_};
  provider text_;
  metrics_listener_options options_;
  metrics_listener_stats stats_;
  std::map<metrics_session*, std::weak_ptr<metrics_session>> sessions_;
  bool stopped_ = false;
};

class metrics_session : public std::enable_shared_from_this<metrics_session> {
 public:
  metrics_session(tcp::socket socket, std::shared_ptr<metrics_listener::impl> owner)
      : stream_(std::move(socket)), owner_(std::move(owner)) {}

  void start() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(owner_->options_.max_header_bytes));
    parser_->body_limit(0);
    stream_.expires_after(owner_->options_.timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void on_read(error_code ec) {
    if (owner_->stopped_) return;
    if (ec) {
      if (ec == http::error::header_limit || ec == http::error::body_limit ||
          ec == http::error::bad_target || ec == http::error::bad_method ||
          ec == http::error::bad_version) {
        return respond(http::status::bad_request, "bad request\n", 11);
      }
      ++owner_->stats_.failed;
      return finish();
    }
    const auto& req = parser_->get();
    const auto version = req.version();
    const std::string_view target(req.target().data(), req.target().size());
    const auto path = target.substr(0, target.find('?'));
    if (req.method() != http::verb::get) {
      return respond(http::status::method_not_allowed, "only GET is allowed\n", version);
    }
    if (path != "/metrics") return respond(http::status::not_found, "not found\n", version);
    auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, version);
    try {
      res->body() = owner_->text_();
    } catch (const std::exception& e) {  // a bug in gathering: one failed scrape, not a crash
      log()->error("metrics: {}", e.what());
      ++owner_->stats_.failed;
      res->result(http::status::internal_server_error);
      res->body() = "internal error\n";
      return write(std::move(res));
    }
    ++owner_->stats_.scrapes;
    res->set(http::field::content_type, metrics_content_type);
    write(std::move(res));
  }

  void respond(http::status status, const char* body, unsigned version) {
    ++owner_->stats_.refused;
    auto res = std::make_shared<http::response<http::string_body>>(status, version);
    res->set(http::field::content_type, "text/plain; charset=utf-8");
    if (status == http::status::method_not_allowed) res->set(http::field::allow, "GET");
    res->body() = body;
    write(std::move(res));
  }

  void write(std::shared_ptr<http::response<http::string_body>> res) {
    res->keep_alive(false);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res](error_code ec, std::size_t) {
      if (ec && !self->owner_->stopped_) ++self->owner_->stats_.failed;
      self->finish();
    });
  }

  void finish() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
    owner_->sessions_.erase(this);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::shared_ptr<metrics_listener::impl> owner_;
};

void metrics_listener::impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    if (self->stopped_) return;
    if (ec) {  // e.g. out of file descriptors: pause, then accept again
      log()->warn("metrics: accept failed: {}; retrying in 100 ms", ec.message());
      self->accept_retry_.expires_after(std::chrono::milliseconds(100));
      self->accept_retry_.async_wait([self](error_code wait_ec) {
        if (!wait_ec && !self->stopped_) self->accept();
      });
      return;
    }
    if (self->sessions_.size() >= self->options_.max_connections) {
      ++self->stats_.refused_over_cap;
      error_code ignored;
      socket.close(ignored);
    } else {
      auto s = std::make_shared<metrics_session>(std::move(socket), self);
      self->sessions_.emplace(s.get(), s);
      s->start();
    }
    self->accept();
  });
}

metrics_listener::metrics_listener(boost::asio::io_context& io, const tcp::endpoint& endpoint,
                                   provider text, metrics_listener_options options)
    : impl_(std::make_shared<impl>(io, endpoint, std::move(text), options)) {}

metrics_listener::~metrics_listener() {
  stop();
}

void metrics_listener::start() {
  impl_->accept();
}

void metrics_listener::stop() {
  if (impl_->stopped_) return;
  impl_->stopped_ = true;
  error_code ignored;
  impl_->acceptor_.close(ignored);
  impl_->accept_retry_.cancel();
  auto sessions = std::move(impl_->sessions_);
  impl_->sessions_.clear();
  for (auto& [ptr, weak] : sessions) {
    if (auto s = weak.lock()) s->close();
  }
}

tcp::endpoint metrics_listener::local_endpoint() const {
  return impl_->acceptor_.local_endpoint();
}

const metrics_listener_stats& metrics_listener::stats() const noexcept {
  return impl_->stats_;
}

}  // namespace vote::net
