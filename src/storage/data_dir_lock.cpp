// lock_data_dir(): one server per data directory (POSIX flock on <dir>/LOCK).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "vote/storage/meta.hpp"

namespace vote::storage {
namespace {

// The pid the holder wrote into the lock file, for the error message ("" if unknown).
std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return {};
  std::string pid(buf, static_cast<std::size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == '\0')) pid.pop_back();
  return pid;
}

}  // namespace

data_dir_lock& data_dir_lock::operator=(data_dir_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

data_dir_lock lock_data_dir(const std::string& dir) {
  // Through the file seam so that a new directory's entry is fsynced into its parent.
  if (auto ec = make_posix_file_system()->create_dirs(dir)) {
    throw std::runtime_error("cannot create data directory " + dir + ": " + ec.message());
  }
  const std::string path = dir + "/" + lock_file_name;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("cannot open lock file " + path + ": " + std::strerror(errno));
  }
  data_dir_lock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) {
      throw std::runtime_error("cannot lock " + path + ": " + std::strerror(err));
    }
    const std::string pid = holder_pid(fd);
    throw std::runtime_error("data directory " + dir + " is in use by another vote-server" +
                             (pid.empty() ? std::string() : " (pid " + pid + ")") +
                             "; every server needs its own --data-dir");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only a hint for the message above; the lock itself is held.
  }
  return lock;
}

data_dir_lock probe_data_dir_lock(const std::string& dir) {
  const std::string path = dir + "/" + lock_file_name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    throw std::system_error(errno, std::generic_category(), "cannot open lock file " + path);
  }
  data_dir_lock lock(fd);
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK)
      throw std::system_error(err, std::generic_category(), "cannot lock " + path);
    const std::string pid = holder_pid(fd);
    throw std::runtime_error("data directory " + dir + " is in use by a running vote-server" +
                             (pid.empty() ? std::string() : " (pid " + pid + ")"));
  }
  return lock;
}

}  // namespace vote::storage
