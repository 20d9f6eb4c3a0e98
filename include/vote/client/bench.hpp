// vote-bench: closed-loop vote throughput and latency against one leader.
//
// One io_context thread runs `connections` coroutines; each sends one vote, awaits the reply and
// repeats until `seconds` have passed. Voters come from a shared counter over bench elections
// (`bench-<unix ms>-<k>`, candidates A..D, up to voters_per_election short voter ids "v<base36>"
// so a registration stays under the 1 MiB frame limit). One election beyond the current one is
// always registered in advance so voting never waits for a registration. At the end every bench
// election is closed and the sum of votes_cast is checked against the acknowledged votes:
//   acknowledged <= counted <= acknowledged + unknown
// (unknown: votes sent whose answer was lost; without such losses the sums must be equal).
//
// Threading: run_bench() blocks the calling thread and owns its io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/core/error.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/net/tls.hpp"

namespace vote::client {

struct bench_options {
  net::endpoint server;                              // the leader
  int connections = 8;                               // concurrent closed loops
  double seconds = 10.0;                             // measured voting time
  std::string admin_token;                           // for register/close; "" = none
  std::size_t voters_per_election = 100'000;         // registration size (<= 100,000)
  std::chrono::milliseconds request_timeout{5'000};  // one vote exchange or connect
  std::chrono::milliseconds admin_timeout{30'000};   // one register or close exchange
  std::shared_ptr<net::tls_context> tls;             // TLS on every connection when set
};

struct bench_report {
  int connections = 0;
  double seconds = 0;              // measured voting time
  std::uint64_t acknowledged = 0;  // votes answered ok
  std::uint64_t errors = 0;        // refused votes, lost answers, failed connects
  std::uint64_t unknown = 0;       // votes sent whose answer never came (subset of errors)
  double votes_per_s = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // latency of acknowledged votes
  std::uint64_t counted = 0;                  // sum of votes_cast over the closed bench elections
  std::size_t elections = 0;                  // bench elections registered
  bool closed_all = false;                    // every bench election was closed and counted
  std::string setup_error;  // non-empty: registration/close failed; numbers partial
  errc setup_code = errc::ok;
  bool mismatch() const noexcept;  // counts do not add up (see the contract above)
};

bench_report run_bench(const bench_options& options);

// Nearest-rank percentile (q in [0, 1]) of samples; sorts them. 0 for no samples.
double percentile_ms(std::vector<std::uint32_t>& micros, double q);
// Base-36 digits of n, lowercase ("0" for 0).
std::string base36(std::uint64_t n);

std::string format_bench_report(const bench_report& r);
nlohmann::ordered_json bench_report_json(const bench_report& r);

}  // namespace vote::client
