// vote-status and vote-admin (include/vote/client/admin.hpp).
#include "vote/client/admin.hpp"

#include <string>
#include <utility>

#include "vote/client/cluster_output.hpp"
#include "vote/client/output.hpp"

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

}  // namespace

int run_cluster_status(const common_options& o, const console& c) {
  auto resolved = resolve_options(o, status_flags);
  if (auto* error = std::get_if<std::string>(&resolved)) return usage_error(o, *error, c);
  auto& r = std::get<resolved_options>(resolved);
  r.request_id.clear();  // a read carries no request id
  wire::client_request request;
  request.type = wire::request_type::cluster_status;
  auto sent = send_command(o, r, std::move(request), c);
  if (auto* rc = std::get_if<int>(&sent)) return *rc;
  return report_cluster_view(std::get<call_result>(sent), o.json, c.out, c.err);
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

}  // namespace vote::client
