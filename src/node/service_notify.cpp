#include "vote/node/service_notify.hpp"

#include <string>

#include <systemd/sd-daemon.h>

namespace vote::node {

namespace {

// One datagram of newline-separated assignments. STATUS= is one line: a newline in `status`
// would start another assignment, so it becomes a space.
void send(std::string message) {
  // unset_environment = 0: a restarted child (none today) would still find the socket.
  (void)sd_notify(0, message.c_str());
}

std::string status_line(std::string_view text) {
  std::string line = "STATUS=";
  for (char c : text) line += c == '\n' ? ' ' : c;
  return line;
}

}  // namespace

void notify_ready(std::string_view status) {
  send("READY=1\n" + status_line(status));
}

void notify_stopping() {
  send("STOPPING=1\n" + status_line("stopping: handing over, finishing in-flight requests"));
}

void notify_status(std::string_view text) {
  send(status_line(text));
}

}  // namespace vote::node
