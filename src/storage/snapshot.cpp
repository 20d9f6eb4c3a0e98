// Snapshot files: see include/vote/storage/snapshot.hpp and docs/storage.md.
#include "vote/storage/snapshot.hpp"
#include "numbered_file_name.hpp"

#include <cstdio>
#include <utility>
#include <vector>

#include "storage_log.hpp"
#include "vote/core/byte_order.hpp"
#include "vote/core/crc32c.hpp"

namespace vote::storage {
namespace {

constexpr std::string_view magic = "VOTESNAP";
constexpr std::size_t crc_offset = 8 + 4 + 8 + 8 + 4 + 8;
constexpr std::size_t header_size = crc_offset + 4;
constexpr std::string_view name_prefix = "snapshot-";
constexpr std::string_view name_suffix = ".snap";

std::uint32_t file_crc(std::string_view bytes) {
  std::uint32_t crc = crc32c_extend(0, bytes.data(), crc_offset);
  return crc32c_extend(crc, bytes.data() + header_size, bytes.size() - header_size);
}

}  // namespace

std::string encode_snapshot(const consensus::snapshot_meta& meta, std::string_view state) {
  const std::string config = consensus::encode_configuration(meta.config);
  std::string out;
  out.reserve(header_size + config.size() + state.size());
  out.append(magic);
  vote::detail::put_le<std::uint32_t>(out, snapshot_format_version);
  vote::detail::put_le<std::uint64_t>(out, meta.last_index);
  vote::detail::put_le<std::uint64_t>(out, meta.last_epoch);
  vote::detail::put_le<std::uint32_t>(out, static_cast<std::uint32_t>(config.size()));
  vote::detail::put_le<std::uint64_t>(out, state.size());
  vote::detail::put_le<std::uint32_t>(out, 0);  // crc placeholder
  out.append(config);
  out.append(state);
  std::string crc;
  vote::detail::put_le<std::uint32_t>(crc, file_crc(out));
  out.replace(crc_offset, 4, crc);
  return out;
}

namespace {

// Everything of the file but the state; `state_at` is where the state bytes begin.
std::optional<snapshot> decode_all_but_state(std::string_view bytes, std::size_t& state_at) {
  if (bytes.size() < header_size || bytes.substr(0, magic.size()) != magic) return std::nullopt;
  if (vote::detail::get_le<std::uint32_t>(bytes, 8) != snapshot_format_version) return std::nullopt;
  const auto config_length = vote::detail::get_le<std::uint32_t>(bytes, 28);
  const auto state_length = vote::detail::get_le<std::uint64_t>(bytes, 32);
  const std::uint64_t body = bytes.size() - header_size;
  if (config_length > body || state_length != body - config_length) return std::nullopt;
  if (vote::detail::get_le<std::uint32_t>(bytes, crc_offset) != file_crc(bytes))
    return std::nullopt;
  std::optional<consensus::configuration> config =
      consensus::decode_configuration(bytes.substr(header_size, config_length));
  if (!config) return std::nullopt;
  snapshot s;
  s.meta.last_index = vote::detail::get_le<std::uint64_t>(bytes, 12);
  s.meta.last_epoch = vote::detail::get_le<std::uint64_t>(bytes, 20);
  s.meta.config = std::move(*config);
  state_at = header_size + config_length;
  return s;
}

// decode_snapshot() of a file read into `bytes`, whose buffer becomes the state: a snapshot of
// millions of votes is not copied.
std::optional<snapshot> decode_snapshot_in_place(std::string bytes) {
  std::size_t state_at = 0;
  std::optional<snapshot> s = decode_all_but_state(bytes, state_at);
  if (!s) return std::nullopt;
  bytes.erase(0, state_at);
  s->state = std::move(bytes);
  return s;
}

}  // namespace

std::optional<snapshot> decode_snapshot(std::string_view bytes) {
  std::size_t state_at = 0;
  std::optional<snapshot> s = decode_all_but_state(bytes, state_at);
  if (s) s->state = std::string(bytes.substr(state_at));
  return s;
}

std::string snapshot_file_name(std::uint64_t last_index) {
  return detail::numbered_file_name(name_prefix, last_index, name_suffix);
}

std::optional<std::uint64_t> parse_snapshot_file_name(std::string_view name) {
  return detail::parse_numbered_file_name(name, name_prefix, name_suffix);
}

std::error_code write_snapshot(file_system& fs, const std::string& dir,
                               const consensus::snapshot_meta& meta, std::string_view state) {
  if (auto ec = fs.create_dirs(dir)) return ec;
  const std::string name = snapshot_file_name(meta.last_index);
  if (auto ec = write_file_atomically(fs, dir, name, encode_snapshot(meta, state))) return ec;
  // The new snapshot is durable: older ones (and temp files of crashed writes) may go.
  std::vector<std::string> names;
  if (auto ec = fs.list_dir(dir, names)) {
    detail::logger()->warn("snapshot: cannot list {}: {}", dir, ec.message());
    return {};
  }
  for (const std::string& other : names) {
    const bool stale_tmp = other.starts_with(name_prefix) && other.ends_with(".snap.tmp");
    const auto index = parse_snapshot_file_name(other);
    if (!stale_tmp && !(index && *index < meta.last_index)) continue;
    if (auto ec = fs.remove(dir + "/" + other)) {
      detail::logger()->warn("snapshot: cannot remove {}/{}: {}", dir, other, ec.message());
    }
  }
  if (auto ec = fs.sync_dir(dir)) {
    detail::logger()->warn("snapshot: cannot sync {}: {}", dir, ec.message());
  }
  return {};
}

std::optional<snapshot> load_latest_snapshot(file_system& fs, const std::string& dir) {
  std::vector<std::string> names;
  if (auto ec = fs.list_dir(dir, names)) {
    if (ec == std::errc::no_such_file_or_directory) return std::nullopt;
    throw std::system_error(ec, "cannot list " + dir);
  }
  std::optional<std::uint64_t> latest;
  for (const std::string& name : names) {
    const auto index = parse_snapshot_file_name(name);
    if (index && (!latest || *index > *latest)) latest = index;
  }
  if (!latest) return std::nullopt;
  const std::string path = dir + "/" + snapshot_file_name(*latest);
  std::string bytes;
  if (auto ec = fs.read_file(path, bytes)) throw std::system_error(ec, "cannot read " + path);
  std::optional<snapshot> s = decode_snapshot_in_place(std::move(bytes));
  if (!s) {
    detail::logger()->critical("snapshot: {} is damaged", path);
    throw corruption_error(path, 0,
                           "damaged snapshot (bad magic, version, length, checksum or "
                           "configuration)");
  }
  if (s->meta.last_index != *latest) {
    throw corruption_error(path, 12, "the header's last_index does not match the file name");
  }
  return s;
}

}  // namespace vote::storage
