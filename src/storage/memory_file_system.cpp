// memory_file_system: see the model in include/vote/storage/memory_file_system.hpp.
#include "vote/storage/memory_file_system.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <vector>

namespace vote::storage {
namespace detail {

struct inode {
  std::string durable;  // survives a crash
  std::string current;  // what reads see
  // Smallest size since the last sync(); below durable.size() means a pending truncation.
  std::uint64_t min_size_since_sync = 0;
};
using inode_ptr = std::shared_ptr<inode>;

struct dir_op {
  enum class kind { create, rename, remove } what;
  std::string dir;   // the directory whose sync_dir() makes it durable
  std::string from;  // rename only
  std::string path;  // created, removed or renamed-to path
  inode_ptr node;
};

struct memory_fs_state {
  mutable std::mutex mu;
  std::map<std::string, inode_ptr> files;          // current namespace
  std::map<std::string, inode_ptr> durable_files;  // durable namespace
  std::set<std::string> dirs;
  std::vector<dir_op> pending;  // queued directory changes, in order
  std::uint64_t generation = 0;
  std::uint64_t ops = 0;
  std::optional<std::uint64_t> budget;  // successful mutating operations left

  // Counts one mutating operation; false (and EIO in `ec`) if it must fail.
  bool admit(std::error_code& ec) {
    ++ops;
    if (budget && *budget == 0) {
      ec = std::make_error_code(std::errc::io_error);
      return false;
    }
    if (budget) --*budget;
    return true;
  }
};

}  // namespace detail

namespace {

using detail::dir_op;
using detail::inode;
using detail::inode_ptr;
using detail::memory_fs_state;

std::string strip_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::error_code not_found() {
  return std::make_error_code(std::errc::no_such_file_or_directory);
}

void apply_op(std::map<std::string, inode_ptr>& ns, const dir_op& op) {
  switch (op.what) {
    case dir_op::kind::create:
      ns[op.path] = op.node;
      break;
    case dir_op::kind::remove:
      ns.erase(op.path);
      break;
    case dir_op::kind::rename:
      ns.erase(op.from);
      ns[op.path] = op.node;
      break;
  }
}

// What of a file's unsynced state survives a crash, chosen by `rng`.
std::string crash_outcome(const inode& f, std::mt19937_64& rng) {
  const std::uint64_t mode = rng() % 3;  // 0: nothing unsynced, 1: everything, 2: a prefix
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
    if (mode == 0) return lo;
    if (mode == 1) return hi;
    return lo + rng() % (hi - lo + 1);
  };
  if (f.min_size_since_sync >= f.durable.size()) {
    // Only appends since the last sync: durable bytes plus a prefix of the appended ones.
    return f.current.substr(0, pick(f.durable.size(), f.current.size()));
  }
  // A truncation is pending: either it (and what followed) was lost, or it was kept.
  if (mode == 0) return f.durable;
  return f.current.substr(
      0, pick(std::min(f.min_size_since_sync, f.current.size()), f.current.size()));
}

class memory_writable_file final : public writable_file {
 public:
  memory_writable_file(std::shared_ptr<memory_fs_state> state, inode_ptr node)
      : state_(std::move(state)), node_(std::move(node)), generation_(state_->generation) {}

  std::error_code append(std::string_view data) override {
    std::lock_guard lock(state_->mu);
    std::error_code ec;
    if (!usable(ec)) return ec;
    node_->current.append(data);
    return {};
  }

  std::error_code sync() override {
    std::lock_guard lock(state_->mu);
    std::error_code ec;
    if (!usable(ec)) return ec;
    node_->durable = node_->current;
    node_->min_size_since_sync = node_->current.size();
    return {};
  }

  std::uint64_t size() const override {
    std::lock_guard lock(state_->mu);
    return node_->current.size();
  }

 private:
  bool usable(std::error_code& ec) {
    if (generation_ != state_->generation) {
      ec = std::make_error_code(std::errc::bad_file_descriptor);  // opened before a crash
      return false;
    }
    return state_->admit(ec);
  }

  std::shared_ptr<memory_fs_state> state_;
  inode_ptr node_;
  std::uint64_t generation_;
};

}  // namespace

memory_file_system::memory_file_system() : state_(std::make_shared<memory_fs_state>()) {
  state_->dirs.insert(".");
  state_->dirs.insert("/");
}

memory_file_system::~memory_file_system() = default;

std::error_code memory_file_system::create_dirs(const std::string& dir) {
  std::lock_guard lock(state_->mu);
  std::error_code ec;
  if (!state_->admit(ec)) return ec;
  for (std::string d = strip_slashes(dir); !d.empty() && d != "." && d != "/"; d = parent_of(d)) {
    if (state_->files.count(d) != 0) return std::make_error_code(std::errc::not_a_directory);
    state_->dirs.insert(d);
  }
  return {};
}

std::error_code memory_file_system::list_dir(const std::string& dir,
                                             std::vector<std::string>& names) {
  std::lock_guard lock(state_->mu);
  names.clear();
  const std::string d = strip_slashes(dir);
  if (state_->dirs.count(d) == 0) return not_found();
  for (const auto& [path, node] : state_->files) {
    if (parent_of(path) == d) names.push_back(path.substr(path.rfind('/') + 1));
  }
  std::sort(names.begin(), names.end());
  return {};
}

bool memory_file_system::exists(const std::string& path) {
  std::lock_guard lock(state_->mu);
  const std::string p = strip_slashes(path);
  return state_->files.count(p) != 0 || state_->dirs.count(p) != 0;
}

std::error_code memory_file_system::read_file(const std::string& path, std::string& out) {
  std::lock_guard lock(state_->mu);
  auto it = state_->files.find(path);
  if (it == state_->files.end()) return not_found();
  out = it->second->current;
  return {};
}

std::error_code memory_file_system::open_appendable(const std::string& path,
                                                    std::unique_ptr<writable_file>& out) {
  std::lock_guard lock(state_->mu);
  std::error_code ec;
  if (!state_->admit(ec)) return ec;
  auto it = state_->files.find(path);
  inode_ptr node;
  if (it != state_->files.end()) {
    node = it->second;
  } else {
    const std::string dir = parent_of(path);
    if (state_->dirs.count(dir) == 0) return not_found();
    node = std::make_shared<inode>();
    state_->files[path] = node;
    state_->pending.push_back({dir_op::kind::create, dir, {}, path, node});
  }
  out = std::make_unique<memory_writable_file>(state_, node);
  return {};
}

std::error_code memory_file_system::truncate(const std::string& path, std::uint64_t size) {
  std::lock_guard lock(state_->mu);
  std::error_code ec;
  if (!state_->admit(ec)) return ec;
  auto it = state_->files.find(path);
  if (it == state_->files.end()) return not_found();
  inode& f = *it->second;
  f.current.resize(size, '\0');
  f.min_size_since_sync = std::min<std::uint64_t>(f.min_size_since_sync, size);
  return {};
}

std::error_code memory_file_system::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(state_->mu);
  std::error_code ec;
  if (!state_->admit(ec)) return ec;
  auto it = state_->files.find(from);
  if (it == state_->files.end()) return not_found();
  if (state_->dirs.count(parent_of(to)) == 0) return not_found();
  inode_ptr node = it->second;
  state_->files.erase(it);
  state_->files[to] = node;
  state_->pending.push_back({dir_op::kind::rename, parent_of(to), from, to, node});
  return {};
}

std::error_code memory_file_system::remove(const std::string& path) {
  std::lock_guard lock(state_->mu);
  std::error_code ec;
  if (!state_->admit(ec)) return ec;
  auto it = state_->files.find(path);
  if (it == state_->files.end()) return not_found();
  state_->pending.push_back({dir_op::kind::remove, parent_of(path), {}, path, it->second});
  state_->files.erase(it);
  return {};
}

std::error_code memory_file_system::sync_dir(const std::string& dir) {
  std::lock_guard lock(state_->mu);
  std::error_code ec;
  if (!state_->admit(ec)) return ec;
  const std::string d = strip_slashes(dir);
  if (state_->dirs.count(d) == 0) return not_found();
  auto& pending = state_->pending;
  for (const dir_op& op : pending) {
    if (op.dir == d) apply_op(state_->durable_files, op);
  }
  std::erase_if(pending, [&](const dir_op& op) { return op.dir == d; });
  return {};
}

void memory_file_system::fail_after(std::uint64_t n) {
  std::lock_guard lock(state_->mu);
  state_->budget = n;
}

void memory_file_system::clear_failure() {
  std::lock_guard lock(state_->mu);
  state_->budget.reset();
}

void memory_file_system::crash(std::uint64_t seed) {
  std::lock_guard lock(state_->mu);
  std::mt19937_64 rng(seed);
  auto& pending = state_->pending;
  const std::size_t kept = rng() % 2 == 0 ? 0 : rng() % (pending.size() + 1);
  for (std::size_t i = 0; i < kept; ++i) apply_op(state_->durable_files, pending[i]);
  pending.clear();
  state_->files = state_->durable_files;
  std::set<inode*> seen;
  for (auto& [path, node] : state_->files) {
    if (!seen.insert(node.get()).second) continue;
    node->durable = crash_outcome(*node, rng);
    node->current = node->durable;
    node->min_size_since_sync = node->current.size();
  }
  ++state_->generation;
  state_->budget.reset();
}

std::error_code memory_file_system::flip_bit(const std::string& path, std::uint64_t byte_offset,
                                             unsigned bit) {
  std::lock_guard lock(state_->mu);
  auto it = state_->files.find(path);
  if (it == state_->files.end()) return not_found();
  inode& f = *it->second;
  if (byte_offset >= f.current.size() || bit > 7) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  f.current[byte_offset] = static_cast<char>(f.current[byte_offset] ^ (1 << bit));
  f.durable = f.current;
  f.min_size_since_sync = f.current.size();
  return {};
}

std::error_code memory_file_system::truncate_raw(const std::string& path, std::uint64_t size) {
  std::lock_guard lock(state_->mu);
  auto it = state_->files.find(path);
  if (it == state_->files.end()) return not_found();
  inode& f = *it->second;
  f.current.resize(size, '\0');
  f.durable = f.current;
  f.min_size_since_sync = size;
  return {};
}

std::uint64_t memory_file_system::mutating_ops() const {
  std::lock_guard lock(state_->mu);
  return state_->ops;
}

}  // namespace vote::storage
