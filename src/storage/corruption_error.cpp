#include "vote/storage/corruption_error.hpp"

namespace vote::storage {

corruption_error::corruption_error(const std::string& path, std::uint64_t offset,
                                   const std::string& what)
    : std::runtime_error("storage corruption in " + path + " at byte offset " +
                         std::to_string(offset) + ": " + what +
                         ". The data directory is damaged in a way a crash cannot explain; the "
                         "server refuses to start. Do not delete or edit files blindly (that "
                         "can lose acknowledged votes): restore this node from a replica by "
                         "removing it from the cluster and rejoining it as a new member with an "
                         "empty data directory (docs/storage.md, \"On a corruption error\")."),
      path_(path),
      problem_(offset == 0 ? path + ": " + what
                           : path + " (byte offset " + std::to_string(offset) + "): " + what),
      offset_(offset) {}

}  // namespace vote::storage
