// check_data_dir(): see include/vote/storage/data_dir_check.hpp and docs/storage.md.
#include "vote/storage/data_dir_check.hpp"

#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal_record.hpp"

namespace vote::storage {
namespace {

// Runs `load`, recording a corruption_error as damage; false if it threw one.
template <class F>
bool checked(data_dir_report& r, F&& load) {
  try {
    load();
    return true;
  } catch (const corruption_error& e) {
    r.damage.push_back(e.problem());
    return false;
  }
}

void check_snapshot_against_manifest(data_dir_report& r, const std::string& dir) {
  if (!r.log.manifest) return;
  const std::uint64_t compacted = r.log.manifest->compacted_index;
  const std::uint64_t snapshot = r.snapshot_index.value_or(0);
  if (compacted <= snapshot) return;
  r.damage.push_back("the snapshot " + dir + "/" + snapshot_file_name(compacted) +
                     " is missing: " + wal_manifest_file_name + " records a snapshot up to index " +
                     std::to_string(compacted) + ", but " +
                     (r.snapshot_index ? "the latest snapshot ends at " + std::to_string(snapshot)
                                       : std::string("there is no snapshot")));
}

void check_gap(data_dir_report& r, const std::string& wal_dir) {
  const std::uint64_t snapshot = r.snapshot_index.value_or(0);
  if (r.log.segments == 0 || r.log.first_index <= snapshot + 1) return;
  r.damage.push_back("entries " + std::to_string(snapshot + 1) + ".." +
                     std::to_string(r.log.first_index - 1) + " are missing: the log in " + wal_dir +
                     " starts at index " + std::to_string(r.log.first_index) + " but " +
                     (r.snapshot_index ? "the snapshot ends at " + std::to_string(snapshot)
                                       : std::string("there is no snapshot")) +
                     " (a deleted snapshot or WAL segment)");
}

void check_meta_without_log(data_dir_report& r, const std::string& wal_dir) {
  if (r.log.segments > 0) return;
  const bool member = r.identity && !r.identity->cluster_uuid.empty();
  if (!member && !r.has_promise) return;
  // A crash in wal::reset() may leave no segment, but only with a manifest and a snapshot.
  if (r.log.manifest && r.snapshot_index) return;
  r.damage.push_back(
      std::string("the log is missing: this node ") +
      (member ? "belongs to cluster " + r.identity->cluster_uuid : std::string("has promised")) +
      " but " + wal_dir + " holds no WAL segment" +
      (r.snapshot_index ? std::string() : " and there is no snapshot") +
      (r.log.manifest ? std::string() : std::string(" (and no ") + wal_manifest_file_name + ")"));
}

}  // namespace

data_dir_report check_data_dir(file_system& fs, const std::string& data_dir) {
  data_dir_report r;
  const std::string wal_dir = data_dir + "/" + wal_dir_name;
  checked(r, [&] { r.identity = load_identity(fs, data_dir); });
  checked(r, [&] { r.has_promise = load_promise(fs, data_dir).has_value(); });
  std::optional<snapshot> snap;
  const bool snapshot_ok = checked(r, [&] { snap = load_latest_snapshot(fs, data_dir); });
  if (snap) r.snapshot_index = snap->meta.last_index;
  wal_options options;
  options.first_index = r.snapshot_index.value_or(0) + 1;
  options.prev_epoch = snap ? snap->meta.last_epoch : 0;
  options.manifest_dir = data_dir;
  r.latest_snapshot = std::move(snap);
  const bool log_ok = checked(r, [&] { r.log = wal::inspect(fs, wal_dir, options); });
  if (!log_ok) {
    // The chain or the manifest is broken; still say whether the snapshot is there.
    checked(r, [&] { r.log.manifest = load_wal_manifest(fs, data_dir); });
  }
  if (snapshot_ok) check_snapshot_against_manifest(r, data_dir);
  if (snapshot_ok && log_ok) {
    check_gap(r, wal_dir);
    check_meta_without_log(r, wal_dir);
  }
  return r;
}

}  // namespace vote::storage
