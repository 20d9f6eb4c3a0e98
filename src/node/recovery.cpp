// Startup recovery and the offline data-directory check: see include/vote/node/recovery.hpp.
#include "vote/node/recovery.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <ostream>
#include <random>

#include "vote/node/server.hpp"
#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal_record.hpp"

namespace vote::node {

namespace {

std::string wal_dir(const std::string& data_dir) {
  return data_dir + "/" + storage::wal_dir_name;
}

std::string describe_healthy(const storage::data_dir_report& r) {
  std::string s = r.identity ? "node " + std::to_string(r.identity->id) : "no node identity yet";
  if (r.identity && !r.identity->cluster_uuid.empty()) s += ", cluster " + r.identity->cluster_uuid;
  s += r.snapshot_index ? ", snapshot up to " + std::to_string(*r.snapshot_index)
                        : std::string(", no snapshot");
  if (r.log.segments == 0) {
    s += ", no log yet";
  } else {
    s += ", log [" + std::to_string(r.log.first_index) + ", " + std::to_string(r.log.last_index) +
         "] in " + std::to_string(r.log.segments) + " segment(s)";
  }
  if (r.log.manifest) {
    s += ", manifest: last segment " + std::to_string(r.log.manifest->last_segment) +
         ", durable to " + std::to_string(r.log.manifest->durable_index);
  } else {
    s += ", no manifest yet";
  }
  if (r.log.truncated_bytes > 0) {
    s += "; a torn tail of " + std::to_string(r.log.truncated_bytes) +
         " bytes (an interrupted write) will be cut at the next start";
  }
  return s;
}

}  // namespace

std::string damage_message(const std::string& data_dir, const storage::data_dir_report& report) {
  std::string s = "the data directory " + data_dir + " is damaged: ";
  for (std::size_t i = 0; i < report.damage.size(); ++i) {
    s += (i ? "; " : "") + report.damage[i];
  }
  s += ". A crash cannot explain this: data was deleted or damaged after it was written, and "
       "acknowledged votes may be missing from it, so this server refuses to start (starting it "
       "could let damaged servers form a majority that silently loses votes). Do not edit or "
       "delete files to make it start. What to do: keep a copy of the directory; if a majority "
       "of the cluster is healthy, remove this member (vote-admin remove --node ID), wipe the "
       "data directory and start the server with a new --id (or none) so that it rejoins as a "
       "new member; if a majority is damaged, see vote-admin force-new-cluster, which may lose "
       "votes. Details: ";
  s += damaged_data_dir_doc;
  return s;
}

std::optional<storage::snapshot> refuse_damaged_data_dir(storage::file_system& fs,
                                                         const std::string& data_dir) {
  storage::data_dir_report report = storage::check_data_dir(fs, data_dir);
  if (!report.healthy()) throw startup_error(exit_data, damage_message(data_dir, report));
  return std::move(report.latest_snapshot);
}

recovered_state recover(storage::file_system& fs, const server_config& c,
                        const storage::node_identity& identity,
                        std::optional<storage::snapshot> snap,
                        std::unique_ptr<storage::wal>& wal_out) {
  recovered_state r;
  r.state = election_state(c.bounds);
  auto& p = r.persisted;
  p.cluster_uuid = identity.cluster_uuid;
  const auto promise = storage::load_promise(fs, c.data_dir).value_or(consensus::promise_record{});
  p.promise = promise;
  std::uint64_t snapshot_index = 0;
  std::uint64_t snapshot_epoch = 0;
  if (snap) {
    // load_latest_snapshot() has decoded the configuration (a bad one is corruption_error).
    auto restored = election_state::restore(snap->state, c.bounds);
    if (!restored)
      throw startup_error(exit_data, "the snapshot in " + c.data_dir + " does not decode");
    r.state = std::move(*restored);
    snapshot_index = snap->meta.last_index;
    snapshot_epoch = snap->meta.last_epoch;
    p.snapshot = std::move(snap->meta);
    p.snapshot_data = std::make_shared<const std::string>(std::move(snap->state));
  }
  storage::wal_recovery rec;
  storage::wal_options options;
  options.first_index = snapshot_index + 1;
  options.prev_epoch = snapshot_epoch;
  options.manifest_dir = c.data_dir;
  wal_out = storage::wal::open(fs, wal_dir(c.data_dir), options, rec);
  if (rec.truncated_bytes > 0)
    spdlog::warn("recovery: cut a torn tail of {} bytes from the log", rec.truncated_bytes);
  if (snapshot_index > 0) {
    // refuse_damaged_data_dir() ruled out a gap (first_index > snapshot_index + 1).
    if (wal_out->epoch_at(snapshot_index) != snapshot_epoch) {
      // A crash interrupted the install of a snapshot ahead of the log: the snapshot wins.
      if (auto ec = wal_out->reset(snapshot_index + 1, snapshot_epoch))
        throw startup_error(exit_data, "cannot reset the log: " + ec.message());
      rec.entries.clear();
    }
  }
  for (auto& e : rec.entries) {
    if (e.index > snapshot_index) p.log.push_back(std::move(e));
  }
  spdlog::info(
      "recovery: snapshot up to {}, {} log entries after it, promise ({}, {}), cluster "
      "{}",
      snapshot_index, p.log.size(), p.promise.epoch, p.promise.to,
      p.cluster_uuid.empty() ? "none yet" : p.cluster_uuid);
  return r;
}

namespace {

std::uint64_t random_u64() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) | rd();
}

storage::node_identity load_or_create_identity(storage::file_system& fs, const server_config& c,
                                               bool& created) {
  auto existing = storage::load_identity(fs, c.data_dir);
  created = !existing;
  if (existing) {
    if (c.id && *c.id != existing->id)
      throw startup_error(exit_data, "the data directory " + c.data_dir + " belongs to node " +
                                         std::to_string(existing->id) + ", not --id " +
                                         std::to_string(*c.id) + "; use another --data-dir");
    return *existing;
  }
  storage::node_identity id;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  id.id = c.id ? *c.id : storage::generate_node_id(static_cast<std::uint64_t>(now), random_u64());
  id.incarnation = random_u64();
  if (auto ec = storage::save_identity(fs, c.data_dir, id))
    throw startup_error(exit_data,
                        "cannot write the node identity in " + c.data_dir + ": " + ec.message());
  spdlog::info("new data directory {}: node id {}", c.data_dir, id.id);
  return id;
}

}  // namespace

opened_data_dir open_data_dir(storage::file_system& fs, const server_config& c) {
  if (auto ec = fs.create_dirs(c.data_dir))
    throw startup_error(exit_data, "cannot create --data-dir " + c.data_dir + ": " + ec.message());
  opened_data_dir d;
  try {
    d.lock = storage::lock_data_dir(c.data_dir);
  } catch (const std::runtime_error& e) {
    throw startup_error(exit_unavailable, "the data directory " + c.data_dir +
                                              " is in use by another vote-server (" + e.what() +
                                              ")");
  }
  std::optional<storage::snapshot> snapshot = refuse_damaged_data_dir(fs, c.data_dir);
  d.identity = load_or_create_identity(fs, c, d.new_identity);
  d.recovered = recover(fs, c, d.identity, std::move(snapshot), d.wal);
  return d;
}

int check_data_dir_offline(const std::string& data_dir, std::ostream& out) {
  struct stat st {};
  if (::stat(data_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    out << data_dir << ": missing: no such directory\n";
    return exit_usage;
  }
  storage::data_dir_lock lock;
  try {
    lock = storage::probe_data_dir_lock(data_dir);
  } catch (const std::system_error& e) {
    out << data_dir << ": unusable: " << e.what() << "\n";
    return exit_usage;
  } catch (const std::runtime_error& e) {
    out << data_dir << ": locked: " << e.what()
        << "; stop it to check the directory (a running server has checked it at its start)\n";
    return exit_unavailable;
  }
  auto fs = storage::make_posix_file_system();
  storage::data_dir_report report;
  try {
    report = storage::check_data_dir(*fs, data_dir);
  } catch (const std::system_error& e) {
    out << data_dir << ": unusable: " << e.what() << "\n";
    return exit_usage;
  }
  if (report.healthy()) {
    out << data_dir << ": healthy (" << describe_healthy(report) << ")\n";
    return exit_ok;
  }
  out << data_dir << ": damaged\n";
  for (const std::string& d : report.damage) out << "  - " << d << "\n";
  out << "What to do: do not edit or delete files to make it start. Keep a copy; wipe the "
         "directory and start the server with a new --id so that it rejoins as a new member (a "
         "majority of the cluster must be healthy), or, if a majority is damaged, use "
         "vote-admin force-new-cluster knowingly (it may lose votes). See "
      << damaged_data_dir_doc << ".\n";
  return exit_data;
}

}  // namespace vote::node
