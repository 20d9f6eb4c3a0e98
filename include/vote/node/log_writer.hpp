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
// Snapshots are serialised on a second thread, at a lower priority (nice +10), and only then
// queued for writing like any other job: the log keeps being written and synced meanwhile, so a
// serialisation starved by a busy CPU delays the snapshot, never the votes behind it (issue 12).
//
// Threading: persist()/snapshot() are called on the node's thread; the WAL and the metadata files
// are touched only on the writer's own thread; the frozen state of a snapshot only on the
// serialiser's; completions run on the node's thread.
#pragma once

#include <atomic>
#include <chrono>
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

#include "vote/core/consensus_records.hpp"
#include "vote/node/machine/machine.hpp"
#include "vote/node/metrics.hpp"
#include "vote/storage/file_system.hpp"
#include "vote/storage/meta.hpp"
#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal.hpp"

namespace vote::node {

// What the writer measured (docs/operations.md "Metrics"), read on any thread.
struct log_writer_measures {
  metrics::histogram fsync_seconds{metrics::duration_buckets()};  // each sync of the log
  // Each snapshot of its own it wrote: from the start of its serialising until it is written.
  metrics::histogram snapshot_seconds{metrics::duration_buckets()};
  std::atomic<std::uint64_t> snapshots{0};       // snapshots of its own written
  std::atomic<std::uint64_t> snapshot_bytes{0};  // the size of the last one
};

class log_writer {
 public:
  using serialiser = std::function<std::shared_ptr<const std::string>(const snapshot_job&)>;

  // `identity`: this node's id and incarnation, saved with the cluster UUID when a job sets one.
  // `serialise` makes a snapshot's bytes (tests slow it down).
  log_writer(boost::asio::io_context& node_io, storage::file_system& fs, std::string dir,
             storage::node_identity identity, std::unique_ptr<storage::wal> wal,
             serialiser serialise = node::serialise);
  ~log_writer();
  log_writer(const log_writer&) = delete;
  log_writer& operator=(const log_writer&) = delete;

  // Makes `job` durable, in the order of its fields; then `done()` runs on the node thread.
  void persist(consensus::persist_job job, std::function<void()> done);
  // Serialises the snapshot the machine took (a frozen copy of its applied state) on the
  // serialiser's thread, then writes it and drops the log prefix it covers on the writer's, after
  // the jobs queued before the serialising ended; then `done(bytes)` runs on the node thread.
  // Persist jobs queued meanwhile do not wait for it. A snapshot no newer than one already on
  // disk (a leader's, installed meanwhile) is not written; `done` still runs.
  void snapshot(snapshot_job job, std::function<void(std::shared_ptr<const std::string>)> done);
  // Finishes queued work and joins the thread.
  void stop();
  const log_writer_measures& measures() const noexcept { return measures_; }

 private:
  struct item {
    std::optional<consensus::persist_job> persist;
    std::optional<consensus::snapshot_meta> snapshot;  // a serialised snapshot to write
    std::function<void()> done;
    std::function<void(std::shared_ptr<const std::string>)> snapshot_done;
    std::shared_ptr<const std::string> snapshot_bytes;
    std::chrono::steady_clock::time_point snapshot_started{};
  };

  void enqueue(item it);
  void write_round();  // writer thread: everything queued, one sync, completions
  void carry_out(consensus::persist_job& job, bool& unsynced);
  void carry_out(const consensus::snapshot_meta& meta, const std::string& bytes, bool& unsynced);
  void sync_log();  // wal_->sync(), timed

  boost::asio::io_context& node_io_;
  storage::file_system& fs_;
  std::string dir_;
  storage::node_identity identity_;
  std::unique_ptr<storage::wal> wal_;
  serialiser serialise_;
  std::uint64_t snapshot_index_ = 0;  // writer thread: the newest snapshot written or installed
  log_writer_measures measures_;      // before the threads below, which update it
  std::mutex mutex_;
  std::deque<item> queue_;     // guarded by mutex_
  bool round_posted_ = false;  // guarded by mutex_
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  boost::asio::io_context serialiser_io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> serialiser_work_;
  std::thread serialiser_;  // nice +10
};

}  // namespace vote::node
