// Prometheus metrics (docs/operations.md "Metrics"): a histogram with fixed buckets that any
// thread may observe into, and a writer of the text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// The writer is a pure function of what it is given: no clock, no I/O, no global registry. The
// server gathers its state into one exposition on the node's thread (node_metrics.hpp) and the
// metrics listener (net/metrics_listener.hpp) serves the text.
//
// Format rules the writer keeps: every family gets one "# HELP" and one "# TYPE" line before its
// samples, and a family's samples are contiguous; label values are escaped (`\` → `\\`, `"` →
// `\"`, newline → `\n`), HELP text too (`\` and newline); a histogram writes cumulative
// `_bucket{le="..."}` samples in ascending order ending with `le="+Inf"`, then `_sum` and
// `_count` (`_count` equals the +Inf bucket). Names are the caller's and must match
// [a-zA-Z_:][a-zA-Z0-9_:]* (checked: std::invalid_argument).
//
// Threading: histogram is thread-safe (a mutex: observations and reads are rare next to what they
// time, an fsync or a client request). exposition is not: one owner builds and renders it.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vote::node::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

// A histogram's state at one moment: cumulative counts per upper bound (ascending), then the
// +Inf bucket, which is `count`.
struct histogram_snapshot {
  std::vector<double> bounds;
  std::vector<std::uint64_t> cumulative;  // cumulative[i]: observations <= bounds[i]
  double sum = 0;
  std::uint64_t count = 0;
};

class histogram {
 public:
  // `bounds`: the buckets' upper bounds, strictly ascending and finite (std::invalid_argument).
  explicit histogram(std::vector<double> bounds);
  void observe(double value);
  histogram_snapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; one more for +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Buckets for durations in seconds: 100 µs to 10 s (fsyncs, requests, snapshots).
std::vector<double> duration_buckets();

// Escapes a label value (`\`, `"`, newline) for the exposition format.
std::string escape_label_value(std::string_view v);

class exposition {
 public:
  enum class type : std::uint8_t { counter, gauge, histogram };

  // Starts a family: its HELP and TYPE lines. A family name may be started once.
  void family(std::string_view name, std::string_view help, type t);
  // One sample of the family last started (for a histogram family, use histogram()).
  void sample(const labels& l, double value);
  void sample(double value) { sample({}, value); }
  // The samples of one series of the histogram family last started.
  void histogram(const labels& l, const histogram_snapshot& h);

  // A family with one sample, for the common case.
  void single(std::string_view name, std::string_view help, type t, double value,
              const labels& l = {});

  const std::string& text() const noexcept { return text_; }

 private:
  void line(std::string_view name, const labels& l, double value);

  std::string text_;
  std::string current_;  // the family being written
  type current_type_ = type::gauge;
  std::vector<std::string> started_;
};

// A sample value as the format spells it: integers without a fraction, "+Inf", "-Inf", "NaN",
// otherwise the shortest text that reads back as the same double.
std::string format_value(double v);

}  // namespace vote::node::metrics
