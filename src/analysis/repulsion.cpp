#include "analysis/repulsion.h"

#include <layerscope/error.h>

#include <algorithm>
#include <string>

namespace layerscope::analysis {
namespace {

// Per-point sums are added up in index order, so Z is the same for any thread count.
double ordered_sum(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum;
}

}  // namespace

template <int D>
double BarnesHutRepulsion<D>::estimate(const double* y, int64_t n, double* force,
                                       ThreadPool& pool) {
  tree_.build(y, n);
  per_point_z_.assign(n, 0.0);
  tree_.repulsion(theta_, force, per_point_z_.data(), pool);
  return ordered_sum(per_point_z_);
}

template <int D>
double ExactRepulsion<D>::estimate(const double* y, int64_t n, double* force, ThreadPool& pool) {
  per_point_z_.assign(n, 0.0);
  pool.parallel_for(n, 32, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double z = 0, f[D] = {};
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        double d[D], d2 = 0;
        for (int a = 0; a < D; ++a) {
          d[a] = y[i * D + a] - y[j * D + a];
          d2 += d[a] * d[a];
        }
        const double q = 1.0 / (1.0 + d2);
        z += q;
        for (int a = 0; a < D; ++a) f[a] += q * q * d[a];
      }
      per_point_z_[i] = z;
      for (int a = 0; a < D; ++a) force[i * D + a] = f[a];
    }
  });
  return ordered_sum(per_point_z_);
}

template class BarnesHutRepulsion<2>;
template class BarnesHutRepulsion<3>;
template class ExactRepulsion<2>;
template class ExactRepulsion<3>;

std::unique_ptr<RepulsionEstimator> make_repulsion(int dimensions, double theta) {
  if (dimensions == 2) {
    if (theta < 0) return std::make_unique<ExactRepulsion<2>>();
    return std::make_unique<BarnesHutRepulsion<2>>(theta);
  }
  if (dimensions == 3) {
    if (theta < 0) return std::make_unique<ExactRepulsion<3>>();
    return std::make_unique<BarnesHutRepulsion<3>>(theta);
  }
  throw Error("t-SNE embeds in 2 or 3 dimensions, not " + std::to_string(dimensions));
}

}  // namespace layerscope::analysis
