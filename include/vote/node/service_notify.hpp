// Readiness and status for a service manager (systemd's sd_notify protocol, Type=notify units in
// packaging/systemd). The server says READY=1 once it serves (its listener and discovery are
// started), STOPPING=1 when the first SIGTERM/SIGINT starts the graceful stop, and a one-line
// STATUS= that `systemctl status` shows.
//
// Each call is a no-op when $NOTIFY_SOCKET is unset (not started by systemd, or a unit of another
// Type). Failures to send are ignored: the service manager is an observer, never a reason to stop
// serving. Thread-safe (one datagram per call); called from the node's io_context thread.
#pragma once

#include <string_view>

namespace vote::node {

// READY=1 with STATUS=`status`.
void notify_ready(std::string_view status);
// STOPPING=1: the graceful stop began (hand over, finish in-flight requests, exit).
void notify_stopping();
// STATUS=`text` alone.
void notify_status(std::string_view text);

}  // namespace vote::node
