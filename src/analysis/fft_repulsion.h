#pragma once
// The t-SNE repulsion in 2-D by FFT-accelerated interpolation (FIt-SNE: Linderman, Rachh,
// Hoskins, Steinerberger and Kluger 2019, "Fast interpolation-based t-SNE for improved
// visualization of single-cell RNA-seq data", Nature Methods; arXiv 1712.09005).
//
// A square grid of boxes x boxes boxes, centred on the embedding, covers it: boxes of at most one
// unit, at least 50 of them per side. Each box holds p x p equispaced Lagrange interpolation
// nodes, so the nodes form one equispaced grid of N = boxes * p per side.
// Each point's charges are spread onto the 3 x 3 nodes of its box with its interpolation weights;
// the sums over nodes of kernel(node, node') * charge(node') are one 2-D convolution with the
// kernel sampled at the node spacing, done by FFT on a zero-padded 2N x 2N grid (circulant
// embedding); the results are interpolated back to the points with the same weights. With
// K = 1 / (1 + d^2):
//   Z_i     = sum_j K(y_i, y_j) - 1                       (kernel K, charge 1)
//   force_i = (y_i - c) sum_j K^2 - sum_j K^2 (y_j - c)   (kernel K^2, charges 1, x - c, y - c)
// where c, the grid's centre, keeps the charges small. Cost: O(n) for spreading and
// interpolating plus three forward and four inverse FFTs of (2N)^2 points, whatever n is, and
// two more forward ones when the grid changes (the kernels' transforms are kept otherwise).
//
// FFTs are fftw3f's, planned with FFTW_ESTIMATE (no timing, so the same plan every run) once per
// grid size; the pool runs whole transforms side by side, so every number is computed the same
// way whatever the thread count.
#include "analysis/repulsion.h"
#include "analysis/thread_pool.h"

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace layerscope::analysis {

struct FftGridOptions {
  int nodes_per_box = 3;     // interpolation nodes per box and dimension (p)
  double max_box_width = 1;  // in embedding units: the paper's one interval per unit
  int min_boxes = 50;        // per dimension, however small the embedding
  // Per dimension: bounds memory (about 40 (6 * boxes)^2 bytes) when an embedding spreads far
  // beyond the usual hundred or two units; boxes then grow wider and less accurate.
  int max_boxes = 400;
};

class FftRepulsion : public RepulsionEstimator {
 public:
  explicit FftRepulsion(FftGridOptions grid = {});
  ~FftRepulsion() override;
  double estimate(const double* y, int64_t n, double* force, ThreadPool& pool) override;

  // Boxes per dimension chosen by the last estimate.
  int boxes() const { return boxes_; }

 private:
  struct Plans;    // fftw3f plans for one grid size
  struct Buffers;  // fftw3f-aligned arrays for the current grid size

  void interpolation_weights(const double* y, int64_t n, double lower_x, double lower_y,
                             double box_width, ThreadPool& pool);
  void spread_charges(const double* y, int64_t n, double centre_x, double centre_y,
                      ThreadPool& pool);
  void sample_kernels(double node_spacing, ThreadPool& pool);
  void convolve(bool new_kernels, ThreadPool& pool);
  double interpolate(const double* y, int64_t n, double centre_x, double centre_y, double* force,
                     ThreadPool& pool);
  const Plans& plans_for(int size);

  FftGridOptions grid_;
  int boxes_ = 0;
  int nodes_ = 0;  // per side of the node grid: boxes * p
  int size_ = 0;   // per side of the padded FFT grid: 2 * nodes
  std::map<int, std::unique_ptr<Plans>> plans_;
  std::unique_ptr<Buffers> buffers_;
  int kernel_size_ = 0;  // the grid size and node spacing the kernels' transforms are for
  double kernel_spacing_ = 0;
  std::vector<int32_t> first_node_;  // per point: its box's first node in x, then in y
  std::vector<double> weight_;       // per point: p weights in x, then p in y
  std::vector<double> per_point_z_;
};

// The smallest count >= at_least whose only prime factors are 2, 3 and 5, so 2 * p * count stays
// a size FFTs are fast at.
int fft_friendly_count(int at_least);

}  // namespace layerscope::analysis
