#include "vote/node/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace vote::node::metrics {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  const auto ok = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!ok(name[i], i == 0)) return false;
  }
  return true;
}

// HELP text escapes backslash and newline; a label value also the double quote (the format's
// two escaping rules).
std::string escape(std::string_view v, bool quotes) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view type_name(exposition::type t) {
  switch (t) {
    case exposition::type::counter:
      return "counter";
    case exposition::type::gauge:
      return "gauge";
    case exposition::type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
      throw std::invalid_argument("histogram bounds must be finite and strictly ascending");
  }
}

void histogram::observe(double value) {
  // The first bucket whose upper bound holds `value` (le is inclusive); past the last: +Inf.
  const auto at = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                           bounds_.begin());
  const std::lock_guard lock(mutex_);
  ++counts_[at];
  sum_ += value;
  ++count_;
}

histogram_snapshot histogram::snapshot() const {
  histogram_snapshot s;
  s.bounds = bounds_;
  s.cumulative.reserve(bounds_.size());
  const std::lock_guard lock(mutex_);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    running += counts_[i];
    s.cumulative.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

std::vector<double> duration_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::string escape_label_value(std::string_view v) {
  return escape(v, true);
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Integers up to 2^53 exactly, without an exponent or a fraction.
  if (std::trunc(v) == v && std::fabs(v) < 9007199254740992.0) {
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
    return std::string(buf, r.ptr);
  }
  // The shortest text that reads back the same, without an exponent in the usual range
  // ("0.0001", not "1e-04").
  const double m = std::fabs(v);
  const auto r = m >= 1e-6 && m < 1e15
                     ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                     : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void exposition::family(std::string_view name, std::string_view help, type t) {
  if (!valid_name(name)) throw std::invalid_argument("bad metric name '" + std::string(name) + "'");
  if (std::find(started_.begin(), started_.end(), name) != started_.end())
    throw std::invalid_argument("metric family '" + std::string(name) + "' written twice");
  started_.emplace_back(name);
  current_ = std::string(name);
  current_type_ = t;
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  text_ += escape(help, false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type_name(t);
  text_ += '\n';
}

void exposition::line(std::string_view name, const labels& l, double value) {
  text_ += name;
  if (!l.empty()) {
    text_ += '{';
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (!valid_name(l[i].first) || l[i].first.find(':') != std::string::npos)
        throw std::invalid_argument("bad label name '" + l[i].first + "'");
      if (i > 0) text_ += ',';
      text_ += l[i].first;
      text_ += "=\"";
      text_ += escape_label_value(l[i].second);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
  text_ += format_value(value);
  text_ += '\n';
}

void exposition::sample(const labels& l, double value) {
  if (current_.empty() || current_type_ == type::histogram)
    throw std::invalid_argument("sample() needs a counter or gauge family started first");
  line(current_, l, value);
}

void exposition::histogram(const labels& l, const histogram_snapshot& h) {
  if (current_.empty() || current_type_ != type::histogram)
    throw std::invalid_argument("histogram() needs a histogram family started first");
  const std::string bucket = current_ + "_bucket";
  labels with_le = l;
  with_le.emplace_back("le", "");
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    with_le.back().second = format_value(h.bounds[i]);
    line(bucket, with_le, static_cast<double>(h.cumulative[i]));
  }
  with_le.back().second = "+Inf";
  line(bucket, with_le, static_cast<double>(h.count));
  line(current_ + "_sum", l, h.sum);
  line(current_ + "_count", l, static_cast<double>(h.count));
}

void exposition::single(std::string_view name, std::string_view help, type t, double value,
                        const labels& l) {
  family(name, help, t);
  sample(l, value);
}

}  // namespace vote::node::metrics
