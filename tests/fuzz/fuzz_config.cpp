// Fuzz target: configuration the server reads back from its own log and data directory:
//   mode 0: the membership configuration codec (vote/core/consensus_config.hpp), the payload of
//           config log entries and of a snapshot's config;
//   mode 1: the `node` identity file, mode 2: the `promise` file (vote/storage/meta.hpp), loaded
//           from an in-memory data directory.
// (The server's --config file is parsed by CLI11 in tools/vote_server_main.cpp, not fuzzed here.)
// Properties: no crash or unexpected exception (damage is corruption_error); what decodes
// re-encodes and decodes back to the same value.
#include <string>

#include "fuzz_util.hpp"
#include "vote/core/consensus_config.hpp"
#include "vote/storage/memory_file_system.hpp"
#include "vote/storage/meta.hpp"

namespace {

void check_configuration(std::string_view bytes) {
  const auto c = vote::consensus::decode_configuration(bytes);
  if (!c) return;
  const std::string encoded = vote::consensus::encode_configuration(*c);
  const auto again = vote::consensus::decode_configuration(encoded);
  FUZZ_CHECK(again.has_value() && *again == *c);
  FUZZ_CHECK(vote::consensus::encode_configuration(*again) == encoded);
}

// Writes `bytes` as dir/name of a fresh in-memory file system, durably.
void write_file(vote::storage::memory_file_system& fs, const char* name, std::string_view bytes) {
  fs.create_dirs("d");
  std::unique_ptr<vote::storage::writable_file> f;
  FUZZ_CHECK(!fs.open_appendable(std::string("d/") + name, f));
  FUZZ_CHECK(!f->append(bytes) && !f->sync());
  FUZZ_CHECK(!fs.sync_dir("d"));
}

template <typename Load, typename Save>
void check_meta_file(const char* name, std::string_view bytes, Load load, Save save) {
  vote::storage::memory_file_system fs;
  write_file(fs, name, bytes);
  try {
    const auto loaded = load(fs);
    FUZZ_CHECK(loaded.has_value());
    vote::storage::memory_file_system fs2;
    FUZZ_CHECK(!fs2.create_dirs("d"));
    FUZZ_CHECK(!save(fs2, *loaded));
    const auto again = load(fs2);
    FUZZ_CHECK(again.has_value() && *again == *loaded);
  } catch (const vote::storage::corruption_error&) {
    // damage detected: what the server reports (exit 4)
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vote::fuzz::reader in(vote::fuzz::as_view(data, size));
  const auto mode = in.byte() % 3;
  const auto bytes = in.rest();
  namespace st = vote::storage;
  if (mode == 0) {
    check_configuration(bytes);
  } else if (mode == 1) {
    check_meta_file(
        st::identity_file_name, bytes,
        [](st::file_system& fs) { return st::load_identity(fs, "d"); },
        [](st::file_system& fs, const st::node_identity& v) {
          return st::save_identity(fs, "d", v);
        });
  } else {
    check_meta_file(
        st::promise_file_name, bytes, [](st::file_system& fs) { return st::load_promise(fs, "d"); },
        [](st::file_system& fs, const vote::consensus::promise_record& v) {
          return st::save_promise(fs, "d", v);
        });
  }
  return 0;
}
