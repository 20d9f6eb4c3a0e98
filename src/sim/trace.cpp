#include "vote/sim/trace.hpp"

#include <string_view>
#include <variant>
#include <vector>

namespace vote::sim {
namespace {

using std::to_string;

std::string ids(const std::vector<consensus::node_id>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + to_string(v[i]);
  return s + "]";
}

std::string span(const std::vector<log_entry>& entries) {
  if (entries.empty()) return "[]";
  return "[" + to_string(entries.front().index) + ".." + to_string(entries.back().index) + "]";
}

struct body_printer {
  std::string operator()(const consensus::election& m) const {
    return "election{round=" + to_string(m.round) + " uid=" + to_string(m.uid) +
           " visited=" + ids(m.visited) + " skipped=" + ids(m.skipped) + "}";
  }
  std::string operator()(const consensus::election_ack& m) const {
    return "election_ack{round=" + to_string(m.round) + " uid=" + to_string(m.uid) + "}";
  }
  std::string operator()(const consensus::leader_alive& m) const {
    return "leader_alive{id=" + to_string(m.id) + " e=" + to_string(m.epoch) + "}";
  }
  std::string operator()(const consensus::prepare& m) const {
    return "prepare{e=" + to_string(m.epoch) + " candidate=" + to_string(m.candidate) +
           (m.handover ? " handover" : "") + "}";
  }
  std::string operator()(const consensus::promise& m) const {
    return "promise{e=" + to_string(m.epoch) + " last=(" + to_string(m.last_log_index) + "," +
           to_string(m.last_log_epoch) + ")}";
  }
  std::string operator()(const consensus::reject& m) const {
    return "reject{promised=(" + to_string(m.promised_epoch) + ",n" + to_string(m.promised_to) +
           ")}";
  }
  std::string operator()(const consensus::fetch& m) const {
    return "fetch{e=" + to_string(m.epoch) + " from=" + to_string(m.from_index) + "}";
  }
  std::string operator()(const consensus::fetch_reply& m) const {
    return "fetch_reply{e=" + to_string(m.epoch) + (m.ok ? " ok" : " refused") +
           (m.snapshot_needed ? " snapshot_needed" : "") +
           (m.snapshot ? " snapshot=(" + to_string(m.snapshot->last_index) + "," +
                             to_string(m.snapshot->last_epoch) + ")"
                       : "") +
           " entries=" + span(m.entries) + "}";
  }
  std::string operator()(const consensus::append& m) const {
    return "append{e=" + to_string(m.epoch) + " leader=" + to_string(m.leader) + " prev=(" +
           to_string(m.prev_index) + "," + to_string(m.prev_epoch) +
           ") entries=" + span(m.entries) + " commit=" + to_string(m.commit_index) +
           " seq=" + to_string(m.seq) + "}";
  }
  std::string operator()(const consensus::append_reply& m) const {
    return "append_reply{e=" + to_string(m.epoch) + (m.ok ? " ok" : " refused") +
           " match=" + to_string(m.match_index) + " hint=" + to_string(m.last_index_hint) +
           (m.promised_to != 0 ? " promised_to=" + to_string(m.promised_to) : std::string()) +
           " seq=" + to_string(m.seq) + "}";
  }
  std::string operator()(const consensus::timeout_now& m) const {
    return "timeout_now{e=" + to_string(m.epoch) + "}";
  }
  std::string operator()(const consensus::install_snapshot& m) const {
    return "install_snapshot{e=" + to_string(m.epoch) + " last=(" + to_string(m.meta.last_index) +
           "," + to_string(m.meta.last_epoch) + ") offset=" + to_string(m.offset) +
           " bytes=" + to_string(m.data.size()) + (m.done ? " done" : "") + "}";
  }
  std::string operator()(const consensus::snapshot_reply& m) const {
    return "snapshot_reply{e=" + to_string(m.epoch) + (m.ok ? " ok" : " refused") +
           " next=" + to_string(m.next_offset) + " last=" + to_string(m.last_index) + "}";
  }
  std::string operator()(const consensus::bootstrap_propose& m) const {
    std::vector<consensus::node_id> members;
    for (const auto& mb : m.members) members.push_back(mb.id);
    return "bootstrap_propose{uuid=" + m.uuid + " members=" + ids(members) + "}";
  }
  std::string operator()(const consensus::bootstrap_reply& m) const {
    return std::string("bootstrap_reply{") + (m.accepted ? "accepted" : "refused") + "}";
  }
};

std::string_view kind_name(entry_kind k) {
  switch (k) {
    case entry_kind::epoch_start:
      return "epoch_start";
    case entry_kind::config:
      return "config";
    case entry_kind::command:
      return "command";
  }
  return "?";
}

}  // namespace

std::string describe(const consensus::message_body& body) {
  return std::visit(body_printer{}, body);
}

std::string describe(const consensus::envelope& e) {
  return "n" + to_string(e.from) + "->n" + to_string(e.to) + " " + describe(e.body);
}

std::string describe(const log_entry& e) {
  return "(" + to_string(e.index) + "," + to_string(e.epoch) + "," +
         std::string(kind_name(e.kind)) + ")";
}

std::string describe(const consensus::persist_job& job) {
  std::string s;
  const auto add = [&s](const std::string& part) { s += (s.empty() ? "" : " ") + part; };
  if (job.cluster_uuid) add("uuid=" + *job.cluster_uuid);
  if (job.promise)
    add("promise(" + to_string(job.promise->epoch) + ",n" + to_string(job.promise->to) + ")");
  if (job.install_snapshot) {
    add("snapshot(" + to_string(job.install_snapshot->meta.last_index) + "," +
        to_string(job.install_snapshot->meta.last_epoch) + ")");
  }
  if (job.truncate_from) add("truncate>=" + to_string(*job.truncate_from));
  if (!job.entries.empty()) add("entries=" + span(job.entries));
  return s;
}

}  // namespace vote::sim
