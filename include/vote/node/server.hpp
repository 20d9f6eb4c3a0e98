// The vote-server process: recovery from the data directory, then the node, its adapters and
// the signal handling on one io_context (DESIGN.md §3).
#pragma once

#include "vote/node/config.hpp"

namespace vote::node {

// Process exit codes of vote-server (README "Exit codes").
enum exit_code : int {
  exit_ok = 0,           // stopped by SIGINT/SIGTERM after finishing in-flight work
  exit_failure = 1,      // unexpected runtime failure
  exit_usage = 2,        // bad flags or configuration
  exit_unavailable = 3,  // port in use / address not available / data dir locked
  exit_data = 4,         // the data directory is corrupt or belongs to another node
};

// Runs the server until SIGINT/SIGTERM. `config` must have passed validate(). Returns an exit
// code; every failure has been logged with a message saying what to do.
int run_server(const server_config& config);

}  // namespace vote::node
