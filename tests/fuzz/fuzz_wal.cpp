// Fuzz target: WAL recovery (vote/storage/wal.hpp, wal_record.hpp) over the in-memory file
// system. The first byte picks the mode:
//   raw (even): the rest is the bytes of up to 4 segment files separated by "\nSEG"; each file is
//     named after the first_index of its header when that decodes (else 1, 2, ...);
//   described (odd): the rest is a list of operations the harness turns into records with correct
//     lengths and CRCs (new segment, entry, record of any type, raw garbage, zero fill), so the
//     fuzzer reaches the checks behind the checksum: header contents, density, the segment chain.
// Properties: wal::open either throws corruption_error or recovers a dense run of entries that
// matches first_index()/last_index()/last_epoch(); recovering again changes nothing; an append
// after recovery survives a reopen.
#include <memory>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "quiet_storage_log.hpp"
#include "vote/storage/memory_file_system.hpp"
#include "vote/storage/wal.hpp"
#include "vote/storage/wal_record.hpp"

namespace {

namespace st = vote::storage;

struct segment_file {
  std::uint64_t name_index = 1;
  std::string bytes;
};

std::vector<segment_file> raw_files(std::string_view rest) {
  std::vector<segment_file> files;
  constexpr std::string_view sep = "\nSEG";
  for (std::size_t n = 0; n < 4; ++n) {
    const auto at = n == 3 ? std::string_view::npos : rest.find(sep);
    segment_file f{files.size() + 1, std::string(rest.substr(0, at))};
    const auto first = st::read_wal_record(f.bytes, 0);
    if (first.status == st::wal_read_status::ok) {
      if (const auto h = st::decode_segment_header(first.payload)) f.name_index = h->first_index;
    }
    files.push_back(std::move(f));
    if (at == std::string_view::npos) break;
    rest.remove_prefix(at + sep.size());
  }
  return files;
}

std::vector<segment_file> described_files(vote::fuzz::reader& in) {
  std::vector<segment_file> files;
  std::uint64_t next = 1 + in.byte() % 4;
  std::uint64_t epoch = 0;
  for (int op = 0; op < 256 && !in.empty(); ++op) {
    const auto code = in.byte();
    if (files.empty() || code % 8 == 0) {  // a new segment, usually continuing the chain
      const auto skew = in.byte();
      st::wal_segment_header h{next + (skew % 16 == 0 ? skew / 16 : 0), epoch + skew % 32 / 31};
      files.push_back({skew % 64 == 1 ? h.first_index + 1 : h.first_index, {}});
      st::append_segment_header_record(h, files.back().bytes);
      next = h.first_index;
      continue;
    }
    auto& out = files.back().bytes;
    switch (code % 8) {
      case 1:
      case 2:
      case 3: {  // an entry, usually the next one
        const auto b = in.byte();
        epoch += b % 4 == 0 ? 1 : 0;
        vote::log_entry e{b % 32 == 3 ? next + b / 32 : next, b % 64 == 5 ? epoch - 1 : epoch,
                          static_cast<vote::entry_kind>(1 + in.byte() % 4),
                          std::string(in.bytes(in.byte() % 24))};
        st::append_entry_record(e, out);
        next = e.index + 1;
        break;
      }
      case 4: {  // a record of any type with a correct CRC
        const auto type = static_cast<st::wal_record_type>(in.byte());
        st::append_wal_record(type, in.bytes(in.byte()), out);
        break;
      }
      case 5:
        out.append(in.bytes(in.byte() % 16));
        break;  // garbage
      case 6:
        out.append(in.byte() % 32, '\0');
        break;  // zero fill (preallocation)
      default:
        out.resize(out.size() - std::min<std::size_t>(out.size(), in.byte() % 8));
        break;
    }
  }
  return files;
}

void write_file(st::memory_file_system& fs, const std::string& path, std::string_view bytes) {
  std::unique_ptr<st::writable_file> f;
  FUZZ_CHECK(!fs.open_appendable(path, f));
  FUZZ_CHECK(!f->append(bytes) && !f->sync());
}

std::vector<vote::log_entry> recover(st::memory_file_system& fs, const st::wal_options& opts,
                                     st::wal_recovery& rec, std::unique_ptr<st::wal>& w) {
  w = st::wal::open(fs, "wal", opts, rec);
  const auto& es = rec.entries;
  for (std::size_t i = 0; i < es.size(); ++i) FUZZ_CHECK(es[i].index == es[0].index + i);
  FUZZ_CHECK(w->last_index() + 1 == w->first_index() + es.size());
  if (!es.empty()) {
    FUZZ_CHECK(es.front().index == w->first_index());
    FUZZ_CHECK(es.back().epoch == w->last_epoch());
    FUZZ_CHECK(w->epoch_at(w->last_index()) == es.back().epoch);
  }
  return es;
}

void check_recovery(const std::vector<segment_file>& files, const st::wal_options& opts) {
  st::memory_file_system fs;
  FUZZ_CHECK(!fs.create_dirs("wal"));
  for (const auto& f : files) write_file(fs, "wal/" + st::segment_file_name(f.name_index), f.bytes);
  FUZZ_CHECK(!fs.sync_dir("wal"));
  std::unique_ptr<st::wal> w;
  std::vector<vote::log_entry> first;
  try {
    st::wal_recovery rec;
    first = recover(fs, opts, rec, w);
  } catch (const st::corruption_error&) {
    return;  // damage a crash cannot explain: refused, as it must be
  }
  const vote::log_entry extra{w->last_index() + 1, w->last_epoch() + 1, vote::entry_kind::command,
                              "x"};
  FUZZ_CHECK(!w->append({extra}) && !w->sync());
  w.reset();
  st::wal_recovery again;
  auto second = recover(fs, opts, again, w);  // a recovered log must open cleanly
  FUZZ_CHECK(again.truncated_bytes == 0 && again.removed_files.empty());
  first.push_back(extra);
  FUZZ_CHECK(second == first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vote::fuzz::quiet_storage_log();
  vote::fuzz::reader in(vote::fuzz::as_view(data, size));
  const auto mode = in.byte();
  const auto start = in.byte();
  st::wal_options opts;
  opts.segment_bytes = 256 + 64 * (start % 16);  // small segments: rolls happen on append
  opts.first_index = 1 + start / 16;
  opts.prev_epoch = start / 64;
  check_recovery(mode % 2 == 0 ? raw_files(in.rest()) : described_files(in), opts);
  return 0;
}
