// Node identity and promise files: see include/vote/storage/meta.hpp and docs/storage.md.
#include "vote/storage/meta.hpp"

#include <nlohmann/json.hpp>

#include <set>

#include "vote/core/crc32c.hpp"
#include "vote/core/strict_json.hpp"

namespace vote::storage {
namespace {

using json = nlohmann::json;

// The file: the fields plus "checksum" = crc32c of the fields' canonical form (compact JSON,
// keys sorted, without "checksum"), pretty-printed for people who look.
std::string with_checksum(json fields) {
  const std::uint32_t checksum = crc32c(fields.dump());
  fields["checksum"] = checksum;
  return fields.dump(2) + "\n";
}

// Parses (the JSON reading policy, vote/core/strict_json.hpp) and verifies a checksummed file
// holding exactly `keys` (plus "checksum"); throws corruption_error on any deviation.
json checked_fields(const std::string& path, const std::string& text,
                    const std::set<std::string>& keys) {
  strict_json::parse_result parsed = strict_json::parse(text);
  if (!parsed.value) throw corruption_error(path, 0, parsed.problem);
  json& j = *parsed.value;
  std::uint64_t stored = 0;
  if (!strict_json::read_u64(j, "checksum", stored)) {
    throw corruption_error(path, 0, "no checksum field");
  }
  j.erase("checksum");
  if (stored != crc32c(j.dump())) throw corruption_error(path, 0, "checksum mismatch");
  std::set<std::string> present;
  for (const auto& [key, value] : j.items()) present.insert(key);
  if (present != keys) throw corruption_error(path, 0, "unexpected set of fields");
  std::uint64_t format = 0;
  if (!strict_json::read_u64(j, "format", format) || format != meta_format_version) {
    throw corruption_error(path, 0, "unknown format version " + strict_json::dump(j.at("format")));
  }
  return std::move(j);
}

std::uint64_t unsigned_field(const std::string& path, const json& j, const char* key) {
  std::uint64_t v = 0;
  if (!strict_json::read_u64(j, key, v)) {
    throw corruption_error(path, 0, strict_json::problem(j, key, "an unsigned integer"));
  }
  return v;
}

// The file's content, or nullopt if it does not exist.
std::optional<std::string> read_optional(file_system& fs, const std::string& path) {
  std::string text;
  if (auto ec = fs.read_file(path, text)) {
    if (ec == std::errc::no_such_file_or_directory) return std::nullopt;
    throw std::system_error(ec, "cannot read " + path);
  }
  return text;
}

}  // namespace

std::string encode_identity(const node_identity& id) {
  return with_checksum({{"format", meta_format_version},
                        {"id", id.id},
                        {"incarnation", id.incarnation},
                        {"cluster_uuid", id.cluster_uuid}});
}

std::string encode_promise(const consensus::promise_record& p) {
  return with_checksum(
      {{"format", meta_format_version}, {"promised_epoch", p.epoch}, {"promised_to", p.to}});
}

std::string encode_wal_manifest(const wal_manifest& m) {
  return with_checksum({{"format", meta_format_version},
                        {"last_segment", m.last_segment},
                        {"durable_index", m.durable_index},
                        {"compacted_index", m.compacted_index}});
}

std::optional<node_identity> load_identity(file_system& fs, const std::string& dir) {
  const std::string path = dir + "/" + identity_file_name;
  const std::optional<std::string> text = read_optional(fs, path);
  if (!text) return std::nullopt;
  const json j = checked_fields(path, *text, {"format", "id", "incarnation", "cluster_uuid"});
  std::string cluster_uuid;
  if (!strict_json::read_string(j, "cluster_uuid", cluster_uuid)) {
    throw corruption_error(path, 0, strict_json::problem(j, "cluster_uuid", "a string"));
  }
  return node_identity{unsigned_field(path, j, "id"), unsigned_field(path, j, "incarnation"),
                       std::move(cluster_uuid)};
}

std::error_code save_identity(file_system& fs, const std::string& dir, const node_identity& id) {
  return write_file_atomically(fs, dir, identity_file_name, encode_identity(id));
}

std::optional<consensus::promise_record> load_promise(file_system& fs, const std::string& dir) {
  const std::string path = dir + "/" + promise_file_name;
  const std::optional<std::string> text = read_optional(fs, path);
  if (!text) return std::nullopt;
  const json j = checked_fields(path, *text, {"format", "promised_epoch", "promised_to"});
  return consensus::promise_record{.epoch = unsigned_field(path, j, "promised_epoch"),
                                   .to = unsigned_field(path, j, "promised_to")};
}

std::error_code save_promise(file_system& fs, const std::string& dir,
                             const consensus::promise_record& p) {
  return write_file_atomically(fs, dir, promise_file_name, encode_promise(p));
}

std::optional<wal_manifest> load_wal_manifest(file_system& fs, const std::string& dir) {
  const std::string path = dir + "/" + wal_manifest_file_name;
  const std::optional<std::string> text = read_optional(fs, path);
  if (!text) return std::nullopt;
  const json j =
      checked_fields(path, *text, {"format", "last_segment", "durable_index", "compacted_index"});
  return wal_manifest{unsigned_field(path, j, "last_segment"),
                      unsigned_field(path, j, "durable_index"),
                      unsigned_field(path, j, "compacted_index")};
}

std::error_code save_wal_manifest(file_system& fs, const std::string& dir, const wal_manifest& m) {
  return write_file_atomically(fs, dir, wal_manifest_file_name, encode_wal_manifest(m));
}

}  // namespace vote::storage
