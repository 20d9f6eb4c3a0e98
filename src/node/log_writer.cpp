#include "vote/node/log_writer.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace vote::node {

namespace asio = boost::asio;

namespace {

// DESIGN.md §8: an fsync error stops the process; never acknowledge what might not be durable.
[[noreturn]] void die(const char* what, const std::error_code& ec) {
  spdlog::critical(
      "storage failure while {}: {}; stopping so that nothing unsynced is "
      "acknowledged",
      what, ec.message());
  spdlog::shutdown();
  std::abort();
}

void check(const char* what, const std::error_code& ec) {
  if (ec) die(what, ec);
}

}  // namespace

log_writer::log_writer(asio::io_context& node_io, storage::file_system& fs, std::string dir,
                       storage::node_identity identity, std::unique_ptr<storage::wal> wal,
                       serialiser serialise)
    : node_io_(node_io),
      fs_(fs),
      dir_(std::move(dir)),
      identity_(std::move(identity)),
      wal_(std::move(wal)),
      serialise_(std::move(serialise)),
      work_(asio::make_work_guard(io_)),
      thread_([this] { io_.run(); }),
      serialiser_work_(asio::make_work_guard(serialiser_io_)),
      serialiser_([this] {
        // Best effort: on a busy CPU the serialising (about 0.15 s per million voters) yields to
        // the node's thread, whose heartbeats and acks must not starve, and to this writer's.
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
        serialiser_io_.run();
      }) {}

log_writer::~log_writer() {
  stop();
}

void log_writer::persist(consensus::persist_job job, std::function<void()> done) {
  enqueue(item{std::move(job), std::nullopt, std::move(done)});
}

void log_writer::snapshot(snapshot_job job,
                          std::function<void(std::shared_ptr<const std::string>)> done) {
  asio::post(serialiser_io_, [this, job = std::move(job), done = std::move(done)]() mutable {
    const auto started = std::chrono::steady_clock::now();
    auto bytes = serialise_(job);
    const consensus::snapshot_meta meta = job.meta;
    job.state.reset();  // the last share of the frozen state: freed here, not on the node's thread
    enqueue(item{std::nullopt, meta, nullptr, std::move(done), std::move(bytes), started});
  });
}

void log_writer::enqueue(item it) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(it));
  if (round_posted_) return;
  round_posted_ = true;
  asio::post(io_, [this] { write_round(); });
}

void log_writer::write_round() {
  std::deque<item> round;
  {
    std::lock_guard lock(mutex_);
    round.swap(queue_);
    round_posted_ = false;
  }
  bool unsynced = false;
  try {
    for (item& it : round) {
      if (it.persist) carry_out(*it.persist, unsynced);
      if (it.snapshot) {
        const auto before = snapshot_index_;
        carry_out(*it.snapshot, *it.snapshot_bytes, unsynced);
        if (snapshot_index_ != before) {  // written (not superseded by an installed one)
          measures_.snapshot_seconds.observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - it.snapshot_started)
                  .count());
          measures_.snapshot_bytes = it.snapshot_bytes->size();
          ++measures_.snapshots;
        }
      }
    }
  } catch (const std::exception& e) {  // a broken invariant (non-dense append, bad truncation)
    spdlog::critical("log writer: {}", e.what());
    die("writing the log", std::make_error_code(std::errc::invalid_argument));
  }
  if (unsynced) sync_log();
  std::vector<std::function<void()>> completions;
  completions.reserve(round.size());
  for (item& it : round) {
    if (it.snapshot_done) {
      completions.push_back([done = std::move(it.snapshot_done),
                             bytes = std::move(it.snapshot_bytes)]() mutable { done(bytes); });
    } else {
      completions.push_back(std::move(it.done));
    }
  }
  asio::post(node_io_, [completions = std::move(completions)] {
    for (const auto& done : completions) done();
  });
}

namespace {

std::string_view bytes(const std::shared_ptr<const std::string>& s) {
  return s ? std::string_view(*s) : std::string_view();
}

}  // namespace

void log_writer::carry_out(consensus::persist_job& job, bool& unsynced) {
  if (job.cluster_uuid) {
    identity_.cluster_uuid = *job.cluster_uuid;
    check("saving the node identity", storage::save_identity(fs_, dir_, identity_));
  }
  if (job.promise) {
    check("saving the promise", storage::save_promise(fs_, dir_, *job.promise));
  }
  if (job.install_snapshot) {
    if (unsynced) sync_log();
    unsynced = false;
    const auto& meta = job.install_snapshot->meta;
    check("installing a snapshot",
          storage::write_snapshot(fs_, dir_, meta, bytes(job.install_snapshot->data)));
    check("restarting the log after a snapshot", wal_->reset(meta.last_index + 1, meta.last_epoch));
    snapshot_index_ = std::max(snapshot_index_, meta.last_index);
  }
  if (job.truncate_from && *job.truncate_from <= wal_->last_index()) {
    check("truncating the log", wal_->truncate_suffix(*job.truncate_from));
  }
  if (!job.entries.empty()) {
    check("appending to the log", wal_->append(job.entries));
    unsynced = true;
  }
}

// A leader's snapshot installed while this one was serialised is newer (it lies beyond the commit
// index this one was taken at): this one is then not written, and the log is not touched.
void log_writer::carry_out(const consensus::snapshot_meta& meta, const std::string& state,
                           bool& unsynced) {
  if (meta.last_index <= snapshot_index_) return;
  if (unsynced) sync_log();
  unsynced = false;
  check("writing a snapshot", storage::write_snapshot(fs_, dir_, meta, state));
  check("compacting the log", wal_->drop_prefix(meta.last_index));
  snapshot_index_ = meta.last_index;
}

void log_writer::sync_log() {
  const auto started = std::chrono::steady_clock::now();
  check("syncing the log", wal_->sync());
  measures_.fsync_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

void log_writer::stop() {
  if (!thread_.joinable()) return;
  // A snapshot being serialised is finished and queued first, then the writer drains the queue.
  serialiser_work_.reset();
  serialiser_.join();
  work_.reset();
  thread_.join();
  // A clean stop: the manifest records the whole log as durable (docs/storage.md).
  check("recording the log in the manifest", wal_->checkpoint());
}

}  // namespace vote::node
