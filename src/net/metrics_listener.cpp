// The metrics adapter (metrics_listener.hpp): an http_listener that serves one request per
// connection, and a handler that answers /metrics from the provider and counts what it answered.
#include "vote/net/metrics_listener.hpp"

#include <exception>
#include <utility>

#include "vote/net/http_listener.hpp"
#include "vote/net/log.hpp"

namespace vote::net {

namespace {

constexpr const char* plain_text = "text/plain; charset=utf-8";

http_listener_options to_http_options(const metrics_listener_options& o) {
  http_listener_options h;
  h.max_connections = o.max_connections;
  h.max_connections_per_address = o.max_connections;  // one scraper may use them all
  h.max_header_bytes = o.max_header_bytes;
  h.max_body_bytes = 0;
  h.max_requests_per_connection = 1;  // every answer closes the connection
  h.timeout = o.timeout;
  h.idle_timeout = o.timeout;  // never idle: no connection is kept alive
  h.allow_post = false;        // the listener answers every method but GET and HEAD 405
  h.log_name = "metrics";
  return h;
}

// The listener hands over only GET and HEAD (allow_post is false); for HEAD it sends the
// length of the answer without its body.
class metrics_handler final : public http_handler {
 public:
  explicit metrics_handler(metrics_listener::provider text) : text_(std::move(text)) {}

  void on_http(http_request request, http_respond respond) override {
    if (request.path != "/metrics") {
      ++counts_.refused;
      return respond(
          http_response{.status = 404, .content_type = plain_text, .body = "not found\n"});
    }
    http_response ok{.status = 200, .content_type = metrics_content_type};
    try {
      ok.body = text_();
    } catch (const std::exception& e) {  // a bug in gathering: one failed scrape, not a crash
      log()->error("metrics: {}", e.what());
      ++counts_.failed;
      return respond(
          http_response{.status = 500, .content_type = plain_text, .body = "internal error\n"});
    }
    ++counts_.scrapes;
    respond(std::move(ok));
  }

  // scrapes, 404s and failed scrapes; the listener's own counts are not in here.
  const metrics_listener_stats& counts() const noexcept { return counts_; }

 private:
  metrics_listener::provider text_;
  metrics_listener_stats counts_;
};

}  // namespace

// The handler is declared first: it outlives the listener that calls it.
struct metrics_listener::impl {
  impl(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, provider p,
       const metrics_listener_options& o)
      : handler_(std::move(p)), http_(io, endpoint, handler_, to_http_options(o)) {}

  metrics_handler handler_;
  http_listener http_;
};

metrics_listener::metrics_listener(boost::asio::io_context& io,
                                   const boost::asio::ip::tcp::endpoint& endpoint, provider text,
                                   metrics_listener_options options)
    : impl_(std::make_shared<impl>(io, endpoint, std::move(text), options)) {}

metrics_listener::~metrics_listener() {
  stop();
}

void metrics_listener::start() {
  impl_->http_.start();
}

void metrics_listener::stop() {
  impl_->http_.stop();
}

boost::asio::ip::tcp::endpoint metrics_listener::local_endpoint() const {
  return impl_->http_.local_endpoint();
}

metrics_listener_stats metrics_listener::stats() const noexcept {
  const auto& mine = impl_->handler_.counts();
  const auto& edge = impl_->http_.stats();
  return {
      .scrapes = mine.scrapes,
      .refused = mine.refused + edge.refused,
      .refused_over_cap = edge.refused_over_cap,
      .failed = mine.failed + edge.failed,
  };
}

}  // namespace vote::net
