// The log writer: the storage thread behind the node (DESIGN.md §5.4 group commit, §8).
//
// The node hands it whole batches (all proposals of one event-loop turn); it writes each batch
// with one write and makes it durable with one fdatasync, then posts the completion back to the
// node's io_context. While a batch is on its way to disk the node gathers the next one, so disk
// and network overlap. Snapshots go through the same queue, so they are ordered with the log.
//
// An I/O error here is fatal: the process logs it and aborts, because a node must never
// acknowledge what might not be on disk (DESIGN.md §8).
//
// Threading: append()/snapshot() are called on the node's thread; the WAL is touched only on the
// writer's own thread; completions run on the node's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "vote/core/log_entry.hpp"
#include "vote/storage/file_system.hpp"
#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal.hpp"

namespace vote::node {

class log_writer {
 public:
  log_writer(boost::asio::io_context& node_io, storage::file_system& fs, std::string dir,
             std::unique_ptr<storage::wal> wal);
  ~log_writer();
  log_writer(const log_writer&) = delete;
  log_writer& operator=(const log_writer&) = delete;

  // Writes and syncs `batch` (dense, continuing the log); then `done()` runs on the node thread.
  void append(std::vector<log_entry> batch, std::function<void()> done);
  // Writes a snapshot and drops the log prefix it covers; then `done()` runs on the node thread.
  void snapshot(storage::snapshot_meta meta, std::string state, std::function<void()> done);
  // Finishes queued work and joins the thread.
  void stop();

 private:
  boost::asio::io_context& node_io_;
  storage::file_system& fs_;
  std::string dir_;
  std::unique_ptr<storage::wal> wal_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace vote::node
