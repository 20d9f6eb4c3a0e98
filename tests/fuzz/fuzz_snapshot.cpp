// Fuzz target: the snapshot codec (vote/storage/snapshot.hpp) and the election state restore
// (vote/core/election.hpp). The first byte picks the mode:
//   0: the rest is a snapshot file: decode_snapshot, and load_latest_snapshot from an in-memory
//      data directory;
//   1: the rest describes a snapshot (config length, config, state) that the harness lays out
//      byte by byte with a correct CRC, so the fuzzer reaches the configuration decoder and
//      restore;
//   2: the rest is an election state snapshot passed to election_state::restore directly.
// Properties: no crash or unexpected exception (damage is corruption_error / nullopt); a file
// decodes iff its config bytes decode as a configuration (checksum and lengths aside); decoding
// is exact for the files the writer makes (config bytes = encode_configuration(config):
// encode(decode(b)) == b) and value-exact for any other (decode(encode(decode(b))) ==
// decode(b)); a restored state snapshots canonically and restores equal.
#include <string>

#include "fuzz_util.hpp"
#include "quiet_storage_log.hpp"
#include "vote/core/consensus_config.hpp"
#include "vote/core/crc32c.hpp"
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

constexpr std::size_t crc_offset = 8 + 4 + 8 + 8 + 4 + 8;
constexpr std::size_t header_size = crc_offset + 4;

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// A snapshot file laid out by hand (vote/storage/snapshot.hpp), any config bytes, correct CRC.
std::string raw_file(std::uint64_t index, std::uint64_t epoch, std::string_view config,
                     std::string_view state) {
  std::string out = "VOTESNAP";
  put_le(out, st::snapshot_format_version, 4);
  put_le(out, index, 8);
  put_le(out, epoch, 8);
  put_le(out, config.size(), 4);
  put_le(out, state.size(), 8);
  const std::uint32_t crc = vote::crc32c_extend(vote::crc32c(out), config.data(), config.size());
  put_le(out, vote::crc32c_extend(crc, state.data(), state.size()), 4);
  out.append(config);
  out.append(state);
  return out;
}

// The config bytes of a file that decoded (its header is whole and its lengths add up).
std::string_view config_bytes(std::string_view file) {
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i)
    length |= std::uint32_t{static_cast<std::uint8_t>(file[28 + i])} << (8 * i);
  return file.substr(header_size, length);
}

void check_file(std::string_view bytes) {
  const auto s = st::decode_snapshot(bytes);
  if (s) {
    const std::string again = st::encode_snapshot(s->meta, s->state);
    FUZZ_CHECK(st::decode_snapshot(again) == s);
    if (config_bytes(bytes) == vote::consensus::encode_configuration(s->meta.config)) {
      FUZZ_CHECK(again == bytes);
    }
  }
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
    const std::uint64_t index = in.byte();
    const std::uint64_t epoch = in.byte();
    const std::string config(in.bytes(in.byte() + 256 * std::size_t{in.byte()}));
    const std::string state(in.rest());
    const auto s = st::decode_snapshot(raw_file(index, epoch, config, state));
    const auto c = vote::consensus::decode_configuration(config);
    FUZZ_CHECK(s.has_value() == c.has_value());
    if (s) {
      FUZZ_CHECK((s->meta == vote::consensus::snapshot_meta{index, epoch, *c}) &&
                 s->state == state);
      FUZZ_CHECK(st::decode_snapshot(st::encode_snapshot(s->meta, state)) == s);
    }
    check_config(config);
    check_restore(state);
  } else {
    check_restore(in.rest());
  }
  return 0;
}
