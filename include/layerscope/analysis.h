#pragma once
// Dimensionality reduction on contiguous float buffers: PCA and t-SNE.
//
//   // x: n rows of d floats, row-major
//   layerscope::PcaResult p = layerscope::pca(x.data(), n, d, {.components = 2});
//   std::cout << p.explained_variance_ratio[0];
//
//   layerscope::TsneResult t = layerscope::tsne(x.data(), n, d, {.perplexity = 30, .seed = 1});
//   std::cout << "KL " << t.kl_divergence;  // t.embedding: n rows of 2 floats
//
// Both throw layerscope::Error for bad input: a NaN or Inf (naming its row and column), too few
// rows, or options out of range. The same input, options and seed give the same result bit for bit,
// whatever the thread count.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace layerscope {

enum class PcaSolver {
  Auto,        // Exact for small dimensions or many components, else Randomized
  Exact,       // eigendecomposition of the covariance (or of the Gram matrix when rows < columns)
  Randomized,  // randomized SVD (Halko, Martinsson, Tropp 2011) with power iterations
};

struct PcaOptions {
  int components = 2;   // 1 .. min(rows, columns)
  bool whiten = false;  // scale each component of the embedding to unit variance
  PcaSolver solver = PcaSolver::Auto;
  int oversamples = 10;       // randomized: extra directions sampled beyond `components`
  int power_iterations = -1;  // randomized: -1 picks 7 for few components, else 4 (as sklearn)
  uint64_t seed = 0;          // randomized: the random test matrix
};

struct PcaResult {
  int64_t rows = 0, columns = 0, components = 0;
  std::vector<float> embedding;  // rows x components: the centered data projected (or whitened)
  std::vector<float> basis;      // components x columns: unit principal axes, by variance
  std::vector<float> mean;       // columns
  std::vector<double> explained_variance;        // per component, with ddof = 1
  std::vector<double> explained_variance_ratio;  // of the total variance (sums to 1 over all)
  double total_variance = 0;                     // sum of the columns' variances
  PcaSolver solver_used = PcaSolver::Exact;
  std::vector<std::string> warnings;  // e.g. components of zero variance left unwhitened
};

PcaResult pca(const float* data, int64_t rows, int64_t columns, const PcaOptions& options = {});

enum class TsneInit { Pca, Random };
// How the repulsive forces are estimated each iteration.
enum class TsneRepulsion {
  Auto,       // Fft in 2-D from kFftRepulsionMinRows rows on, BarnesHut otherwise
  BarnesHut,  // quadtree (2-D) / octree (3-D), accuracy set by `theta`
  Fft,        // FFT-accelerated interpolation (FIt-SNE, Linderman et al. 2019): 2-D only
  Exact,      // every pair: O(n^2), for small inputs and checks
};
// Where Auto switches from Barnes-Hut to FFT interpolation. The FFT grid costs about the same
// for few points as for many: 750 iterations on one thread took 6.1 s (tree) against 7.4 s (FFT)
// at 5,000 rows of a 50-D mixture, 14.7 s against 10.4 s at 10,000 (CPU time).
constexpr int64_t kFftRepulsionMinRows = 8000;
// When the input has too few rows for the perplexity (k = 3 * perplexity neighbours needed).
enum class PerplexityPolicy {
  Lower,  // lower it to (rows - 1) / 3 and add a warning saying so
  Error,  // throw Error
};

struct TsneOptions {
  int dimensions = 2;  // 2 or 3
  double perplexity = 30;
  PerplexityPolicy too_few_rows = PerplexityPolicy::Lower;
  TsneRepulsion repulsion = TsneRepulsion::Auto;
  double theta = 0.5;    // Barnes-Hut only
  int iterations = 750;  // in all, including the early exaggeration phase
  int exaggeration_iterations = 250;
  double early_exaggeration = 12;
  double learning_rate = 0;       // 0: max(200, rows / early_exaggeration)
  double initial_momentum = 0.5;  // during early exaggeration
  double final_momentum = 0.8;
  TsneInit init = TsneInit::Pca;  // scaled to standard deviation 1e-4 either way
  uint64_t seed = 0;
  int threads = 0;    // 0: all hardware threads
  int kl_every = 50;  // KL divergence recorded every this many iterations (0: only at the end)
  // Called after each iteration with the number done; return false to stop early.
  std::function<bool(int iteration)> on_iteration;
};

struct TsneKl {
  int iteration;  // iterations done when measured
  double kl;      // against the un-exaggerated affinities
};

struct TsneResult {
  int64_t rows = 0;
  int dimensions = 2;
  std::vector<float> embedding;  // rows x dimensions
  double kl_divergence = 0;      // final KL(P || Q) over the neighbour affinities
  std::vector<TsneKl> kl_history;
  double perplexity = 0;  // the perplexity used (lowered for small inputs)
  int neighbours = 0;     // k nearest neighbours per point
  int iterations = 0;     // done
  double learning_rate = 0;
  TsneRepulsion repulsion = TsneRepulsion::BarnesHut;  // the method used (never Auto)
  std::vector<std::string> warnings;
};

TsneResult tsne(const float* data, int64_t rows, int64_t columns, const TsneOptions& options = {});

}  // namespace layerscope
