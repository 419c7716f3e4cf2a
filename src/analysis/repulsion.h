#pragma once
// The repulsive half of the t-SNE gradient, behind one interface so estimators can be swapped:
// Barnes-Hut trees, the exact sums, and FFT-accelerated interpolation (fft_repulsion.h).
//
// For embedding points y (n x D row-major) an estimator fills, per point i,
//   force_i = sum_j q_ij^2 (y_i - y_j)   and returns   Z = sum_i sum_{j != i} q_ij,
// with q_ij = 1 / (1 + |y_i - y_j|^2); the gradient's repulsive term is force_i / Z. Results must
// not depend on the pool's thread count.
#include "analysis/space_tree.h"
#include "analysis/thread_pool.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace layerscope::analysis {

class RepulsionEstimator {
 public:
  virtual ~RepulsionEstimator() = default;
  virtual double estimate(const double* y, int64_t n, double* force, ThreadPool& pool) = 0;
};

template <int D>
class BarnesHutRepulsion : public RepulsionEstimator {
 public:
  explicit BarnesHutRepulsion(double theta) : theta_(theta) {}
  double estimate(const double* y, int64_t n, double* force, ThreadPool& pool) override;

 private:
  double theta_;
  SpaceTree<D> tree_;
  std::vector<double> per_point_z_;
};

template <int D>
class ExactRepulsion : public RepulsionEstimator {
 public:
  double estimate(const double* y, int64_t n, double* force, ThreadPool& pool) override;

 private:
  std::vector<double> per_point_z_;
};

// The estimator for `dimensions` (2 or 3); theta < 0 picks the exact one.
std::unique_ptr<RepulsionEstimator> make_repulsion(int dimensions, double theta);

}  // namespace layerscope::analysis
