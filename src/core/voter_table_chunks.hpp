// Internal to vote_core: the copy-on-write storage behind voter_table (voter_table.hpp).
//
// A snapshot freezes a copy of the applied state while the node goes on applying (node machine,
// snapshot_job). So that copy is cheap for a million voters, the voter table keeps its arrays in
// fixed-size chunks held by shared pointers: copying a table copies the chunk pointers (a few
// hundred for a million voters), and the first write to a chunk that a copy still shares copies
// that one chunk (at most a few hundred KiB) before writing it.
//
// Invariants: every chunk but the last is full (chunked_vector) or closed to appends
// (chunked_arena); a chunk whose use count is 1 belongs to this container alone and is the only
// kind ever written.
//
// Threading: a container and its copies may be used on different threads at once, each copy by
// one thread, as long as the shared chunks are only read (a copy never writes a chunk it shares:
// it copies it first). The use-count test pairs with the other owner's release by an acquire
// fence, as Rust's Arc::get_mut does.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vote::detail {

// The chunk `p` for writing: p itself when nobody else holds it, else a private copy of it (with
// at least `capacity` reserved, so that appends to it do not reallocate).
template <class Chunk>
Chunk& owned(std::shared_ptr<Chunk>& p, std::size_t capacity) {
  if (p.use_count() == 1) {
    std::atomic_thread_fence(std::memory_order_acquire);  // the last other owner is done reading
    return *p;
  }
  auto copy = std::make_shared<Chunk>();
  copy->reserve(std::max(capacity, p->size()));
  copy->assign(p->begin(), p->end());
  p = std::move(copy);
  return *p;
}

// A vector of T in chunks of 2^bits elements.
template <class T, unsigned bits = 14>
class chunked_vector {
 public:
  static constexpr std::size_t chunk_size = std::size_t{1} << bits;

  std::size_t size() const noexcept { return size_; }
  const T& operator[](std::size_t i) const noexcept {
    return (*chunks_[i >> bits])[i & (chunk_size - 1)];
  }
  T& at_mut(std::size_t i) { return owned(chunks_[i >> bits], chunk_size)[i & (chunk_size - 1)]; }
  void push_back(const T& value) {
    if ((size_ & (chunk_size - 1)) == 0) {
      chunks_.push_back(std::make_shared<std::vector<T>>());
      chunks_.back()->reserve(chunk_size);
    }
    owned(chunks_.back(), chunk_size).push_back(value);
    ++size_;
  }
  // n copies of `value` in fresh chunks.
  void assign(std::size_t n, const T& value) {
    chunks_.clear();
    for (std::size_t at = 0; at < n; at += chunk_size) {
      chunks_.push_back(std::make_shared<std::vector<T>>(std::min(chunk_size, n - at), value));
    }
    size_ = n;
  }
  friend bool operator==(const chunked_vector& a, const chunked_vector& b) {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i) {
      if (!(a[i] == b[i])) return false;
    }
    return true;
  }

 private:
  std::vector<std::shared_ptr<std::vector<T>>> chunks_;
  std::size_t size_ = 0;
};

// Where a string lives in a chunked_arena.
struct arena_span {
  std::uint32_t chunk = 0;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

// Strings back to back in chunks of 2^bits bytes; a string never straddles two chunks (a longer
// one gets a chunk of its own), so each is one contiguous view.
template <unsigned bits = 16>
class chunked_arena {
 public:
  static constexpr std::size_t chunk_bytes = std::size_t{1} << bits;

  arena_span append(std::string_view s) {
    if (chunks_.empty() || chunks_.back()->size() + s.size() > chunk_bytes) {
      chunks_.push_back(std::make_shared<std::string>());
      chunks_.back()->reserve(std::max(chunk_bytes, s.size()));
    }
    std::string& tail = owned(chunks_.back(), chunk_bytes);
    const arena_span at{static_cast<std::uint32_t>(chunks_.size() - 1),
                        static_cast<std::uint32_t>(tail.size()),
                        static_cast<std::uint32_t>(s.size())};
    tail.append(s);
    return at;
  }
  // The string at `at`; an empty span (a default one too) is the empty string.
  std::string_view view(const arena_span& at) const noexcept {
    if (at.length == 0) return {};
    return std::string_view(*chunks_[at.chunk]).substr(at.offset, at.length);
  }

 private:
  std::vector<std::shared_ptr<std::string>> chunks_;
};

}  // namespace vote::detail
