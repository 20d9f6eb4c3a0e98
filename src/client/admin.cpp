// vote-status and vote-admin (include/vote/client/admin.hpp).
#include "vote/client/admin.hpp"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "vote/client/cluster_output.hpp"
#include "vote/client/output.hpp"
#include "vote/core/time_text.hpp"

namespace vote::client {
namespace {

const std::string force_warning =
    "force-new-cluster is unsafe: the server named by --server becomes the only voting member of "
    "a new configuration built from its own log. Whatever the cluster acknowledged that this "
    "server never received is lost for good, votes included, and every other server must be "
    "started again with an empty data directory to join it. Use it only when a majority of the "
    "members is gone for good (their disks are lost), never to get past a partition or a slow "
    "restart. To go ahead, add " +
    std::string(force_confirmation_flag) + ".";

wire::request_type request_type_of(admin_action a) {
  switch (a) {
    case admin_action::remove_member:
      return wire::request_type::remove_member;
    case admin_action::transfer_leadership:
      return wire::request_type::transfer_leadership;
    case admin_action::force_new_cluster:
      return wire::request_type::force_new_cluster;
  }
  return wire::request_type::transfer_leadership;
}

// What may have happened when no definitive answer came back.
std::string unknown_effect(const admin_command& cmd) {
  switch (cmd.action) {
    case admin_action::remove_member:
      return "node " + std::to_string(cmd.node_id) + " may or may not have been removed";
    case admin_action::transfer_leadership:
      return "leadership may or may not have been handed over";
    case admin_action::force_new_cluster:
      return "the server may or may not have formed a new cluster";
  }
  return "";
}

// A usage problem of `cmd`, if any: checked before anything is sent.
std::optional<std::string> check(const common_options& o, const admin_command& cmd) {
  if (cmd.action == admin_action::remove_member && cmd.node_id == 0) {
    return std::string("remove: --node must name a member (node ids are never 0)");
  }
  if (cmd.action != admin_action::force_new_cluster) return std::nullopt;
  if (!cmd.unsafe_acknowledged) return force_warning;
  if (o.server.empty()) {
    return std::string(
        "force-new-cluster goes to one specific server, the survivor whose log becomes the new "
        "cluster, never to a discovered leader: give --server HOST:PORT");
  }
  return std::nullopt;
}

// Sends a read (no request id) with the flags of `groups`; an int is the exit code of an early
// error.
std::variant<call_result, int> send_read(const common_options& o, flag_groups groups,
                                         wire::client_request request, const console& c) {
  auto resolved = resolve_options(o, groups);
  if (auto* error = std::get_if<std::string>(&resolved)) return usage_error(o, *error, c);
  auto& r = std::get<resolved_options>(resolved);
  r.request_id.clear();  // a read carries no request id
  return send_command(o, r, std::move(request), c);
}

}  // namespace

int run_cluster_status(const common_options& o, const console& c, const status_options& s) {
  wire::client_request request;
  request.type = wire::request_type::cluster_status;
  auto sent = send_read(o, status_flags, std::move(request), c);
  if (auto* rc = std::get_if<int>(&sent)) return *rc;
  return report_cluster_view(std::get<call_result>(sent), o.json, c.out, c.err, s);
}

int run_election_info(const common_options& o, const std::string& election_id, const console& c) {
  wire::client_request request;
  request.type = wire::request_type::election;
  request.election_id = election_id;
  auto sent = send_read(o, status_flags, std::move(request), c);
  if (auto* rc = std::get_if<int>(&sent)) return *rc;
  return report(std::get<call_result>(sent), o.json, "", c.out, c.err);
}

int run_admin_command(const common_options& o, const admin_command& cmd, const console& c) {
  if (auto problem = check(o, cmd)) return usage_error(o, *problem, c);
  auto resolved = resolve_options(o, admin_flags);
  if (auto* error = std::get_if<std::string>(&resolved)) return usage_error(o, *error, c);
  auto& r = std::get<resolved_options>(resolved);
  wire::client_request request;
  request.type = request_type_of(cmd.action);
  request.node_id = cmd.action == admin_action::force_new_cluster ? 0 : cmd.node_id;
  request.confirm = cmd.action == admin_action::force_new_cluster;
  // force_new_cluster acts on the server that receives it: never follow a redirect elsewhere.
  if (cmd.action == admin_action::force_new_cluster) r.call.max_redirects = 0;
  auto sent = send_command(o, r, std::move(request), c);
  if (auto* rc = std::get_if<int>(&sent)) return *rc;
  return report(std::get<call_result>(sent), o.json, unknown_effect(cmd), c.out, c.err);
}

namespace {

// A read's answer as CSV: `csv` of the answer on success, else the failure as report() prints it.
int report_csv(const call_result& r,
               const std::function<std::optional<std::string>(const wire::client_response&)>& csv,
               const console& c) {
  if (!r.ok() || !r.response) return report(r, false, "", c.out, c.err);
  auto text = csv(*r.response);
  if (!text) {
    c.err << "Error: the server's answer carries no data to print as CSV\n";
    return exit_unavailable;
  }
  c.out << *text;
  c.out.flush();
  return exit_ok;
}

// Sends a read and prints its answer: as CSV (`csv_of` the response; nullopt when it lacks the
// part to print) or as text / --json.
int run_read(const common_options& o, wire::client_request request, read_format f,
             std::optional<std::string> (*csv_of)(const wire::client_response&), const console& c) {
  auto sent = send_read(o, admin_read_flags, std::move(request), c);
  if (auto* rc = std::get_if<int>(&sent)) return *rc;
  const auto& result = std::get<call_result>(sent);
  if (f.csv) return report_csv(result, csv_of, c);
  return report(result, o.json, "", c.out, c.err);
}

}  // namespace

int run_elections(const common_options& o, read_format f, const console& c) {
  wire::client_request request;
  request.type = wire::request_type::elections;
  return run_read(
      o, std::move(request), f,
      [](const wire::client_response& r) -> std::optional<std::string> {
        if (!r.elections) return std::nullopt;
        return elections_csv(*r.elections);
      },
      c);
}

int run_results(const common_options& o, const std::string& election_id, read_format f,
                const console& c) {
  if (election_id.empty()) return usage_error(o, "results: --id must name an election", c);
  wire::client_request request;
  request.type = wire::request_type::results;
  request.election_id = election_id;
  return run_read(
      o, std::move(request), f,
      [](const wire::client_response& r) -> std::optional<std::string> {
        if (!r.result) return std::nullopt;
        return results_csv(*r.result);
      },
      c);
}

int run_extend(const common_options& o, const std::string& election_id, const std::string& when,
               std::int64_t now_ms, const console& c) {
  if (election_id.empty()) return usage_error(o, "extend: --id must name an election", c);
  const auto closes_at = parse_when(when, now_ms);
  if (!closes_at) {
    return usage_error(o,
                       "--closes-at: expected RFC 3339 (2026-12-04T18:00:00Z) or a time from "
                       "now (+90s, +30m, +2h, +1d, +1h30m), got '" +
                           when + "'",
                       c);
  }
  wire::client_request request;
  request.type = wire::request_type::extend;
  extend_cmd cmd;
  cmd.election_id = election_id;
  cmd.closes_at_ms = *closes_at;
  request.body = std::move(cmd);
  return run_command(o, std::move(request), admin_flags,
                     "the deadline of " + election_id + " may or may not have been moved to " +
                         rfc3339(*closes_at),
                     c);
}

int run_close_now(const common_options& o, const std::string& election_id, const console& c) {
  if (election_id.empty()) return usage_error(o, "close-now: --id must name an election", c);
  wire::client_request request;
  request.type = wire::request_type::close;
  close_cmd cmd;
  cmd.election_id = election_id;
  request.body = std::move(cmd);
  return run_command(o, std::move(request), admin_flags,
                     "the election may or may not have been closed", c);
}

}  // namespace vote::client
