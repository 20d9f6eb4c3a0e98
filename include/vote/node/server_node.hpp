// The node driver for a one-member cluster (DESIGN.md §3): the single owner of the election
// state, serving client requests on one thread.
//
// Order of work, fixed (STYLE.md 5): a proposal becomes a log entry in the current batch; the
// batch is made durable by the log writer (persist); then its entries are applied in log order
// (apply); then each client gets its answer (reply). Nothing is acknowledged before it is on
// disk. All requests that arrive while a batch is being synced form the next batch (group
// commit), so one fdatasync serves many clients.
//
// Invariants: commit_index_ == applied_index_ between turns; every entry up to last_index_ has
// been handed to the writer or sits in batch_; pending_ holds, in index order, the replies of
// entries not yet applied.
//
// Threading: every member runs on the io_context's single thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "vote/core/election.hpp"
#include "vote/core/log_entry.hpp"
#include "vote/net/client_listener.hpp"
#include "vote/node/admin.hpp"
#include "vote/node/log_writer.hpp"
#include "vote/wire/discovery.hpp"
#include "vote/wire/messages.hpp"

namespace vote::node {

// What recovery found on disk: the state after applying every durable entry.
struct recovered_state {
  election_state state = election_state(limits{});
  std::uint64_t last_index = 0;  // == applied index: a one-member cluster commits what is durable
  std::uint64_t last_epoch = 0;
  std::uint64_t snapshot_index = 0;
  std::int64_t last_timestamp_ms = 0;
};

struct node_identity_view {
  std::uint64_t id = 0;
  std::string endpoint;  // "ip:port" of the client listener
  std::string cluster;
  std::string cluster_uuid;
};

class server_node : public net::request_handler {
 public:
  server_node(boost::asio::io_context& io, node_identity_view self, std::uint64_t epoch,
              recovered_state recovered, admin_policy admin, log_writer& writer,
              std::uint64_t snapshot_every);

  // Appends this epoch's epoch_start entry; requests are served from now on.
  void start();
  // Stops taking requests, lets the batch on its way to disk finish and be answered, then calls
  // `done` on the node thread.
  void drain(std::function<void()> done);

  void on_request(std::string payload, const net::request_origin& origin,
                  net::reply_fn reply) override;

  // The answer to who_is_leader (this node leads its one-member cluster while serving).
  std::optional<wire::leader_is> leader_info() const;
  wire::server_status status() const;

 private:
  struct pending_reply {
    std::uint64_t index = 0;
    std::optional<command> cmd;  // empty for entries that change no election (epoch_start)
    net::reply_fn reply;
  };

  void serve(const wire::client_request& req, const net::request_origin& origin,
             net::reply_fn& reply);
  void propose(command cmd, net::reply_fn reply);
  void append_entry(entry_kind kind, std::string payload, std::optional<command> cmd,
                    net::reply_fn reply);
  void schedule_flush();
  void flush();
  void on_durable(std::uint64_t durable_index);
  void maybe_snapshot();
  void maybe_finish_drain();
  std::int64_t next_timestamp();

  boost::asio::io_context& io_;
  node_identity_view self_;
  std::uint64_t epoch_;
  election_state state_;
  admin_policy admin_;
  log_writer& writer_;
  std::uint64_t snapshot_every_;

  std::uint64_t last_index_ = 0;     // last entry created (durable or not)
  std::uint64_t applied_index_ = 0;  // last entry durable and applied
  std::uint64_t applied_epoch_ = 0;
  std::uint64_t snapshot_index_ = 0;
  std::int64_t last_timestamp_ms_ = 0;
  std::vector<log_entry> batch_;  // created, not yet handed to the writer
  std::deque<pending_reply> pending_;
  bool flush_scheduled_ = false;
  bool write_in_flight_ = false;
  bool snapshot_in_flight_ = false;
  bool serving_ = false;
  std::function<void()> drained_;
};

}  // namespace vote::node
