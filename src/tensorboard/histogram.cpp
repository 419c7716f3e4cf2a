#include "tensorboard/histogram.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define LAYERSCOPE_HISTOGRAM_X86 1
#endif

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

// Bucket lookup by the bits of a float. A float's magnitude, read as an integer, grows with its
// value; its top 12 bits (8 of exponent, 4 of mantissa) cut the positive floats into 4096 cells,
// each spanning at most a factor 1 + 1/16 < 1.1, so no cell holds more than one limit. The cell
// says how many positive limits lie below it and where, in its low 19 bits, a magnitude reaches
// the one limit inside it: the first float at or above that limit (a double). Comparing the low
// bits gives exactly the comparison with the double limit that std::upper_bound would make.
//
// limits = -P[K-1] .. -P[0], 0, P[0] .. P[K-1] with P the K positive limits, so the first limit
// above v is at K + 1 + #(P <= v) for v >= 0 (-0 included) and at K - #(P < -v) for v < 0.
// For v < 0 a magnitude equal to a limit has not passed it: when the limit is itself a float (the
// "exact" bit) the threshold is one float higher. (None of the default limits is a float today.)
constexpr int kCellShift = 19;  // 32 - 1 (sign) - 12
constexpr std::size_t kCells = std::size_t(1) << 12;
constexpr uint32_t kLowMask = (1u << kCellShift) - 1;
// A cell's entry: below << 21 | exact << 20 | threshold's low bits (1 << 19: never reached).
constexpr int kBelowShift = 21;
constexpr int kExactShift = 20;
constexpr uint32_t kThresholdMask = (1u << kExactShift) - 1;

float float_from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint32_t bits_of(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// The smallest float >= v (v positive and below FLT_MAX).
float float_at_or_above(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) < v) f = std::nextafter(f, INFINITY);
  return f;
}

const uint32_t* cell_table() {
  static const std::vector<uint32_t> table = [] {
    const std::vector<double>& limits = default_bucket_limits();
    const std::vector<double> positive(limits.begin() + limits.size() / 2 + 1, limits.end());
    std::vector<uint32_t> entries(kCells, 1u << kCellShift);
    for (std::size_t c = 0; c < kCells; ++c) {
      const uint32_t first_bits = static_cast<uint32_t>(c) << kCellShift;
      if (first_bits >= 0x7f800000u) continue;  // Inf and NaN: never looked up
      const double lo = float_from_bits(first_bits);
      const double next = float_from_bits(first_bits + (1u << kCellShift));  // may be +Inf
      auto it = std::lower_bound(positive.begin(), positive.end(), lo);
      uint32_t threshold = 1u << kCellShift, exact = 0;
      if (it != positive.end() && *it < next) {
        const float reaches = float_at_or_above(*it);
        threshold = bits_of(reaches) - first_bits;  // up to 1 << 19: the next cell's first float
        exact = static_cast<double>(reaches) == *it;
      }
      entries[c] = static_cast<uint32_t>(it - positive.begin()) << kBelowShift |
                   exact << kExactShift | threshold;
    }
    return entries;
  }();
  return table.data();
}

// What one pass over the values gathers.
struct Accumulator {
  std::vector<uint64_t> counts;  // per limit
  float lo = INFINITY, hi = -INFINITY;
  double sum = 0, sum_squares = 0;
  int64_t nan = 0, pos_inf = 0, neg_inf = 0, zeros = 0;
};

// One value; `sum`/`sum_squares`/`lo`/`hi` are the caller's lane.
inline void add_value(float v, const uint32_t* cells, int32_t zero_index, uint64_t* counts,
                      Accumulator& acc, double& sum, double& sum_squares, float& lo, float& hi) {
  const uint32_t bits = bits_of(v);
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude >= 0x7f800000u) {  // NaN or +-Inf
    if (magnitude > 0x7f800000u)
      ++acc.nan;
    else
      ++(bits == magnitude ? acc.pos_inf : acc.neg_inf);
    return;
  }
  acc.zeros += magnitude == 0;
  const uint32_t entry = cells[magnitude >> kCellShift];
  // Arithmetic rather than branches: the sign of activations is a coin toss.
  const uint32_t negative = bits > 0x80000000u;  // sign set and not -0
  const uint32_t threshold = (entry & kThresholdMask) + (negative & (entry >> kExactShift));
  const auto passed =
      static_cast<int32_t>((entry >> kBelowShift) + ((magnitude & kLowMask) >= threshold));
  const auto sign = static_cast<int32_t>(negative);
  ++counts[zero_index + 1 - sign + (1 - 2 * sign) * passed];
  lo = std::min(lo, v);
  hi = std::max(hi, v);
  const double d = v;
  sum += d;
  sum_squares += d * d;
}

void accumulate_portable(const float* values, std::size_t count, Accumulator& acc) {
  const uint32_t* cells = cell_table();
  const auto zero_index = static_cast<int32_t>(acc.counts.size() / 2);
  uint64_t* counts = acc.counts.data();
  // Two lanes for the sums, min and max halve their chains of dependent operations.
  double sum[2] = {0, 0}, sum_squares[2] = {0, 0};
  float lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  std::size_t i = 0;
  for (; i + 2 <= count; i += 2) {
    add_value(values[i], cells, zero_index, counts, acc, sum[0], sum_squares[0], lo[0], hi[0]);
    add_value(values[i + 1], cells, zero_index, counts, acc, sum[1], sum_squares[1], lo[1], hi[1]);
  }
  if (i < count)
    add_value(values[i], cells, zero_index, counts, acc, sum[0], sum_squares[0], lo[0], hi[0]);
  acc.sum += sum[0] + sum[1];
  acc.sum_squares += sum_squares[0] + sum_squares[1];
  acc.lo = std::min({acc.lo, lo[0], lo[1]});
  acc.hi = std::max({acc.hi, hi[0], hi[1]});
}

#ifdef LAYERSCOPE_HISTOGRAM_X86
// Eight values at a time: the table entries by eight plain loads (faster than one gather on the
// AMD cores measured, and no slower elsewhere), the sums in four double lanes each. Each of the
// eight lanes counts into its own copy of the buckets (32-bit, summed into `acc.counts` at the
// end): bumping one shared counter eight times in a row, as a ReLU's zeros or any narrow
// distribution do, would wait on each store in turn. A group holding NaN or Inf goes value by
// value.
__attribute__((target("avx2,fma"))) void accumulate_avx2_block(const float* values,
                                                               std::size_t count, Accumulator& acc,
                                                               uint32_t* lane_counts,
                                                               int lane_shift) {
  const uint32_t* cells = cell_table();
  const auto zero_index = static_cast<int32_t>(acc.counts.size() / 2);
  uint64_t* counts = acc.counts.data();
  const __m256i magnitude_mask = _mm256_set1_epi32(0x7fffffff);
  const __m256i largest_finite = _mm256_set1_epi32(0x7f7fffff);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i threshold_mask = _mm256_set1_epi32(static_cast<int32_t>(kThresholdMask));
  const __m256i low_mask = _mm256_set1_epi32(static_cast<int32_t>(kLowMask));
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i above_zero_index = _mm256_set1_epi32(zero_index + 1);
  const __m256i zero_index_v = _mm256_set1_epi32(zero_index);
  const __m256i lane = lane_shift ? _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7) : zero;
  __m256i zeros = _mm256_setzero_si256();  // per lane, at most an eighth of the block
  __m256 lo = _mm256_set1_ps(INFINITY), hi = _mm256_set1_ps(-INFINITY);
  __m256d sum_low = _mm256_setzero_pd(), sum_high = _mm256_setzero_pd();
  __m256d squares_low = _mm256_setzero_pd(), squares_high = _mm256_setzero_pd();
  double scalar_sum = 0, scalar_squares = 0;
  float scalar_lo = INFINITY, scalar_hi = -INFINITY;
  alignas(32) int32_t index[8];
  std::size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(values + i));
    const __m256i magnitude = _mm256_and_si256(bits, magnitude_mask);
    if (!_mm256_testz_si256(_mm256_cmpgt_epi32(magnitude, largest_finite), _mm256_set1_epi32(-1))) {
      for (std::size_t k = i; k < i + 8; ++k)
        add_value(values[k], cells, zero_index, counts, acc, scalar_sum, scalar_squares, scalar_lo,
                  scalar_hi);
      continue;
    }
    zeros = _mm256_sub_epi32(zeros, _mm256_cmpeq_epi32(magnitude, zero));
    // -1 where the value is below zero (sign set and not -0)
    const __m256i negative =
        _mm256_and_si256(_mm256_cmpgt_epi32(zero, bits), _mm256_cmpgt_epi32(magnitude, zero));
    alignas(32) uint32_t cell[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(cell), _mm256_srli_epi32(magnitude, kCellShift));
    const __m256i entry =
        _mm256_setr_epi32(static_cast<int>(cells[cell[0]]), static_cast<int>(cells[cell[1]]),
                          static_cast<int>(cells[cell[2]]), static_cast<int>(cells[cell[3]]),
                          static_cast<int>(cells[cell[4]]), static_cast<int>(cells[cell[5]]),
                          static_cast<int>(cells[cell[6]]), static_cast<int>(cells[cell[7]]));
    const __m256i below = _mm256_srli_epi32(entry, kBelowShift);
    const __m256i threshold = _mm256_add_epi32(
        _mm256_and_si256(entry, threshold_mask),
        _mm256_and_si256(negative, _mm256_and_si256(_mm256_srli_epi32(entry, kExactShift), one)));
    // -1 where the magnitude's low bits reach the threshold (both below 2^20: signed compare)
    const __m256i reached =
        _mm256_cmpgt_epi32(_mm256_and_si256(magnitude, low_mask), _mm256_sub_epi32(threshold, one));
    const __m256i passed = _mm256_sub_epi32(below, reached);  // below + 1 where reached
    const __m256i bucket = _mm256_blendv_epi8(_mm256_add_epi32(above_zero_index, passed),
                                              _mm256_sub_epi32(zero_index_v, passed), negative);
    _mm256_store_si256(
        reinterpret_cast<__m256i*>(index),
        _mm256_add_epi32(_mm256_sll_epi32(bucket, _mm_cvtsi32_si128(lane_shift)), lane));
    for (int k = 0; k < 8; ++k) ++lane_counts[index[k]];

    const __m256 v = _mm256_castsi256_ps(bits);
    lo = _mm256_min_ps(lo, v);
    hi = _mm256_max_ps(hi, v);
    const __m256d low = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    const __m256d high = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    sum_low = _mm256_add_pd(sum_low, low);
    sum_high = _mm256_add_pd(sum_high, high);
    squares_low = _mm256_fmadd_pd(low, low, squares_low);
    squares_high = _mm256_fmadd_pd(high, high, squares_high);
  }
  for (; i < count; ++i)
    add_value(values[i], cells, zero_index, counts, acc, scalar_sum, scalar_squares, scalar_lo,
              scalar_hi);
  alignas(32) double sums[4], squares[4];
  alignas(32) float los[8], his[8];
  alignas(32) uint32_t zero_lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(zero_lanes), zeros);
  for (uint32_t z : zero_lanes) acc.zeros += z;
  _mm256_store_pd(sums, _mm256_add_pd(sum_low, sum_high));
  _mm256_store_pd(squares, _mm256_add_pd(squares_low, squares_high));
  _mm256_store_ps(los, lo);
  _mm256_store_ps(his, hi);
  acc.sum += (sums[0] + sums[1]) + (sums[2] + sums[3]) + scalar_sum;
  acc.sum_squares += (squares[0] + squares[1]) + (squares[2] + squares[3]) + scalar_squares;
  acc.lo = std::min({acc.lo, scalar_lo, *std::min_element(los, los + 8)});
  acc.hi = std::max({acc.hi, scalar_hi, *std::max_element(his, his + 8)});
}

void accumulate_avx2(const float* values, std::size_t count, Accumulator& acc) {
  // Eight copies of the buckets pay off on large arrays only: a small one (a few thousand values)
  // would spend longer clearing and summing them than binning.
  const int lane_shift = count >= (std::size_t(1) << 16) ? 3 : 0;
  const std::size_t lanes = std::size_t(1) << lane_shift;
  // A lane counts at most an eighth of a block: 2^34 values keep its 32-bit counters from wrapping
  // (with one copy, 2^32 - 1 at most).
  const std::size_t block = lane_shift ? std::size_t(1) << 34 : (std::size_t(1) << 32) - 1;
  thread_local std::vector<uint32_t> lane_counts;
  lane_counts.resize(acc.counts.size() * lanes);
  for (std::size_t start = 0; start < count; start += block) {
    std::fill(lane_counts.begin(), lane_counts.end(), 0u);
    accumulate_avx2_block(values + start, std::min(block, count - start), acc, lane_counts.data(),
                          lane_shift);
    for (std::size_t b = 0; b < acc.counts.size(); ++b)
      for (std::size_t l = 0; l < lanes; ++l) acc.counts[b] += lane_counts[b * lanes + l];
  }
}
#endif

Histogram finish(const Accumulator& acc, std::size_t count) {
  const std::vector<double>& limits = default_bucket_limits();
  Histogram h;
  h.nan_count = acc.nan;
  h.pos_inf_count = acc.pos_inf;
  h.neg_inf_count = acc.neg_inf;
  h.zero_count = acc.zeros;
  const auto finite =
      static_cast<uint64_t>(count) - static_cast<uint64_t>(acc.nan + acc.pos_inf + acc.neg_inf);
  h.num = static_cast<double>(finite);
  h.sum = acc.sum;
  h.sum_squares = acc.sum_squares;
  if (finite > 0) {
    h.min = acc.lo;
    h.max = acc.hi;
  }
  for (std::size_t i = 0; i < acc.counts.size();) {
    double limit = limits[i];
    const uint64_t c = acc.counts[i++];
    if (c == 0)
      while (i < acc.counts.size() && acc.counts[i] == 0) limit = limits[i++];
    h.bucket_limit.push_back(limit);
    h.bucket.push_back(static_cast<double>(c));
  }
  return h;
}

Histogram make_histogram_with(void (*accumulate)(const float*, std::size_t, Accumulator&),
                              const float* values, std::size_t count) {
  Accumulator acc;
  acc.counts.assign(default_bucket_limits().size(), 0);
  accumulate(values, count, acc);
  return finish(acc, count);
}

}  // namespace

const std::vector<double>& default_bucket_limits() {
  static const std::vector<double> limits = build_default_limits();
  return limits;
}

Histogram make_histogram_portable(const float* values, std::size_t count) {
  return make_histogram_with(accumulate_portable, values, count);
}

#ifdef LAYERSCOPE_HISTOGRAM_X86
bool histogram_avx2_available() {
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
}
Histogram make_histogram_avx2(const float* values, std::size_t count) {
  return make_histogram_with(accumulate_avx2, values, count);
}
#else
bool histogram_avx2_available() { return false; }
Histogram make_histogram_avx2(const float* values, std::size_t count) {
  return make_histogram_portable(values, count);
}
#endif

Histogram make_histogram(const float* values, std::size_t count) {
  return histogram_avx2_available() ? make_histogram_avx2(values, count)
                                    : make_histogram_portable(values, count);
}

Histogram make_histogram(const float* values, std::size_t count, const ParallelFor& parallel_for) {
  // Values per task: small enough that the middle layers of a CNN (100k-500k values) are split too.
  constexpr std::size_t kTask = std::size_t(1) << 17;
  if (!parallel_for || count < 2 * kTask) return make_histogram(values, count);
#ifdef LAYERSCOPE_HISTOGRAM_X86
  const auto accumulate = histogram_avx2_available() ? accumulate_avx2 : accumulate_portable;
#else
  const auto accumulate = accumulate_portable;
#endif
  // Fixed task boundaries merged in order: the same result whatever the number of threads.
  const std::size_t tasks = (count + kTask - 1) / kTask;
  std::vector<Accumulator> parts(tasks);
  parallel_for(static_cast<int64_t>(tasks), [&](int64_t first, int64_t last) {
    for (auto t = static_cast<std::size_t>(first); t < static_cast<std::size_t>(last); ++t) {
      parts[t].counts.assign(default_bucket_limits().size(), 0);
      accumulate(values + t * kTask, std::min(kTask, count - t * kTask), parts[t]);
    }
  });
  Accumulator total = std::move(parts[0]);
  for (std::size_t t = 1; t < tasks; ++t) {
    const Accumulator& part = parts[t];
    for (std::size_t b = 0; b < total.counts.size(); ++b) total.counts[b] += part.counts[b];
    total.lo = std::min(total.lo, part.lo);
    total.hi = std::max(total.hi, part.hi);
    total.sum += part.sum;
    total.sum_squares += part.sum_squares;
    total.nan += part.nan;
    total.pos_inf += part.pos_inf;
    total.neg_inf += part.neg_inf;
    total.zeros += part.zeros;
  }
  return finish(total, count);
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
      h.zero_count += v == 0;
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
