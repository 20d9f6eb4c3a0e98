// vote-bench numbers and their presentation (include/vote/client/bench.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "vote/client/bench.hpp"

namespace vote::client {

bool bench_report::mismatch() const noexcept {
  return closed_all && (counted < acknowledged || counted > acknowledged + unknown);
}

double percentile_ms(std::vector<std::uint32_t>& micros, double q) {
  if (micros.empty()) return 0;
  std::sort(micros.begin(), micros.end());
  const auto n = static_cast<double>(micros.size());
  const auto rank = static_cast<std::size_t>(std::ceil(std::clamp(q, 0.0, 1.0) * n));
  const auto index = std::min(micros.size() - 1, rank == 0 ? 0 : rank - 1);
  return static_cast<double>(micros[index]) / 1000.0;
}

std::string base36(std::uint64_t n) {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.push_back(digits[n % 36]);
    n /= 36;
  } while (n != 0);
  std::reverse(out.begin(), out.end());
  return out;
}

std::string format_bench_report(const bench_report& r) {
  char text[512];
  std::snprintf(text, sizeof text,
                "connections   %d\n"
                "seconds       %.2f\n"
                "acknowledged  %llu\n"
                "errors        %llu (answer lost: %llu)\n"
                "votes/s       %.1f\n"
                "latency ms    p50 %.3f  p99 %.3f  max %.3f\n"
                "counted       %llu in %zu elections\n",
                r.connections, r.seconds, static_cast<unsigned long long>(r.acknowledged),
                static_cast<unsigned long long>(r.errors),
                static_cast<unsigned long long>(r.unknown), r.votes_per_s, r.p50_ms, r.p99_ms,
                r.max_ms, static_cast<unsigned long long>(r.counted), r.elections);
  std::string out = text;
  if (!r.setup_error.empty()) out += "Error: " + r.setup_error + "\n";
  if (r.mismatch()) {
    out += "MISMATCH: counted " + std::to_string(r.counted) + ", acknowledged " +
           std::to_string(r.acknowledged) + ", answers lost " + std::to_string(r.unknown) + "\n";
  }
  return out;
}

nlohmann::ordered_json bench_report_json(const bench_report& r) {
  nlohmann::ordered_json j;
  j["ok"] = r.setup_error.empty() && !r.mismatch();
  j["connections"] = r.connections;
  j["seconds"] = r.seconds;
  j["acknowledged"] = r.acknowledged;
  j["errors"] = r.errors;
  j["unknown"] = r.unknown;
  j["votes_per_s"] = r.votes_per_s;
  j["p50_ms"] = r.p50_ms;
  j["p99_ms"] = r.p99_ms;
  j["max_ms"] = r.max_ms;
  j["counted"] = r.counted;
  j["elections"] = r.elections;
  j["mismatch"] = r.mismatch();
  if (!r.setup_error.empty()) j["error"] = r.setup_error;
  return j;
}

}  // namespace vote::client
