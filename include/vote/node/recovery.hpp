// Startup recovery of vote-server (DESIGN.md §8, docs/storage.md "Startup sequence"): lock the
// data directory, refuse it when damaged, load or create the node identity, then read back what
// the node machine needs to restart. Also the offline check behind
// `vote-server --check-data-dir DIR`.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "vote/node/config.hpp"
#include "vote/node/machine/machine.hpp"
#include "vote/storage/data_dir_check.hpp"
#include "vote/storage/file_system.hpp"
#include "vote/storage/meta.hpp"
#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal.hpp"

namespace vote::node {

// A failure that ends start-up with a specific exit code (server.hpp) and a message for the
// operator.
struct startup_error : std::runtime_error {
  startup_error(int c, const std::string& what) : std::runtime_error(what), code(c) {}
  int code;
};

// The docs section every "damaged data directory" message points to.
inline constexpr const char* damaged_data_dir_doc =
    "docs/operations.md, \"A server refuses to start: damaged data directory\"";

// The operator's message for a damaged directory: what is missing, and what to do.
std::string damage_message(const std::string& data_dir, const storage::data_dir_report& report);

// Throws startup_error(exit_data, damage_message(...)) if check_data_dir() finds damage; else
// returns the latest snapshot it checked (nullopt: none), for recover().
// Read-only; run it with the directory locked, before anything is written.
std::optional<storage::snapshot> refuse_damaged_data_dir(storage::file_system& fs,
                                                         const std::string& data_dir);

// Reads the promise and every durable log entry after `snapshot` (the data directory's latest,
// as refuse_damaged_data_dir() returned it), opening the WAL, which cuts a torn tail. Log entries
// are NOT applied here: only the core knows which are committed. Throws startup_error(exit_data)
// when the snapshot's state does not decode.
recovered_state recover(storage::file_system& fs, const server_config& c,
                        const storage::node_identity& identity,
                        std::optional<storage::snapshot> snapshot,
                        std::unique_ptr<storage::wal>& wal_out);

// Everything start-up takes from the data directory, which stays locked while `lock` lives.
struct opened_data_dir {
  storage::data_dir_lock lock;
  storage::node_identity identity;
  bool new_identity = false;  // the identity was created by this start
  std::unique_ptr<storage::wal> wal;
  recovered_state recovered;
};

// The whole start-up sequence: create and lock `c.data_dir` (startup_error(exit_unavailable)
// when another server holds it), refuse_damaged_data_dir(), load the identity or create one
// (startup_error(exit_data) when it belongs to another --id), then recover().
opened_data_dir open_data_dir(storage::file_system& fs, const server_config& c);

// `vote-server --check-data-dir DIR`: prints the verdict to `out` and returns the exit code:
// 0 healthy, 4 damaged, 3 locked by a running server, 2 missing or unusable. Never modifies
// anything (a shared flock while it reads; no file is created, written or removed).
int check_data_dir_offline(const std::string& data_dir, std::ostream& out);

}  // namespace vote::node
