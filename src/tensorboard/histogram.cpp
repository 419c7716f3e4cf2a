#include "tensorboard/histogram.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace layerscope::tensorboard {
namespace {

std::vector<double> build_default_limits() {
  std::vector<double> positive;
  for (double v = 1.0e-12; v < 1.0e20; v *= 1.1) positive.push_back(v);
  positive.push_back(DBL_MAX);
  std::vector<double> limits;
  limits.reserve(2 * positive.size() + 1);
  for (auto it = positive.rbegin(); it != positive.rend(); ++it) limits.push_back(-*it);
  limits.push_back(0.0);
  limits.insert(limits.end(), positive.begin(), positive.end());
  return limits;
}

// Index of the first limit greater than v (std::upper_bound), found from a logarithmic guess
// corrected by a step or two, so the answer is exactly upper_bound's.
std::size_t bucket_index(const std::vector<double>& limits, std::size_t zero_index, double v) {
  const std::size_t n = limits.size();
  std::size_t guess = zero_index + 1;  // [0, 1e-12)
  const double magnitude = std::fabs(v);
  if (magnitude >= 1.0e-12) {
    static const double inv_log_growth = 1.0 / std::log(1.1);
    const double k = std::floor(std::log(magnitude * 1.0e12) * inv_log_growth);
    const auto steps = static_cast<std::size_t>(std::min(k + 1.0, static_cast<double>(zero_index)));
    guess = v > 0 ? zero_index + 1 + steps : zero_index - steps;
  } else if (v < 0) {
    guess = zero_index;  // [-1e-12, 0)
  }
  std::size_t b = std::min(guess, n);
  while (b > 0 && limits[b - 1] > v) --b;
  while (b < n && limits[b] <= v) ++b;
  return b;
}

}  // namespace

const std::vector<double>& default_bucket_limits() {
  static const std::vector<double> limits = build_default_limits();
  return limits;
}

Histogram make_histogram(const float* values, std::size_t count) {
  const std::vector<double>& limits = default_bucket_limits();
  const std::size_t zero_index = limits.size() / 2;
  std::vector<double> counts(limits.size(), 0.0);
  Histogram h;
  double lo = DBL_MAX, hi = -DBL_MAX;
  for (std::size_t i = 0; i < count; ++i) {
    const double v = values[i];
    if (std::isnan(v)) {
      ++h.nan_count;
      continue;
    }
    if (std::isinf(v)) {
      ++(v > 0 ? h.pos_inf_count : h.neg_inf_count);
      continue;
    }
    counts[bucket_index(limits, zero_index, v)] += 1.0;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    h.num += 1.0;
    h.sum += v;
    h.sum_squares += v * v;
  }
  if (h.num > 0) {
    h.min = lo;
    h.max = hi;
  }
  for (std::size_t i = 0; i < counts.size();) {
    double limit = limits[i];
    const double c = counts[i++];
    if (c <= 0.0)
      while (i < counts.size() && counts[i] <= 0.0) limit = limits[i++];
    h.bucket_limit.push_back(limit);
    h.bucket.push_back(c);
  }
  return h;
}

Histogram make_histogram_equal_bins(const float* values, std::size_t count, int bins) {
  Histogram h;
  double lo = DBL_MAX, hi = -DBL_MAX;
  for (std::size_t i = 0; i < count; ++i) {
    const double v = values[i];
    if (std::isnan(v)) {
      ++h.nan_count;
    } else if (std::isinf(v)) {
      ++(v > 0 ? h.pos_inf_count : h.neg_inf_count);
    } else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      h.num += 1.0;
      h.sum += v;
      h.sum_squares += v * v;
    }
  }
  if (h.num == 0) {
    h.bucket_limit = {DBL_MAX};
    h.bucket = {0.0};
    return h;
  }
  h.min = lo;
  h.max = hi;
  double first = lo, last = hi;
  if (first == last) first -= 0.5, last += 0.5;
  // numpy.linspace's edges and numpy.histogram's index computation, corrected against the edges.
  const auto n = static_cast<std::size_t>(bins);
  std::vector<double> edges(n + 1);
  const double step = (last - first) / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) edges[i] = static_cast<double>(i) * step + first;
  edges[n] = last;
  std::vector<double> counts(n, 0.0);
  const double span = last - first;
  for (std::size_t i = 0; i < count; ++i) {
    const double v = values[i];
    if (!std::isfinite(v)) continue;
    auto b = static_cast<std::size_t>((v - first) / span * static_cast<double>(n));
    if (b >= n) b = n - 1;
    if (v < edges[b] && b > 0) --b;
    if (b + 1 < n && v >= edges[b + 1]) ++b;
    counts[b] += 1.0;
  }
  h.bucket_limit = std::move(edges);
  h.bucket.reserve(n + 1);
  h.bucket.push_back(0.0);
  h.bucket.insert(h.bucket.end(), counts.begin(), counts.end());
  return h;
}

}  // namespace layerscope::tensorboard
