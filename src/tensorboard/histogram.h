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
#include <vector>

namespace layerscope::tensorboard {

struct Histogram {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit;  // increasing; bucket[i] counts values below bucket_limit[i]
  std::vector<double> bucket;
  int64_t nan_count = 0, pos_inf_count = 0, neg_inf_count = 0;
};

// The 1551 limits above, built as TensorFlow builds them (repeated multiplication by 1.1).
const std::vector<double>& default_bucket_limits();

Histogram make_histogram(const float* values, std::size_t count);

// numpy.histogram(values, bins) over the finite values, as PyTorch's add_histogram(bins=N): `bins`
// equal-width bins from min to max (min - 0.5 to max + 0.5 when they are equal), bin i holding
// [edge[i], edge[i+1]) and the last one closed. bucket_limit is the bins + 1 edges, bucket a 0
// for the first edge (TensorBoard keeps only right limits; this keeps the lower edge visible, as
// PyTorch writes it) then the counts. NaN, Inf and no finite values: as make_histogram. bins >= 1.
Histogram make_histogram_equal_bins(const float* values, std::size_t count, int bins);

}  // namespace layerscope::tensorboard
