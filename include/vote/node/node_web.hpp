// --http-addr (docs/web.md): the voters' pages and their API, served by the web gateway
// (web_gateway.hpp) through an http_listener, HTTPS with the server's certificate when the
// cluster has TLS. Nothing when the flag is empty. A port that cannot be bound is
// startup_error(exit_unavailable): check_http_addr_free() tries it (and lets go) before the data
// directory is created; serve_web() binds it for good and starts serving.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "vote/net/client_listener.hpp"
#include "vote/net/http_listener.hpp"
#include "vote/net/tls.hpp"
#include "vote/node/config.hpp"
#include "vote/node/web_gateway.hpp"

namespace vote::node {

struct web_server {
  std::unique_ptr<web_gateway> gateway;
  std::unique_ptr<net::http_listener> listener;  // after the gateway: stopped before it goes
};

void check_http_addr_free(const server_config& c);
// `tls`: the server's context, nullptr for plain HTTP (the pages get their own, made from the
// same files: node_web.cpp). `node` outlives the result.
web_server serve_web(boost::asio::io_context& io, const server_config& c,
                     const std::shared_ptr<net::tls_context>& tls, net::request_handler& node);

}  // namespace vote::node
