#pragma once
// TensorFlow's default histogram (tsl/lib/histogram): bucket limits 1e-12 * 1.1^k for k = 0, 1, ...
// while below 1e20, then DBL_MAX; the same mirrored below 0 (-DBL_MAX first), and 0 between. A
// value v is counted in the bucket of the first limit greater than v (so bucket i holds
// [limit[i-1], limit[i])). Runs of empty buckets are merged into one empty bucket carrying the
// run's last limit; data with no finite values gives the single bucket (DBL_MAX, 0).
//
// NaN and +-Inf never enter the buckets, nor min/max/num/sum/sum_squares: they are counted apart
// (TensorFlow's summary op refuses such data instead). min = max = 0 when there are no finite
// values.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace layerscope::tensorboard {

struct Histogram {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit;  // increasing; bucket[i] counts values below bucket_limit[i]
  std::vector<double> bucket;
  int64_t nan_count = 0, pos_inf_count = 0, neg_inf_count = 0;
  int64_t zero_count = 0;  // values equal to +-0 (not in the file: for the caller's statistics)
};

// The 1551 limits above, built as TensorFlow builds them (repeated multiplication by 1.1).
const std::vector<double>& default_bucket_limits();

// Bins by the bits of each float (a 4096-cell table built from the limits), not by search; with
// AVX2 eight values at a time. The implementations agree exactly on buckets, counts, min and max;
// sum and sum_squares may differ in their last bits (the order of the additions).
Histogram make_histogram(const float* values, std::size_t count);
// The same, large arrays split into fixed chunks run by `parallel_for` (fn(n, body) calls
// body(begin, end) over sub-ranges of [0, n), e.g. on a thread pool) and merged in order, so the
// result does not depend on the number of threads.
using ParallelFor =
    std::function<void(int64_t n, const std::function<void(int64_t begin, int64_t end)>& body)>;
Histogram make_histogram(const float* values, std::size_t count, const ParallelFor& parallel_for);
// The implementations behind make_histogram(), for tests and benchmarks.
Histogram make_histogram_portable(const float* values, std::size_t count);
bool histogram_avx2_available();
Histogram make_histogram_avx2(const float* values, std::size_t count);  // only if available

// numpy.histogram(values, bins) over the finite values, as PyTorch's add_histogram(bins=N): `bins`
// equal-width bins from min to max (min - 0.5 to max + 0.5 when they are equal), bin i holding
// [edge[i], edge[i+1]) and the last one closed. bucket_limit is the bins + 1 edges, bucket a 0
// for the first edge (TensorBoard keeps only right limits; this keeps the lower edge visible, as
// PyTorch writes it) then the counts. NaN, Inf and no finite values: as make_histogram. bins >= 1.
Histogram make_histogram_equal_bins(const float* values, std::size_t count, int bins);

}  // namespace layerscope::tensorboard
