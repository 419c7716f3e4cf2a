#include "analysis/fft_repulsion.h"

#include <layerscope/error.h>

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>

namespace layerscope::analysis {
namespace {

// FFTW's planner is not thread-safe (executing plans is): every plan is made and destroyed under
// this lock, whichever estimator or thread asks.
std::mutex& planner_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Arrays from fftwf's allocator all share its SIMD alignment, so a plan made on one runs on any.
template <typename T>
struct FftwFree {
  void operator()(T* p) const { fftwf_free(p); }
};
using RealArray = std::unique_ptr<float[], FftwFree<float>>;
using ComplexArray = std::unique_ptr<fftwf_complex[], FftwFree<fftwf_complex>>;

constexpr int kReal = 5;     // kernel K, kernel K^2, charges 1, x - c, y - c
constexpr int kSpectra = 6;  // their transforms, and K's product with the charge 1

}  // namespace

struct FftRepulsion::Plans {
  fftwf_plan forward = nullptr;  // real size x size -> complex size x (size / 2 + 1)
  fftwf_plan inverse = nullptr;  // and back, unnormalized
  ~Plans() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    if (forward) fftwf_destroy_plan(forward);
    if (inverse) fftwf_destroy_plan(inverse);
  }
};

struct FftRepulsion::Buffers {
  std::size_t real_capacity = 0, complex_capacity = 0;
  RealArray real[kReal];
  ComplexArray spectrum[kSpectra];

  void reserve(int size) {
    const std::size_t real_count = static_cast<std::size_t>(size) * size;
    const std::size_t complex_count = static_cast<std::size_t>(size) * (size / 2 + 1);
    if (real_count <= real_capacity && complex_count <= complex_capacity) return;
    for (int t = 0; t < kSpectra; ++t) {
      if (t < kReal) real[t].reset(fftwf_alloc_real(real_count));
      spectrum[t].reset(fftwf_alloc_complex(complex_count));
      if ((t < kReal && !real[t]) || !spectrum[t])
        throw Error("t-SNE FFT repulsion: out of memory for a " + std::to_string(size) + " x " +
                    std::to_string(size) + " grid");
    }
    real_capacity = real_count;
    complex_capacity = complex_count;
  }
};

int fft_friendly_count(int at_least) {
  for (int count = std::max(at_least, 1);; ++count) {
    int rest = count;
    for (int prime : {2, 3, 5})
      while (rest % prime == 0) rest /= prime;
    if (rest == 1) return count;
  }
}

FftRepulsion::FftRepulsion(FftGridOptions grid) : grid_(grid), buffers_(new Buffers) {
  if (grid_.nodes_per_box < 1 || grid_.min_boxes < 1 || grid_.max_boxes < grid_.min_boxes ||
      !(grid_.max_box_width > 0))
    throw Error("t-SNE FFT repulsion: grid options out of range (expected nodes per box >= 1, " +
                std::string("1 <= min boxes <= max boxes, box width > 0)"));
}

FftRepulsion::~FftRepulsion() = default;

const FftRepulsion::Plans& FftRepulsion::plans_for(int size) {
  auto found = plans_.find(size);
  if (found != plans_.end()) return *found->second;
  auto plans = std::make_unique<Plans>();
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    // FFTW_ESTIMATE picks the algorithm from the sizes alone, without timing trial runs, so the
    // same size always gets the same plan and the same rounding; it also leaves the arrays alone.
    plans->forward = fftwf_plan_dft_r2c_2d(size, size, buffers_->real[0].get(),
                                           buffers_->spectrum[0].get(), FFTW_ESTIMATE);
    plans->inverse = fftwf_plan_dft_c2r_2d(size, size, buffers_->spectrum[0].get(),
                                           buffers_->real[0].get(), FFTW_ESTIMATE);
  }
  if (!plans->forward || !plans->inverse)
    throw Error("t-SNE FFT repulsion: fftw3f could not plan a " + std::to_string(size) + " x " +
                std::to_string(size) + " transform");
  return *plans_.emplace(size, std::move(plans)).first->second;
}

void FftRepulsion::interpolation_weights(const double* y, int64_t n, double lower_x, double lower_y,
                                         double box_width, ThreadPool& pool) {
  const int p = grid_.nodes_per_box;
  first_node_.resize(static_cast<std::size_t>(n) * 2);
  weight_.resize(static_cast<std::size_t>(n) * 2 * p);
  pool.parallel_for(n, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      for (int a = 0; a < 2; ++a) {
        const double at = (y[i * 2 + a] - (a == 0 ? lower_x : lower_y)) / box_width;
        const int box = std::clamp(static_cast<int>(at), 0, boxes_ - 1);
        const double u = at - box;  // in [0, 1] inside the box
        first_node_[i * 2 + a] = box * p;
        // Lagrange basis on the box's nodes at (k + 1/2) / p.
        double* w = &weight_[(i * 2 + a) * p];
        for (int k = 0; k < p; ++k) {
          double value = 1;
          for (int m = 0; m < p; ++m)
            if (m != k) value *= (u - (m + 0.5) / p) / (static_cast<double>(k - m) / p);
          w[k] = value;
        }
      }
  });
}

void FftRepulsion::spread_charges(const double* y, int64_t n, double centre_x, double centre_y,
                                  ThreadPool& pool) {
  const int p = grid_.nodes_per_box;
  const std::size_t grid_bytes = sizeof(float) * static_cast<std::size_t>(size_) * size_;
  // One charge per task, each summed over the points in index order.
  pool.parallel_for(3, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      float* grid = buffers_->real[2 + t].get();
      std::memset(grid, 0, grid_bytes);
      for (int64_t i = 0; i < n; ++i) {
        const double charge = t == 0 ? 1.0 : t == 1 ? y[i * 2] - centre_x : y[i * 2 + 1] - centre_y;
        const double* wx = &weight_[i * 2 * p];
        const double* wy = wx + p;
        float* row =
            grid + static_cast<std::size_t>(first_node_[i * 2]) * size_ + first_node_[i * 2 + 1];
        for (int a = 0; a < p; ++a, row += size_)
          for (int b = 0; b < p; ++b) row[b] += static_cast<float>(wx[a] * wy[b] * charge);
      }
    }
  });
}

void FftRepulsion::sample_kernels(double node_spacing, ThreadPool& pool) {
  // Circulant embedding: offsets 0 .. N-1 at indices 0 .. N-1, offsets -(N-1) .. -1 at
  // N+1 .. 2N-1; index N is never reached by a difference of two nodes and stays 0.
  auto offset = [&](int index) { return index < nodes_ ? index : index - size_; };
  float* kernel = buffers_->real[0].get();
  float* kernel_squared = buffers_->real[1].get();
  pool.parallel_for(size_, 16, [&](int64_t begin, int64_t end) {
    for (int64_t a = begin; a < end; ++a)
      for (int b = 0; b < size_; ++b) {
        const std::size_t at = static_cast<std::size_t>(a) * size_ + b;
        if (a == nodes_ || b == nodes_) {
          kernel[at] = kernel_squared[at] = 0;
          continue;
        }
        const double dx = offset(static_cast<int>(a)) * node_spacing;
        const double dy = offset(b) * node_spacing;
        const double q = 1.0 / (1.0 + dx * dx + dy * dy);
        kernel[at] = static_cast<float>(q);
        kernel_squared[at] = static_cast<float>(q * q);
      }
  });
}

void FftRepulsion::convolve(bool new_kernels, ThreadPool& pool) {
  const Plans& plans = plans_for(size_);
  Buffers& buffers = *buffers_;
  // Whole transforms side by side: each runs the same plan on its own arrays. Arrays 0 and 1
  // hold the kernels, 2 to 4 the charges.
  const int first = new_kernels ? 0 : 2;
  pool.parallel_for(kReal - first, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = first + begin; t < first + end; ++t)
      fftwf_execute_dft_r2c(plans.forward, buffers.real[t].get(), buffers.spectrum[t].get());
  });
  const int64_t rows = size_, columns = size_ / 2 + 1;
  using Complex = std::complex<float>;
  // fftwf_complex is float[2], laid out as std::complex<float> (FFTW's documented guarantee).
  auto spectrum = [&](int t) { return reinterpret_cast<Complex*>(buffers.spectrum[t].get()); };
  const Complex *kernel = spectrum(0), *kernel_squared = spectrum(1);
  Complex *ones = spectrum(2), *xs = spectrum(3), *ys = spectrum(4), *sums = spectrum(5);
  pool.parallel_for(rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t e = begin * columns; e < end * columns; ++e) {
      sums[e] = kernel[e] * ones[e];
      ones[e] *= kernel_squared[e];
      xs[e] *= kernel_squared[e];
      ys[e] *= kernel_squared[e];
    }
  });
  // Inverses into the charge arrays and array 0 (the kernel itself is no longer needed).
  static constexpr int kFrom[] = {5, 2, 3, 4}, kTo[] = {0, 2, 3, 4};
  pool.parallel_for(4, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t)
      fftwf_execute_dft_c2r(plans.inverse, buffers.spectrum[kFrom[t]].get(),
                            buffers.real[kTo[t]].get());
  });
}

double FftRepulsion::interpolate(const double* y, int64_t n, double centre_x, double centre_y,
                                 double* force, ThreadPool& pool) {
  const int p = grid_.nodes_per_box;
  // The inverse transforms are unnormalized.
  const double scale = 1.0 / (static_cast<double>(size_) * size_);
  const float* sums[4] = {buffers_->real[0].get(), buffers_->real[2].get(), buffers_->real[3].get(),
                          buffers_->real[4].get()};
  per_point_z_.resize(n);
  pool.parallel_for(n, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const double* wx = &weight_[i * 2 * p];
      const double* wy = wx + p;
      const std::size_t first =
          static_cast<std::size_t>(first_node_[i * 2]) * size_ + first_node_[i * 2 + 1];
      double phi[4] = {0, 0, 0, 0};
      for (int a = 0; a < p; ++a)
        for (int b = 0; b < p; ++b) {
          const double w = wx[a] * wy[b];
          const std::size_t at = first + static_cast<std::size_t>(a) * size_ + b;
          for (int t = 0; t < 4; ++t) phi[t] += w * sums[t][at];
        }
      for (double& v : phi) v *= scale;
      per_point_z_[i] = phi[0] - 1.0;  // less the point's own K(0) = 1
      force[i * 2] = (y[i * 2] - centre_x) * phi[1] - phi[2];
      force[i * 2 + 1] = (y[i * 2 + 1] - centre_y) * phi[1] - phi[3];
    }
  });
  double z = 0;  // in index order, so the same for any thread count
  for (double v : per_point_z_) z += v;
  return z;
}

double FftRepulsion::estimate(const double* y, int64_t n, double* force, ThreadPool& pool) {
  double lower_x = std::numeric_limits<double>::infinity(), upper_x = -lower_x;
  double lower_y = lower_x, upper_y = upper_x;
  for (int64_t i = 0; i < n; ++i) {
    lower_x = std::min(lower_x, y[i * 2]);
    upper_x = std::max(upper_x, y[i * 2]);
    lower_y = std::min(lower_y, y[i * 2 + 1]);
    upper_y = std::max(upper_y, y[i * 2 + 1]);
  }
  double side = std::max(upper_x - lower_x, upper_y - lower_y);
  if (!std::isfinite(side))
    throw Error("t-SNE FFT repulsion: the embedding has a NaN or Inf coordinate");
  // All points at one place still need boxes of some width.
  if (!(side > 0)) side = 1e-6;
  // Boxes of exactly the widest width once the embedding needs more than the minimum count of
  // them: the grid then overhangs the points a little, but the node spacing stays the same from
  // one iteration to the next, and so do the kernels' transforms, which are kept.
  double box_width = side / grid_.min_boxes;
  boxes_ = grid_.min_boxes;
  if (box_width > grid_.max_box_width) {
    box_width = grid_.max_box_width;
    boxes_ = static_cast<int>(std::ceil(side / box_width));
    if (boxes_ > grid_.max_boxes) {
      boxes_ = grid_.max_boxes;
      box_width = side / boxes_;
    }
    boxes_ = fft_friendly_count(boxes_);
  }
  nodes_ = boxes_ * grid_.nodes_per_box;
  size_ = 2 * nodes_;
  buffers_->reserve(size_);
  const double centre_x = (lower_x + upper_x) / 2, centre_y = (lower_y + upper_y) / 2;
  const double grid_side = boxes_ * box_width;
  lower_x = centre_x - grid_side / 2;
  lower_y = centre_y - grid_side / 2;

  const double node_spacing = box_width / grid_.nodes_per_box;
  const bool same_kernels = size_ == kernel_size_ && node_spacing == kernel_spacing_;
  interpolation_weights(y, n, lower_x, lower_y, box_width, pool);
  spread_charges(y, n, centre_x, centre_y, pool);
  if (!same_kernels) {
    sample_kernels(node_spacing, pool);
    kernel_size_ = size_;
    kernel_spacing_ = node_spacing;
  }
  convolve(!same_kernels, pool);
  return interpolate(y, n, centre_x, centre_y, force, pool);
}

}  // namespace layerscope::analysis
