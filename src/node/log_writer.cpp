#include "vote/node/log_writer.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <cstdlib>

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

}  // namespace

log_writer::log_writer(asio::io_context& node_io, storage::file_system& fs, std::string dir,
                       std::unique_ptr<storage::wal> wal)
    : node_io_(node_io),
      fs_(fs),
      dir_(std::move(dir)),
      wal_(std::move(wal)),
      work_(asio::make_work_guard(io_)),
      thread_([this] { io_.run(); }) {}

log_writer::~log_writer() {
  stop();
}

void log_writer::append(std::vector<log_entry> batch, std::function<void()> done) {
  asio::post(io_, [this, batch = std::move(batch), done = std::move(done)]() mutable {
    std::error_code ec;
    try {
      ec = wal_->append(batch);
    } catch (const std::exception& e) {  // a broken invariant (non-dense batch): stop loudly
      spdlog::critical("log writer: {}", e.what());
      ec = std::make_error_code(std::errc::invalid_argument);
    }
    if (ec) die("appending to the log", ec);
    if ((ec = wal_->sync())) die("syncing the log", ec);
    asio::post(node_io_, std::move(done));
  });
}

void log_writer::snapshot(storage::snapshot_meta meta, std::string state,
                          std::function<void()> done) {
  asio::post(io_, [this, meta = std::move(meta), state = std::move(state),
                   done = std::move(done)]() mutable {
    if (auto ec = storage::write_snapshot(fs_, dir_, meta, state)) die("writing a snapshot", ec);
    if (auto ec = wal_->drop_prefix(meta.last_index)) die("compacting the log", ec);
    asio::post(node_io_, std::move(done));
  });
}

void log_writer::stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  thread_.join();
}

}  // namespace vote::node
