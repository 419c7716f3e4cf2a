// The fast histogram binning (a table indexed by the float's bits; AVX2; split over threads)
// against the plain definition: each value counted at std::upper_bound of the bucket limits.
#include "tensorboard/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <thread>
#include <vector>

namespace layerscope {
namespace {

namespace tb = tensorboard;

// The histogram by definition: upper_bound over the limits, then TensorFlow's merging of runs of
// empty buckets; NaN and Inf left out.
tb::Histogram reference_histogram(const std::vector<float>& values) {
  const std::vector<double>& limits = tb::default_bucket_limits();
  std::vector<double> counts(limits.size(), 0);
  tb::Histogram h;
  double lo = INFINITY, hi = -INFINITY;
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    counts[std::upper_bound(limits.begin(), limits.end(), double(v)) - limits.begin()] += 1;
    lo = std::min(lo, double(v));
    hi = std::max(hi, double(v));
    h.num += 1;
    h.sum += v;
    h.sum_squares += double(v) * v;
  }
  if (h.num > 0) h.min = lo, h.max = hi;
  for (std::size_t i = 0; i < counts.size();) {
    double limit = limits[i], count = counts[i++];
    if (count == 0)
      while (i < counts.size() && counts[i] == 0) limit = limits[i++];
    h.bucket_limit.push_back(limit);
    h.bucket.push_back(count);
  }
  return h;
}

// Values on, just below and just above every limit, signed zeros, denormals, the extremes,
// random magnitudes over all decades, a normal sample, and NaN/Inf scattered (some inside runs of
// eight, some at the end).
std::vector<float> hard_values(std::size_t random_count) {
  std::vector<float> values = {0.0f,   -0.0f,   1e-13f,  -1e-13f,  FLT_MIN, -FLT_MIN,
                               1e-45f, -1e-45f, FLT_MAX, -FLT_MAX, 1e20f,   -1e20f};
  for (double limit : tb::default_bucket_limits()) {
    const auto f = static_cast<float>(limit);
    if (!std::isfinite(f)) continue;
    values.insert(values.end(), {f, -f, std::nextafter(f, -INFINITY), std::nextafter(f, INFINITY),
                                 -std::nextafter(f, -INFINITY), -std::nextafter(f, INFINITY)});
  }
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> exponent(-46, 38);
  std::normal_distribution<float> normal;
  for (std::size_t i = 0; i < random_count; ++i)
    values.push_back(i % 2 ? normal(rng) : (rng() % 2 ? 1 : -1) * std::pow(10.0f, exponent(rng)));
  // Zeros of both signs, as a ReLU leaves them: whole groups of eight and lone ones.
  for (std::size_t i = 0; i < 40; ++i) values.push_back(i % 5 == 4 ? 1.0f : i % 3 ? 0.0f : -0.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = INFINITY;
  for (std::size_t i = 5; i < values.size(); i += 997) values[i] = (i % 3 == 0) ? nan : -inf;
  values.insert(values.end(), {inf, nan, 1.0f});
  return values;
}

void expect_same_histogram(const tb::Histogram& h, const tb::Histogram& expected,
                           const std::vector<float>& values) {
  EXPECT_EQ(h.bucket_limit, expected.bucket_limit);
  EXPECT_EQ(h.bucket, expected.bucket);
  EXPECT_EQ(h.num, expected.num);
  EXPECT_EQ(h.min, expected.min);
  EXPECT_EQ(h.max, expected.max);
  // Sums only up to the order of the additions.
  EXPECT_NEAR(h.sum, expected.sum, 1e-9 * expected.sum_squares + 1e-300);
  EXPECT_NEAR(h.sum_squares, expected.sum_squares, 1e-12 * expected.sum_squares);
  int64_t nan = 0, pos_inf = 0, neg_inf = 0, zeros = 0;
  for (float v : values) {
    zeros += v == 0.0f;
    nan += std::isnan(v);
    pos_inf += v == INFINITY;
    neg_inf += v == -INFINITY;
  }
  EXPECT_EQ(h.nan_count, nan);
  EXPECT_EQ(h.pos_inf_count, pos_inf);
  EXPECT_EQ(h.neg_inf_count, neg_inf);
  EXPECT_EQ(h.zero_count, zeros);
}

// Runs the tasks on `threads` threads, each taking every threads-th range, last ones first.
tb::ParallelFor thread_pool(int threads) {
  return [threads](int64_t n, const std::function<void(int64_t, int64_t)>& body) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        for (int64_t i = n - 1 - t; i >= 0; i -= threads) body(i, i + 1);
      });
    for (auto& w : workers) w.join();
  };
}

TEST(HistogramBinning, PortableTableMatchesUpperBound) {
  const std::vector<float> values = hard_values(20000);
  expect_same_histogram(tb::make_histogram_portable(values.data(), values.size()),
                        reference_histogram(values), values);
}

TEST(HistogramBinning, Avx2MatchesUpperBound) {
  if (!tb::histogram_avx2_available()) GTEST_SKIP() << "no AVX2";
  const std::vector<float> values = hard_values(20000);
  const tb::Histogram expected = reference_histogram(values);
  for (std::size_t offset : {0, 1, 3, 7}) {  // every alignment and tail length
    SCOPED_TRACE("offset " + std::to_string(offset));
    const std::vector<float> part(values.begin() + offset, values.end());
    expect_same_histogram(tb::make_histogram_avx2(part.data(), part.size()),
                          reference_histogram(part), part);
  }
  expect_same_histogram(tb::make_histogram(values.data(), values.size()), expected, values);
  // Large enough for a copy of the buckets per lane.
  const std::vector<float> large = hard_values(200000);
  expect_same_histogram(tb::make_histogram_avx2(large.data(), large.size()),
                        reference_histogram(large), large);
}

TEST(HistogramBinning, SplitOverThreadsGivesTheSameResultWhateverTheThreadCount) {
  const std::vector<float> values = hard_values(1'500'000);
  const tb::Histogram one = tb::make_histogram(values.data(), values.size(), thread_pool(1));
  expect_same_histogram(one, reference_histogram(values), values);
  const tb::Histogram three = tb::make_histogram(values.data(), values.size(), thread_pool(3));
  EXPECT_EQ(three.bucket, one.bucket);
  EXPECT_EQ(three.sum, one.sum);  // bit for bit: fixed chunks merged in order
  EXPECT_EQ(three.sum_squares, one.sum_squares);
}

}  // namespace
}  // namespace layerscope
