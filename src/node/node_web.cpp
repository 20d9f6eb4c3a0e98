// --http-addr (node_web.hpp; docs/web.md).
#include "vote/node/node_web.hpp"

#include <spdlog/spdlog.h>

#include "vote/node/bind_check.hpp"

namespace vote::node {

namespace asio = boost::asio;

namespace {

asio::ip::tcp::endpoint http_endpoint(const server_config& c) {
  const auto e = parse_ipv4_endpoint(c.http_addr);  // validate() checked it
  return {asio::ip::make_address_v4(e->host), e->port};
}

}  // namespace

void check_http_addr_free(const server_config& c) {
  if (c.http_addr.empty()) return;
  check_port_free("--http-addr " + c.http_addr, http_endpoint(c));
}

web_server serve_web(asio::io_context& io, const server_config& c,
                     const std::shared_ptr<net::tls_context>& tls, net::request_handler& node) {
  web_server w;
  if (c.http_addr.empty()) return w;
  web_gateway_options g;
  g.bounds = c.bounds;
  net::http_listener_options o;
  if (tls) {
    g.forward_tls = net::make_client_context(c.tls_ca);
    // The pages' own context: the same certificate, but no certificate asked of the browser
    // (the peers' context asks for one, and a browser may then offer the user a picker).
    o.tls = net::make_server_context({.cert = c.tls_cert, .key = c.tls_key, .ca = c.tls_ca});
    o.tls->set_verify_mode(asio::ssl::verify_none);
  }
  w.gateway = std::make_unique<web_gateway>(io, node, std::move(g));
  w.listener = bind_or_fail("--http-addr " + c.http_addr, [&] {
    return std::make_unique<net::http_listener>(io, http_endpoint(c), *w.gateway, o);
  });
  spdlog::info("voters' pages on {}://{}/ (docs/web.md)", tls ? "https" : "http", c.http_addr);
  w.listener->start();
  return w;
}

}  // namespace vote::node
