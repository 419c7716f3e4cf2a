// t-SNE (van der Maaten and Hinton 2008) with the Barnes-Hut approximation (van der Maaten 2014)
// or, for large 2-D inputs, FFT-accelerated interpolation (Linderman et al. 2019):
// perplexity-calibrated affinities over 3 * perplexity exact nearest neighbours, an estimate of
// the repulsive forces, and gradient descent with momentum and per-coordinate gains as in the
// reference bhtsne. Defaults follow current practice (Kobak and Berens 2019; Belkina et al.
// 2019): PCA initialization scaled to standard deviation 1e-4, learning rate
// max(200, n / early exaggeration), exaggeration 12 for 250 of 750 iterations.
//
// The gradient is written without the constant factor 4 (as bhtsne, openTSNE and FIt-SNE do;
// scikit-learn keeps it and divides its learning rate by 4 instead):
//   dC/dy_i = exaggeration * sum_j p_ij q_ij (y_i - y_j) - sum_j q_ij^2 (y_i - y_j) / Z.
#include "analysis/affinities.h"
#include "analysis/fft_repulsion.h"
#include "analysis/input_check.h"
#include "analysis/neighbours.h"
#include "analysis/random.h"
#include "analysis/repulsion.h"
#include "analysis/thread_pool.h"

#include <layerscope/analysis.h>
#include <layerscope/error.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace layerscope {
namespace {

using namespace analysis;

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

void check_options(const TsneOptions& o) {
  auto bad = [](const std::string& what) { throw Error("t-SNE option " + what); };
  if (o.dimensions != 2 && o.dimensions != 3)
    bad("dimensions " + std::to_string(o.dimensions) + " is not supported: expected 2 or 3");
  if (!(o.perplexity >= 1)) bad("perplexity " + number(o.perplexity) + ": expected at least 1");
  if (!(o.theta >= 0 && o.theta <= 1)) bad("theta " + number(o.theta) + ": expected 0 to 1");
  if (o.iterations < 0) bad("iterations " + std::to_string(o.iterations) + ": expected >= 0");
  if (o.exaggeration_iterations < 0)
    bad("exaggeration iterations " + std::to_string(o.exaggeration_iterations) + ": expected >= 0");
  if (!(o.early_exaggeration > 0))
    bad("early exaggeration " + number(o.early_exaggeration) + ": expected > 0");
  if (!(o.learning_rate >= 0)) bad("learning rate " + number(o.learning_rate) + ": expected >= 0");
  if (o.threads < 0) bad("threads " + std::to_string(o.threads) + ": expected >= 0");
  if (o.repulsion == TsneRepulsion::Fft && o.dimensions != 2)
    bad("repulsion fft works in 2 dimensions, not " + std::to_string(o.dimensions) +
        ": use barnes_hut (or auto) for 3");
}

TsneRepulsion repulsion_for(const TsneOptions& o, int64_t rows) {
  if (o.repulsion != TsneRepulsion::Auto) return o.repulsion;
  return o.dimensions == 2 && rows >= kFftRepulsionMinRows ? TsneRepulsion::Fft
                                                           : TsneRepulsion::BarnesHut;
}

std::unique_ptr<RepulsionEstimator> make_estimator(int dimensions, TsneRepulsion method,
                                                   double theta) {
  if (method == TsneRepulsion::Fft) return std::make_unique<FftRepulsion>();
  return make_repulsion(dimensions, method == TsneRepulsion::Exact ? -1.0 : theta);
}

int sign(double v) { return (v > 0) - (v < 0); }

bool all_rows_identical(const float* data, int64_t rows, int64_t columns) {
  for (int64_t r = 1; r < rows; ++r)
    if (std::memcmp(data, data + r * columns, sizeof(float) * columns) != 0) return false;
  return true;
}

// PCA scores scaled so the first coordinate has standard deviation 1e-4 (as scikit-learn and
// openTSNE do); coordinates PCA cannot give (random init, or fewer columns than dimensions) are
// Gaussian with standard deviation 1e-4.
std::vector<double> initial_embedding(const float* data, int64_t n, int64_t d, int dims,
                                      TsneInit init, uint64_t seed) {
  std::vector<double> y(static_cast<std::size_t>(n * dims), 0.0);
  int from_pca = 0;
  if (init == TsneInit::Pca) {
    PcaOptions options;
    options.components = static_cast<int>(std::min<int64_t>({dims, d, n}));
    options.seed = seed;
    const PcaResult p = pca(data, n, d, options);
    from_pca = options.components;
    double mean = 0, squares = 0;
    for (int64_t i = 0; i < n; ++i) mean += p.embedding[i * from_pca];
    mean /= static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i)
      squares += (p.embedding[i * from_pca] - mean) * (p.embedding[i * from_pca] - mean);
    const double std_dev = std::sqrt(squares / static_cast<double>(n));
    const double scale = std_dev > 0 ? 1e-4 / std_dev : 1.0;
    for (int64_t i = 0; i < n; ++i)
      for (int a = 0; a < from_pca; ++a) y[i * dims + a] = p.embedding[i * from_pca + a] * scale;
  }
  Random random(seed);
  for (int64_t i = 0; i < n; ++i)
    for (int a = from_pca; a < dims; ++a) y[i * dims + a] = random.normal() * 1e-4;
  return y;
}

template <int D>
class Optimizer {
 public:
  Optimizer(const SparseAffinities& p, std::vector<double> y, ThreadPool& pool,
            const TsneOptions& options, double learning_rate, TsneRepulsion method)
      : p_(p),
        n_(p.rows),
        y_(std::move(y)),
        pool_(pool),
        options_(options),
        learning_rate_(learning_rate),
        repulsion_(make_estimator(D, method, options.theta)),
        negative_(y_.size()),
        gradient_(y_.size()),
        update_(y_.size(), 0.0),
        gains_(y_.size(), 1.0),
        kl_terms_(n_),
        y_float_(y_.size()),
        p_float_(p.value.begin(), p.value.end()) {}

  // One gradient step; returns KL(P || Q) at the positions before the step when asked.
  double step(int iteration, bool measure_kl) {
    const bool exaggerating = iteration < options_.exaggeration_iterations;
    const double exaggeration = exaggerating ? options_.early_exaggeration : 1.0;
    const double momentum = exaggerating ? options_.initial_momentum : options_.final_momentum;
    const double z = repulsion_->estimate(y_.data(), n_, negative_.data(), pool_);
    attraction(exaggeration, z, measure_kl);
    // A few flops per coordinate: on one thread, one synchronization fewer per iteration.
    for (int64_t c = 0; c < n_ * D; ++c) {
      // bhtsne's rule: grow the gain while the step keeps going against the gradient.
      gains_[c] = sign(gradient_[c]) != sign(update_[c]) ? gains_[c] + 0.2
                                                         : std::max(gains_[c] * 0.8, 0.01);
      update_[c] = momentum * update_[c] - learning_rate_ * gains_[c] * gradient_[c];
      y_[c] += update_[c];
    }
    recentre();
    return measure_kl ? kl_sum() : 0.0;
  }

  // KL(P || Q) at the current positions.
  double kl_divergence() {
    const double z = repulsion_->estimate(y_.data(), n_, negative_.data(), pool_);
    attraction(1.0, z, true);
    return kl_sum();
  }

  const std::vector<double>& embedding() const { return y_; }

 private:
  // gradient = exaggeration * attraction - negative / z; optionally each point's KL terms.
  //
  // The attraction runs in float over a float copy of the positions (half the memory traffic),
  // with four partial sums in a fixed order; like the repulsion's, its rounding is far below the
  // approximation error. The KL divergence, when asked, is summed in double.
  void attraction(double exaggeration, double z, bool measure_kl) {
    for (std::size_t c = 0; c < y_.size(); ++c) y_float_[c] = static_cast<float>(y_[c]);
    const double log_z = std::log(z);
    pool_.parallel_for(n_, 256, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float* yi = &y_float_[i * D];
        float partial[4][D] = {};
        const int64_t first = p_.row_start[i], last = p_.row_start[i + 1];
        auto pull_of = [&](int64_t entry, float* sum) {
          const float* yj = &y_float_[static_cast<int64_t>(p_.column[entry]) * D];
          float diff[D], d2 = 0;
          for (int a = 0; a < D; ++a) {
            diff[a] = yi[a] - yj[a];
            d2 += diff[a] * diff[a];
          }
          const float pq = p_float_[entry] / (1.0f + d2);
          for (int a = 0; a < D; ++a) sum[a] += pq * diff[a];
        };
        int64_t e = first;
        for (; e + 4 <= last; e += 4)
          for (int t = 0; t < 4; ++t) pull_of(e + t, partial[t]);
        for (; e < last; ++e) pull_of(e, partial[0]);
        for (int a = 0; a < D; ++a) {
          const double pull = (static_cast<double>(partial[0][a]) + partial[1][a]) +
                              (static_cast<double>(partial[2][a]) + partial[3][a]);
          gradient_[i * D + a] = exaggeration * pull - negative_[i * D + a] / z;
        }
        if (!measure_kl) continue;
        // p log(p / (q / Z)) = p (log p + log(1 + d2) + log Z)
        double kl = 0;
        for (e = first; e < last; ++e) {
          const double* a_pos = &y_[i * D];
          const double* b_pos = &y_[static_cast<int64_t>(p_.column[e]) * D];
          double d2 = 0;
          for (int a = 0; a < D; ++a) d2 += (a_pos[a] - b_pos[a]) * (a_pos[a] - b_pos[a]);
          const double p = p_.value[e];
          if (p > 0) kl += p * (std::log(p) + std::log1p(d2) + log_z);
        }
        kl_terms_[i] = kl;
      }
    });
  }

  double kl_sum() const {
    double sum = 0;
    for (double v : kl_terms_) sum += v;
    return sum;
  }

  void recentre() {
    double mean[D] = {};
    for (int64_t i = 0; i < n_; ++i)
      for (int a = 0; a < D; ++a) mean[a] += y_[i * D + a];
    for (int a = 0; a < D; ++a) mean[a] /= static_cast<double>(n_);
    for (int64_t i = 0; i < n_; ++i)
      for (int a = 0; a < D; ++a) y_[i * D + a] -= mean[a];
  }

  const SparseAffinities& p_;
  int64_t n_;
  std::vector<double> y_;
  ThreadPool& pool_;
  const TsneOptions& options_;
  double learning_rate_;
  std::unique_ptr<RepulsionEstimator> repulsion_;
  std::vector<double> negative_, gradient_, update_, gains_, kl_terms_;
  std::vector<float> y_float_, p_float_;
};

template <int D>
void optimize(const SparseAffinities& p, std::vector<double> y, ThreadPool& pool,
              const TsneOptions& options, TsneResult& result) {
  Optimizer<D> optimizer(p, std::move(y), pool, options, result.learning_rate, result.repulsion);
  int done = 0;
  for (int it = 0; it < options.iterations; ++it) {
    const bool measure = options.kl_every > 0 && it > 0 && it % options.kl_every == 0;
    const double kl = optimizer.step(it, measure);
    if (measure) result.kl_history.push_back({it, kl});
    done = it + 1;
    if (options.on_iteration && !options.on_iteration(done)) break;
  }
  result.iterations = done;
  result.kl_divergence = optimizer.kl_divergence();
  result.kl_history.push_back({done, result.kl_divergence});
  const auto& final_y = optimizer.embedding();
  result.embedding.assign(final_y.begin(), final_y.end());
}

}  // namespace

TsneResult tsne(const float* data, int64_t rows, int64_t columns, const TsneOptions& options) {
  check_options(options);
  check_input_matrix(data, rows, columns, 4, "t-SNE");
  if (rows > std::numeric_limits<int32_t>::max())
    throw Error("t-SNE input has " + std::to_string(rows) + " rows: at most 2^31 - 1 supported");
  if (all_rows_identical(data, rows, columns))
    throw Error("t-SNE input: all " + std::to_string(rows) +
                " rows are identical, so there is no structure to embed");

  TsneResult result;
  result.rows = rows;
  result.dimensions = options.dimensions;
  result.perplexity = options.perplexity;
  // k = 3 * perplexity neighbours, as bhtsne and scikit-learn choose.
  if (3 * options.perplexity > static_cast<double>(rows - 1)) {
    const double lowered = static_cast<double>(rows - 1) / 3;
    const std::string needed = "perplexity " + number(options.perplexity) + " needs at least " +
                               number(std::floor(3 * options.perplexity) + 1) +
                               " rows (3 x perplexity + 1)";
    if (options.too_few_rows == PerplexityPolicy::Error)
      throw Error("t-SNE " + needed + "; the input has " + std::to_string(rows) +
                  ": lower the perplexity");
    result.perplexity = lowered;
    result.warnings.push_back(needed + "; the input has " + std::to_string(rows) +
                              ", so it was lowered to " + number(lowered));
  }
  result.neighbours = static_cast<int>(
      std::min<int64_t>(rows - 1, static_cast<int64_t>(3 * result.perplexity + 1)));
  result.learning_rate =
      options.learning_rate > 0
          ? options.learning_rate
          : std::max(200.0, static_cast<double>(rows) / options.early_exaggeration);
  result.repulsion = repulsion_for(options, rows);

  ThreadPool pool(options.threads);
  const NeighbourLists neighbours =
      nearest_neighbours(data, rows, columns, result.neighbours, pool, options.seed);
  const SparseAffinities p =
      symmetrize(neighbours, conditional_affinities(neighbours, result.perplexity, pool));
  std::vector<double> y =
      initial_embedding(data, rows, columns, options.dimensions, options.init, options.seed);
  if (options.dimensions == 2)
    optimize<2>(p, std::move(y), pool, options, result);
  else
    optimize<3>(p, std::move(y), pool, options, result);
  return result;
}

}  // namespace layerscope
