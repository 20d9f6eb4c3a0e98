// The log writer: the storage thread behind the node (DESIGN.md §5.4 group commit, §8).
//
// The node hands it persist jobs (what one consensus output says to make durable: the cluster
// UUID, a promise, an installed snapshot, a log truncation, new entries) and snapshots of its own.
// Jobs are carried out strictly in the order given. Every job queued while the writer was busy is
// written in the next round with ONE fdatasync at its end (group commit across outputs), then the
// completions of that round are posted back to the node's io_context, in order. So while one
// batch syncs the node gathers the next, and disk and network overlap.
//
// An I/O error here is fatal: the process logs it and aborts, because a node must never
// acknowledge what might not be on disk (DESIGN.md §8).
//
// Threading: persist()/snapshot() are called on the node's thread; the WAL and the metadata files
// are touched only on the writer's own thread; completions run on the node's thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "vote/core/log_entry.hpp"
#include "vote/storage/file_system.hpp"
#include "vote/storage/meta.hpp"
#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal.hpp"

namespace vote::node {

// What one consensus output makes durable, in the order of the core's contract.
struct persist_job {
  std::optional<storage::node_identity> identity;  // the cluster UUID was set: save it first
  std::optional<storage::promise_state> promise;
  std::optional<storage::snapshot> install;  // write it, then restart the log right after it
  std::optional<std::uint64_t> truncate_from;
  std::vector<log_entry> entries;  // dense, continuing the log (after the truncation)
};

class log_writer {
 public:
  log_writer(boost::asio::io_context& node_io, storage::file_system& fs, std::string dir,
             std::unique_ptr<storage::wal> wal);
  ~log_writer();
  log_writer(const log_writer&) = delete;
  log_writer& operator=(const log_writer&) = delete;

  // Makes `job` durable; then `done()` runs on the node thread.
  void persist(persist_job job, std::function<void()> done);
  // Writes a snapshot and drops the log prefix it covers; then `done()` runs on the node thread.
  void snapshot(storage::snapshot_meta meta, std::string state, std::function<void()> done);
  // Finishes queued work and joins the thread.
  void stop();

 private:
  struct snapshot_job {
    storage::snapshot_meta meta;
    std::string state;
  };
  struct item {
    std::optional<persist_job> persist;
    std::optional<snapshot_job> snap;
    std::function<void()> done;
  };

  void enqueue(item it);
  void write_round();  // writer thread: everything queued, one sync, completions
  void carry_out(persist_job& job, bool& unsynced);
  void carry_out(snapshot_job& job, bool& unsynced);

  boost::asio::io_context& node_io_;
  storage::file_system& fs_;
  std::string dir_;
  std::unique_ptr<storage::wal> wal_;
  std::mutex mutex_;
  std::deque<item> queue_;     // guarded by mutex_
  bool round_posted_ = false;  // guarded by mutex_
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace vote::node
