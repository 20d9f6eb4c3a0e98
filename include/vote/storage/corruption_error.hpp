// corruption_error: thrown when a file in the data directory is damaged in a way a crash cannot
// explain (STYLE.md 11: corruption stops the process; main reports it and exits). The message
// names the file and the byte offset and tells the operator what to do (docs/storage.md,
// "On a corruption error"): restore this node from a replica, never delete data blindly.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace vote::storage {

class corruption_error : public std::runtime_error {
 public:
  corruption_error(const std::string& path, std::uint64_t offset, const std::string& what);

  const std::string& path() const noexcept { return path_; }
  std::uint64_t offset() const noexcept { return offset_; }
  // The damage alone, without the advice (for reports that give their own).
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string path_;
  std::string problem_;
  std::uint64_t offset_;
};

}  // namespace vote::storage
