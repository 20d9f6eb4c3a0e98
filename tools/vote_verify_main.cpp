// vote-verify: check the public record of a closed election (DESIGN.md §10; docs/record.md).
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "vote/cli/command_line.hpp"
#include "vote/net/tls.hpp"
#include "vote/verify/fetch.hpp"
#include "vote/verify/test_record.hpp"
#include "vote/verify/verify.hpp"

namespace {

namespace vv = vote::verify;

constexpr std::string_view footer =
    R"(Checks (each printed by name, ok or FAIL): parse, format, settings, canonical, digest,
trackers, ballot_order, candidates, ballots, roll, used, weights, counts, eligible_voters,
votes_cast, recount (every counting method of docs/counting.md, round by round), election_id
(with --election-id), receipt (with --receipt), same_record (with several copies).
See docs/record.md "How vote-verify checks".

Exit codes:
  0  VERIFIED: every check passed on every copy
  1  FAILED: a check failed (the record, a copy or the receipt is wrong); this wins over 3
  2  usage error (bad flag, unreadable or malformed receipt, unusable --tls-ca)
  3  a server could not be reached or refused, or a record file could not be read

Example (loopback): vote-verify --election-id board --server 127.0.0.1:7001 --server 127.0.0.1:7002)";

struct options {
  std::string election_id;
  std::vector<std::string> servers;
  std::vector<std::string> records;
  std::string save;
  std::string receipt;
  std::string tls_ca;
  std::shared_ptr<vote::net::tls_context> tls;
  bool json = false;
  double timeout_s = 60.0;
  std::vector<std::string> make_test_record;  // hidden: N FILE
};

int usage(const std::string& message) {
  std::cerr << "Error: " << message << "\n";
  return vv::exit_usage;
}

std::optional<std::string> read_file(const std::string& path, std::size_t max, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open";
    return std::nullopt;
  }
  std::string bytes;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(0, std::ios::beg);
  in.clear();  // not seekable (a pipe): read it as it comes
  if (size > 0 && static_cast<std::uint64_t>(size) <= max) {
    bytes.reserve(static_cast<std::size_t>(size));  // a regular file: read it in one go
  }
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    bytes.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > max) {
      error = "larger than " + std::to_string(max) + " bytes";
      return std::nullopt;
    }
  }
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return bytes;
}

bool write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  return static_cast<bool>(out);
}

// --save FILE: the first copy to FILE, every copy that differs from it to FILE.N (N: its position
// among the sources, from 1).
void save_copies(const std::string& path, const std::vector<vv::source>& sources) {
  const vv::source* first = nullptr;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& s = sources[i];
    if (!s.bytes) continue;
    if (first != nullptr && *first->bytes == *s.bytes) continue;
    const std::string to = first == nullptr ? path : path + "." + std::to_string(i + 1);
    if (first == nullptr) first = &s;
    if (!write_file(to, *s.bytes)) {
      std::cerr << "Warning: could not write " << to << "\n";
    } else {
      std::cerr << "saved the copy of " << s.name << " to " << to << "\n";
    }
  }
}

int make_test_record(const std::vector<std::string>& args) {
  std::size_t n = 0;
  try {
    n = std::stoull(args.at(0));
  } catch (const std::exception&) {
    return usage("--make-test-record N FILE: N must be a number");
  }
  std::ofstream out(args.at(1), std::ios::binary | std::ios::trunc);
  vv::write_test_record(n, [&out](std::string_view piece) {
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  });
  out.close();
  if (!out) return usage("--make-test-record: could not write " + args.at(1));
  return vv::exit_verified;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Check the public record of a closed election: its canonical form and digest, every "
      "tracker, the counts, an independent recount of the result, that every server gives the "
      "same bytes, and optionally one voter's receipt. Prints each check and a verdict.",
      "vote-verify"};
  options o;
  app.add_option("--election-id,--election_id", o.election_id,
                 "The election whose record to fetch (required with --server; with --record the "
                 "record must be of this election)")
      ->type_name("ELECTION");
  app.add_option("--server", o.servers,
                 "Fetch the record from this server (HOST:PORT); repeat for each server to "
                 "compare (every copy must be byte-identical)")
      ->type_name("HOST:PORT")
      ->take_all();
  app.add_option("--record", o.records,
                 "Check a saved record file instead of (or as well as) fetching one; repeat to "
                 "compare several")
      ->type_name("FILE")
      ->take_all();
  app.add_option("--save", o.save,
                 "Write the fetched record to FILE (a copy that differs from the first also to "
                 "FILE.N, N its position among the sources)")
      ->type_name("FILE");
  app.add_option("--receipt", o.receipt,
                 "Check this voter's receipt (written by vote --receipt): its tracker must be in "
                 "the record with the same ballot")
      ->type_name("FILE");
  app.add_option("--timeout", o.timeout_s, "Deadline in seconds for fetching from each server")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.001, 86400.0))
      ->capture_default_str();
  app.add_flag("--json", o.json, "Print exactly one JSON object on stdout");
  app.add_option("--tls-ca,--tls_ca", o.tls_ca,
                 "Fetch over TLS 1.3 and trust only servers whose certificate this CA signed for "
                 "the address connected to (default: $VOTE_TLS_CA; unset: plain TCP)")
      ->type_name("FILE");
  app.add_option("--make-test-record", o.make_test_record,
                 "Write an honest record of N ballots to FILE (benchmarks)")
      ->expected(2)
      ->group("");  // hidden
  app.footer(std::string(footer));
  if (auto rc = vote::cli::parse(app, argc, argv, std::cout, std::cerr)) {
    return *rc;
  }
  if (!o.make_test_record.empty()) return make_test_record(o.make_test_record);

  if (o.servers.empty() && o.records.empty())
    return usage("give --server HOST:PORT or --record FILE");
  if (!o.servers.empty() && o.election_id.empty()) return usage("--server needs --election-id");
  if (o.tls_ca.empty()) {
    if (const char* env = std::getenv("VOTE_TLS_CA"); env != nullptr) o.tls_ca = env;
  }
  if (!o.servers.empty() && !o.tls_ca.empty()) {
    try {
      o.tls = vote::net::make_client_context(o.tls_ca);
    } catch (const std::exception& e) {
      return usage(std::string("--tls-ca: ") + e.what());
    }
  }
  vv::verify_options vo;
  if (!o.election_id.empty()) vo.election_id = o.election_id;
  if (!o.receipt.empty()) {
    std::string error;
    const auto bytes = read_file(o.receipt, 64 * 1024, error);
    if (!bytes) return usage("--receipt " + o.receipt + ": " + error);
    auto parsed = vv::parse_receipt(*bytes);
    if (auto* e = std::get_if<vv::parse_error>(&parsed)) {
      return usage("--receipt " + o.receipt + ": not a receipt: " + e->message);
    }
    vo.voter = std::get<vv::receipt>(std::move(parsed));
  }

  std::vector<vv::source> sources;
  vv::fetch_options fo;
  fo.timeout = std::chrono::milliseconds(std::llround(o.timeout_s * 1000.0));
  fo.tls = o.tls;
  for (const auto& server : o.servers) {
    auto fetched = vv::fetch_record(server, o.election_id, fo);
    sources.push_back({.name = server, .bytes = std::move(fetched.bytes), .error = fetched.error});
  }
  for (const auto& path : o.records) {
    std::string error;
    auto bytes = read_file(path, vo.limits.max_bytes, error);
    sources.push_back({.name = path, .bytes = std::move(bytes), .error = error});
  }
  if (!o.save.empty()) save_copies(o.save, sources);

  const vv::verdict v = vv::verify_sources(sources, vo);
  if (o.json) {
    std::cout << vv::json_report(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << std::endl;
  } else {
    std::cout << vv::text_report(v) << std::flush;
  }
  return v.exit_code();
}
