// Fuzz target: the snapshot codec (vote/storage/snapshot.hpp) and the election state restore
// (vote/core/election.hpp). The first byte picks the mode:
//   0: the rest is a snapshot file: decode_snapshot, and load_latest_snapshot from an in-memory
//      data directory;
//   1: the rest describes a snapshot (config length, config, state) that the harness encodes
//      with a correct CRC, so the fuzzer reaches the configuration decoder and restore;
//   2: the rest is an election state snapshot passed to election_state::restore directly.
// Properties: no crash or unexpected exception (damage is corruption_error / nullopt); decoding is
// exact (encode(decode(b)) == b); a restored state snapshots canonically and restores equal.
#include <string>

#include "fuzz_util.hpp"
#include "quiet_storage_log.hpp"
#include "vote/core/consensus_config.hpp"
#include "vote/core/election.hpp"
#include "vote/storage/memory_file_system.hpp"
#include "vote/storage/snapshot.hpp"

namespace {

namespace st = vote::storage;

void check_restore(std::string_view state) {
  for (const vote::limits lim : {vote::limits{}, vote::limits{8, 3, 4}}) {
    const auto s = vote::election_state::restore(state, lim);
    if (!s) continue;
    const std::string canonical = s->snapshot();
    const auto again = vote::election_state::restore(canonical, lim);
    FUZZ_CHECK(again.has_value() && *again == *s);
    FUZZ_CHECK(again->snapshot() == canonical);
  }
}

void check_config(std::string_view config) {
  const auto c = vote::consensus::decode_configuration(config);
  if (!c) return;
  const auto again =
      vote::consensus::decode_configuration(vote::consensus::encode_configuration(*c));
  FUZZ_CHECK(again.has_value() && *again == *c);
}

void check_file(std::string_view bytes) {
  const auto s = st::decode_snapshot(bytes);
  if (s) FUZZ_CHECK(st::encode_snapshot(s->meta, s->state) == bytes);
  st::memory_file_system fs;
  FUZZ_CHECK(!fs.create_dirs("snap"));
  const std::uint64_t index = s ? s->meta.last_index : 7;
  std::unique_ptr<st::writable_file> f;
  FUZZ_CHECK(!fs.open_appendable("snap/" + st::snapshot_file_name(index), f));
  FUZZ_CHECK(!f->append(bytes) && !f->sync() && !fs.sync_dir("snap"));
  try {
    const auto loaded = st::load_latest_snapshot(fs, "snap");
    FUZZ_CHECK(s.has_value() && loaded == s);
  } catch (const st::corruption_error&) {
    FUZZ_CHECK(!s.has_value());
  }
  if (s) check_restore(s->state);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vote::fuzz::quiet_storage_log();
  vote::fuzz::reader in(vote::fuzz::as_view(data, size));
  const auto mode = in.byte() % 3;
  if (mode == 0) {
    check_file(in.rest());
  } else if (mode == 1) {
    st::snapshot_meta meta;
    meta.last_index = in.byte();
    meta.last_epoch = in.byte();
    meta.config = std::string(in.bytes(in.byte() + 256 * std::size_t{in.byte()}));
    const std::string state(in.rest());
    const std::string bytes = st::encode_snapshot(meta, state);
    const auto s = st::decode_snapshot(bytes);
    FUZZ_CHECK(s.has_value() && s->meta == meta && s->state == state);
    check_config(meta.config);
    check_restore(state);
  } else {
    check_restore(in.rest());
  }
  return 0;
}
