// POSIX implementation of the file seam (file_system.hpp) and write_file_atomically().
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "vote/storage/file_system.hpp"

namespace vote::storage {
namespace {

std::error_code last_error() {
  return {errno, std::system_category()};
}

// Retries close() never: on Linux the descriptor is released even when close() fails.
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::error_code fsync_path(const std::string& path, int flags) {
  fd_guard fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.get() < 0) return last_error();
  if (::fsync(fd.get()) != 0) return last_error();
  return {};
}

std::string parent_of(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

class posix_writable_file final : public writable_file {
 public:
  explicit posix_writable_file(int fd) : fd_(fd) {}

  std::error_code append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return last_error();
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
  }

  std::error_code sync() override {
    while (::fdatasync(fd_.get()) != 0) {
      if (errno != EINTR) return last_error();
    }
    return {};
  }

  std::uint64_t size() const override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return 0;
    return static_cast<std::uint64_t>(st.st_size);
  }

 private:
  fd_guard fd_;
};

class posix_file_system final : public file_system {
 public:
  std::error_code create_dirs(const std::string& dir) override {
    // Create missing components top-down and fsync each new one's parent, so the directory
    // itself survives a crash (DESIGN.md §8: nothing is acknowledged that is not on disk).
    std::vector<std::string> missing;
    for (std::filesystem::path p(dir); !p.empty(); p = p.parent_path()) {
      std::error_code ec;
      if (std::filesystem::exists(p, ec)) break;
      missing.push_back(p.string());
      if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) return last_error();
      if (auto ec = sync_dir(parent_of(*it))) return ec;
    }
    return {};
  }

  std::error_code list_dir(const std::string& dir, std::vector<std::string>& names) override {
    names.clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return last_error();
    while (const dirent* ent = ::readdir(d)) {
      std::string name = ent->d_name;
      struct stat st {};
      if (::fstatat(::dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG(st.st_mode)) {
        names.push_back(std::move(name));
      }
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return {};
  }

  bool exists(const std::string& path) override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }

  std::error_code read_file(const std::string& path, std::string& out) override {
    out.clear();
    fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return last_error();
    // Read into one buffer of the file's size (a snapshot may be hundreds of MB: growing the
    // string as it comes copied it over and over); a file that grows meanwhile still reads whole.
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return last_error();
    out.resize(static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)) + 1);
    std::size_t size = 0;
    for (;;) {
      if (size == out.size()) out.resize(2 * out.size());
      const ssize_t n = ::read(fd.get(), out.data() + size, out.size() - size);
      if (n < 0) {
        if (errno == EINTR) continue;
        return last_error();
      }
      if (n == 0) break;
      size += static_cast<std::size_t>(n);
    }
    out.resize(size);
    return {};
  }

  std::error_code open_appendable(const std::string& path,
                                  std::unique_ptr<writable_file>& out) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return last_error();
    out = std::make_unique<posix_writable_file>(fd);
    return {};
  }

  std::error_code truncate(const std::string& path, std::uint64_t size) override {
    while (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return last_error();
    }
    return {};
  }

  std::error_code rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return last_error();
    return {};
  }

  std::error_code remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return last_error();
    return {};
  }

  std::error_code sync_dir(const std::string& dir) override {
    return fsync_path(dir, O_RDONLY | O_DIRECTORY);
  }
};

}  // namespace

std::unique_ptr<file_system> make_posix_file_system() {
  return std::make_unique<posix_file_system>();
}

std::error_code write_file_atomically(file_system& fs, const std::string& dir,
                                      const std::string& name, std::string_view content) {
  const std::string tmp = dir + "/" + name + ".tmp";
  // A temp file left by a crashed earlier attempt holds garbage: start it empty.
  if (fs.exists(tmp)) {
    if (auto ec = fs.truncate(tmp, 0)) return ec;
  }
  {
    std::unique_ptr<writable_file> file;
    if (auto ec = fs.open_appendable(tmp, file)) return ec;
    if (auto ec = file->append(content)) return ec;
    if (auto ec = file->sync()) return ec;
  }
  if (auto ec = fs.rename(tmp, dir + "/" + name)) return ec;
  return fs.sync_dir(dir);
}

}  // namespace vote::storage
