// vote-server under a Type=notify systemd unit (packaging/systemd, service_notify.hpp): with
// $NOTIFY_SOCKET set it sends READY=1 once it serves and STOPPING=1 when the first SIGTERM starts
// its graceful stop. The test plays systemd: a unix datagram socket of its own, polled with a
// deadline.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "vote/lab/harness.hpp"

namespace vote::test {
namespace {

using namespace std::chrono_literals;

// The service manager's end: a bound, non-blocking AF_UNIX datagram socket in a temporary
// directory. received() accumulates every datagram read so far.
class notify_socket {
 public:
  notify_socket() : dir_(make_temp_dir("vote-notify-")), path_((dir_ / "notify").string()) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    EXPECT_LT(path_.size(), sizeof(sa.sun_path));
    std::strncpy(sa.sun_path, path_.c_str(), sizeof(sa.sun_path) - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0)
      throw std::runtime_error("cannot bind " + path_);
  }
  ~notify_socket() {
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  const std::string& path() const { return path_; }

  // Polls until some datagram so far holds the line `line` or `timeout` passes.
  bool wait_for(const std::string& line, std::chrono::milliseconds timeout) {
    return eventually(
        [&] {
          drain();
          return received_.find("\n" + line + "\n") != std::string::npos;
        },
        timeout);
  }
  const std::string& received() const { return received_; }

 private:
  void drain() {
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return;
      received_ += "\n" + std::string(buf, static_cast<std::size_t>(n)) + "\n";
    }
  }

  std::filesystem::path dir_;
  std::string path_;
  int fd_ = -1;
  std::string received_;
};

TEST(ServiceNotify, SaysReadyOnceServingAndStoppingOnTheFirstSigterm) {
  notify_socket manager;
  server s;
  // The harness spawns with this process's environment.
  ::setenv("NOTIFY_SOCKET", manager.path().c_str(), 1);
  s.start();  // returns once the server answers as the leader
  ::unsetenv("NOTIFY_SOCKET");

  ASSERT_TRUE(manager.wait_for("READY=1", 10s)) << manager.received();
  EXPECT_NE(manager.received().find("STATUS="), std::string::npos) << manager.received();
  EXPECT_EQ(manager.received().find("STOPPING=1"), std::string::npos) << manager.received();

  EXPECT_EQ(s.stop(), 0);
  EXPECT_TRUE(manager.wait_for("STOPPING=1", 10s)) << manager.received();
}

}  // namespace
}  // namespace vote::test
