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

#include "vote/core/consensus_records.hpp"
#include "vote/node/machine/machine.hpp"
#include "vote/storage/file_system.hpp"
#include "vote/storage/meta.hpp"
#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal.hpp"

namespace vote::node {

class log_writer {
 public:
  // `identity`: this node's id and incarnation, saved with the cluster UUID when a job sets one.
  log_writer(boost::asio::io_context& node_io, storage::file_system& fs, std::string dir,
             storage::node_identity identity, std::unique_ptr<storage::wal> wal);
  ~log_writer();
  log_writer(const log_writer&) = delete;
  log_writer& operator=(const log_writer&) = delete;

  // Makes `job` durable, in the order of its fields; then `done()` runs on the node thread.
  void persist(consensus::persist_job job, std::function<void()> done);
  // Serialises the snapshot the machine took (a frozen copy of its applied state), writes it and
  // drops the log prefix it covers; then `done(bytes)` runs on the node thread. The serialising
  // (about 0.4 s per million voters) happens here, on the writer's thread, never on the node's.
  // Jobs queued after it wait for it, as for any job ahead of them.
  void snapshot(snapshot_job job, std::function<void(std::shared_ptr<const std::string>)> done);
  // Finishes queued work and joins the thread.
  void stop();

 private:
  struct item {
    std::optional<consensus::persist_job> persist;
    std::optional<snapshot_job> snap;
    std::function<void()> done;
    std::function<void(std::shared_ptr<const std::string>)> snapshot_done;
    std::shared_ptr<const std::string> snapshot_bytes;  // serialised by the writer
  };

  void enqueue(item it);
  void write_round();  // writer thread: everything queued, one sync, completions
  void carry_out(consensus::persist_job& job, bool& unsynced);
  void carry_out(item& it, bool& unsynced);  // its snapshot job

  boost::asio::io_context& node_io_;
  storage::file_system& fs_;
  std::string dir_;
  storage::node_identity identity_;
  std::unique_ptr<storage::wal> wal_;
  std::mutex mutex_;
  std::deque<item> queue_;     // guarded by mutex_
  bool round_posted_ = false;  // guarded by mutex_
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace vote::node
