// Shared command-line handling of the clients (include/vote/client/cli.hpp).
#include "vote/client/cli.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include <boost/asio/ip/address_v4.hpp>

#include "vote/cli/command_line.hpp"
#include "vote/client/output.hpp"
#include "vote/client/progress.hpp"
#include "vote/client/request_id.hpp"
#include "vote/client/voters.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/wire/discovery.hpp"
#include "vote/wire/frame.hpp"

namespace vote::client {
namespace {

constexpr std::string_view exit_code_footer = R"(Exit codes:
  0  success
  1  the cluster refused the request (validation, authorization, already voted, ...)
  2  usage error (bad flag, unreadable file, empty list)
  3  no leader reachable, no quorum or timeout; the message says whether the outcome is
     unknown, and retrying with the printed --request-id is then safe

Examples use loopback only, e.g. --server 127.0.0.1:7000 or --broadcast 127.255.255.255.)";

void add_discovery_flags(CLI::App& app, common_options& o) {
  auto* server = app.add_option("--server", o.server,
                                "Send to this server (HOST:PORT) and skip broadcast discovery; "
                                "a follower redirects to its leader")
                     ->type_name("HOST:PORT");
  auto* broadcast = app.add_option("--broadcast", o.broadcast,
                                   "IPv4 broadcast address for discovery (default: that of the "
                                   "first up, non-loopback interface; 127.255.255.255 without "
                                   "one)")
                        ->type_name("ADDR");
  server->excludes(broadcast);
  app.add_option("--discovery-port,--discovery_port", o.discovery_port,
                 "UDP discovery port of the servers")
      ->type_name("PORT")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("--cluster", o.cluster, "Only accept answers from servers of this cluster name")
      ->type_name("NAME");
  app.add_option("--tls-ca,--tls_ca", o.tls_ca,
                 "Speak TLS 1.3 and accept only servers whose certificate this CA (PEM) signed "
                 "for the address connected to (default: $VOTE_TLS_CA; unset: plain TCP)")
      ->type_name("FILE");
}

std::optional<std::string> resolve_admin_token(const common_options& o, std::string& error) {
  if (!o.admin_token.empty()) return o.admin_token;
  if (!o.admin_token_file.empty()) {
    auto token = read_secret_file(o.admin_token_file, error);
    if (!token) error = "--admin-token-file: " + error;
    return token;
  }
  const char* env = std::getenv(std::string(admin_token_env).c_str());
  return std::string(env != nullptr ? env : "");
}

// The client TLS context of --tls-ca or $VOTE_TLS_CA; null for plain TCP.
std::shared_ptr<net::tls_context> resolve_tls(const common_options& o, std::string& error) {
  std::string ca = o.tls_ca;
  const char* flag = "--tls-ca";
  if (ca.empty()) {
    const char* env = std::getenv(std::string(tls_ca_env).c_str());
    ca = env != nullptr ? env : "";
    flag = "VOTE_TLS_CA";
  }
  if (ca.empty()) return nullptr;
  try {
    return net::make_client_context(ca);
  } catch (const net::tls_error& e) {
    error = e.what();  // names --tls-ca and the file
    if (std::string_view(flag) != "--tls-ca") error = std::string(flag) + ": " + error;
    return nullptr;
  }
}

bool is_ipv4(const std::string& text) {
  boost::system::error_code ec;
  boost::asio::ip::make_address_v4(text, ec);
  return !ec;
}

}  // namespace

void add_common_flags(CLI::App& app, common_options& o, flag_groups groups) {
  add_discovery_flags(app, o);
  app.add_option("--timeout", o.timeout_s,
                 "Total deadline in seconds, discovery and retries included")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  app.add_flag("--json", o.json, "Print exactly one JSON object on stdout");
  if (groups.progress) {
    app.add_flag("-q,--quiet", o.quiet,
                 "Print no progress on stderr while waiting (without it, a command still waiting "
                 "after a second says what for, once a second); errors are still printed");
  }
  if (groups.request_id) {
    app.add_option("--request-id,--request_id", o.request_id,
                   "Reuse the request id of an earlier command whose outcome was unknown "
                   "(default: a new random id); the cluster applies an id at most once")
        ->type_name("ID");
  }
  if (groups.admin) {
    auto* token = app.add_option("--admin-token,--admin_token", o.admin_token,
                                 "Admin token (default: $VOTE_ADMIN_TOKEN; prefer the file or "
                                 "the variable: command lines are visible to other users)")
                      ->type_name("TOKEN");
    auto* file = app.add_option("--admin-token-file,--admin_token_file", o.admin_token_file,
                                "Read the admin token from the first line of this file")
                     ->type_name("FILE");
    token->excludes(file);
  }
  app.footer(std::string(exit_code_footer));
}

console standard_console() {
  return {std::cout, std::cerr, &std::cerr};
}

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      const console& c) {
  return cli::parse(app, argc, argv, c.out, c.err);
}

std::variant<resolved_options, std::string> resolve_options(const common_options& o,
                                                            flag_groups groups) {
  resolved_options r;
  if (!o.server.empty()) {
    r.call.server = net::parse_endpoint(o.server);
    if (!r.call.server) {
      return "--server: expected HOST:PORT with a port in 1..65535, got '" + o.server + "'";
    }
  }
  auto& d = r.call.discovery;
  d.broadcast = o.broadcast;
  if (!r.call.server && d.broadcast.empty()) d.broadcast = net::detect_interface().broadcast;
  if (!r.call.server && !is_ipv4(d.broadcast)) {
    return "--broadcast: '" + d.broadcast + "' is not an IPv4 address";
  }
  d.port = o.discovery_port;
  d.cluster = o.cluster;
  if (d.cluster.size() > wire::max_datagram_string) {
    return "--cluster: longer than " + std::to_string(wire::max_datagram_string) + " bytes";
  }
  r.call.timeout = std::chrono::milliseconds(std::llround(o.timeout_s * 1000.0));
  // One attempt may use half of the deadline (at least 2 s), so a hung leader leaves time to
  // find its successor while a slow commit (a large registration) still gets its answer.
  r.call.attempt_timeout = std::max(std::chrono::milliseconds(2000), r.call.timeout / 2);
  std::string tls_error;
  r.call.tls = resolve_tls(o, tls_error);
  r.call.fail_fast_refused = true;
  if (!tls_error.empty()) return tls_error;
  r.request_id = o.request_id.empty() ? make_request_id() : o.request_id;
  if (!valid_request_id(r.request_id)) {
    return "--request-id: expected 1..128 characters of A-Z a-z 0-9 _ -, got '" + o.request_id +
           "'";
  }
  if (groups.admin) {
    std::string error;
    auto token = resolve_admin_token(o, error);
    if (!token) return error;
    if (token->size() > wire::max_admin_token_bytes) {
      return "admin token: longer than " + std::to_string(wire::max_admin_token_bytes) + " bytes";
    }
    r.admin_token = std::move(*token);
  }
  return r;
}

int early_error(const common_options& o, std::string_view message, std::string_view code,
                int exit_code, const console& c) {
  if (o.json) {
    c.out << usage_error_json(code, message, o.request_id).dump() << std::endl;
  } else {
    c.err << "Error: " << message << "\n";
  }
  return exit_code;
}

int usage_error(const common_options& o, std::string_view message, const console& c) {
  return early_error(o, message, "usage", exit_usage, c);
}

std::variant<call_result, int> send_command(const common_options& o, const resolved_options& r,
                                            wire::client_request request, const console& c) {
  request.request_id = r.request_id;
  request.admin_token = r.admin_token;
  const auto size = wire::encode_request(request).size();
  if (size > wire::default_max_frame_payload) {
    return early_error(o,
                       "the request is " + std::to_string(size) +
                           " bytes, over the frame limit of " +
                           std::to_string(wire::default_max_frame_payload) +
                           " bytes (too many or too long voter ids?)",
                       "too_large", exit_usage, c);
  }
  if (o.quiet || c.progress == nullptr) return call(request, r.call);
  progress_reporter progress(*c.progress, r.call.timeout);
  auto options = r.call;
  options.on_status = [&progress](std::string text) { progress.status(std::move(text)); };
  return call(request, options);
}

int run_command(const common_options& o, wire::client_request request, flag_groups groups,
                std::string_view unknown_effect, const console& c,
                const std::function<void(const call_result&)>& after) {
  auto resolved = resolve_options(o, groups);
  if (auto* error = std::get_if<std::string>(&resolved)) return usage_error(o, *error, c);
  auto sent = send_command(o, std::get<resolved_options>(resolved), std::move(request), c);
  if (auto* rc = std::get_if<int>(&sent)) return *rc;
  const auto& result = std::get<call_result>(sent);
  const int rc = report(result, o.json, unknown_effect, c.out, c.err);
  if (after) after(result);
  return rc;
}

}  // namespace vote::client
