// PCA. The exact solver eigendecomposes the covariance (d x d), or the Gram matrix (n x n) when
// there are fewer rows than columns, accumulated in double over blocks of the input so only one
// block is ever converted. The randomized solver follows Halko, Martinsson and Tropp (2011,
// algorithm 4.4): a Gaussian test matrix, power iterations re-orthonormalized by QR each half
// step, then the SVD of the small projected matrix; centering is applied implicitly (rank-one
// corrections), so the input is never copied.
#include "analysis/input_check.h"
#include "analysis/lapack.h"
#include "analysis/random.h"

#include <layerscope/analysis.h>
#include <layerscope/error.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace layerscope {
namespace {

using analysis::Random;
namespace la = analysis::lapack;

constexpr int64_t kBlock = 1024;  // rows (or columns) converted to double at a time

struct Centering {
  std::vector<double> mean;
  double total_variance = 0;
};

Centering center_of(const float* x, int64_t n, int64_t d) {
  Centering c;
  c.mean.assign(d, 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < d; ++j) c.mean[j] += x[r * d + j];
  for (auto& m : c.mean) m /= static_cast<double>(n);
  std::vector<double> squares(d, 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < d; ++j) {
      const double v = x[r * d + j] - c.mean[j];
      squares[j] += v * v;
    }
  for (double s : squares) c.total_variance += s / static_cast<double>(n - 1);
  return c;
}

// Rows [r0, r1) centered, in double: column-major d x (r1 - r0).
void centered_rows(const float* x, int64_t d, const std::vector<double>& mean, int64_t r0,
                   int64_t r1, std::vector<double>& out) {
  out.resize(static_cast<std::size_t>((r1 - r0) * d));
  for (int64_t r = r0; r < r1; ++r)
    for (int64_t j = 0; j < d; ++j) out[(r - r0) * d + j] = x[r * d + j] - mean[j];
}

// Columns [c0, c1) of every row, centered, in double: column-major (c1 - c0) x n.
void centered_columns(const float* x, int64_t n, int64_t d, const std::vector<double>& mean,
                      int64_t c0, int64_t c1, std::vector<double>& out) {
  const int64_t width = c1 - c0;
  out.resize(static_cast<std::size_t>(width * n));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < width; ++j) out[r * width + j] = x[r * d + c0 + j] - mean[c0 + j];
}

int as_int(int64_t v) { return static_cast<int>(v); }

// Fills basis (k x d row-major), singular values (so explained variance) and scores (n x k
// row-major, unwhitened) from the covariance.
void exact_covariance(const float* x, int64_t n, int64_t d, int k, const Centering& c,
                      PcaResult& out, std::vector<double>& variances) {
  const la::Functions& f = la::functions();
  const int di = as_int(d);
  std::vector<double> cov(static_cast<std::size_t>(d * d), 0.0), block;
  const double one = 1, zero = 0;
  for (int64_t r0 = 0; r0 < n; r0 += kBlock) {
    const int64_t r1 = std::min(n, r0 + kBlock);
    centered_rows(x, d, c.mean, r0, r1, block);
    const int rows = as_int(r1 - r0);
    f.dsyrk("U", "N", &di, &rows, &one, block.data(), &di, &one, cov.data(), &di, 1, 1);
  }
  std::vector<double> values(k), vectors(static_cast<std::size_t>(d * k));
  la::symmetric_top_eigen(cov.data(), di, k, values.data(), vectors.data());
  for (int j = 0; j < k; ++j) {
    variances[j] = std::max(0.0, values[j]) / static_cast<double>(n - 1);
    for (int64_t t = 0; t < d; ++t) out.basis[j * d + t] = static_cast<float>(vectors[j * d + t]);
  }
  std::vector<double> scores;
  for (int64_t r0 = 0; r0 < n; r0 += kBlock) {
    const int64_t r1 = std::min(n, r0 + kBlock);
    centered_rows(x, d, c.mean, r0, r1, block);
    const int rows = as_int(r1 - r0);
    scores.resize(static_cast<std::size_t>(rows) * k);
    f.dgemm("T", "N", &k, &rows, &di, &one, vectors.data(), &di, block.data(), &di, &zero,
            scores.data(), &k, 1, 1);
    for (int64_t i = 0; i < rows * k; ++i)
      out.embedding[r0 * k + i] = static_cast<float>(scores[i]);
  }
}

// The same from the n x n Gram matrix, for n < d: X = U S V^T, scores U S, axes X^T U / S.
void exact_gram(const float* x, int64_t n, int64_t d, int k, const Centering& c, PcaResult& out,
                std::vector<double>& variances) {
  const la::Functions& f = la::functions();
  const int ni = as_int(n);
  std::vector<double> gram(static_cast<std::size_t>(n * n), 0.0), block;
  const double one = 1, zero = 0;
  for (int64_t c0 = 0; c0 < d; c0 += kBlock) {
    const int64_t c1 = std::min(d, c0 + kBlock);
    centered_columns(x, n, d, c.mean, c0, c1, block);
    const int width = as_int(c1 - c0);
    f.dsyrk("U", "T", &ni, &width, &one, block.data(), &width, &one, gram.data(), &ni, 1, 1);
  }
  std::vector<double> values(k), u(static_cast<std::size_t>(n * k));
  la::symmetric_top_eigen(gram.data(), ni, k, values.data(), u.data());
  std::vector<double> singular(k);
  for (int j = 0; j < k; ++j) {
    singular[j] = std::sqrt(std::max(0.0, values[j]));
    variances[j] = std::max(0.0, values[j]) / static_cast<double>(n - 1);
    for (int64_t i = 0; i < n; ++i)
      out.embedding[i * k + j] = static_cast<float>(u[j * n + i] * singular[j]);
  }
  const double tiny = singular[0] * 1e-10;
  std::vector<double> axes;
  for (int64_t c0 = 0; c0 < d; c0 += kBlock) {
    const int64_t c1 = std::min(d, c0 + kBlock);
    centered_columns(x, n, d, c.mean, c0, c1, block);
    const int width = as_int(c1 - c0);
    axes.resize(static_cast<std::size_t>(width) * k);
    f.dgemm("N", "N", &width, &k, &ni, &one, block.data(), &width, u.data(), &ni, &zero,
            axes.data(), &width, 1, 1);
    for (int j = 0; j < k; ++j)
      for (int t = 0; t < width; ++t)
        out.basis[j * d + c0 + t] =
            singular[j] > tiny ? static_cast<float>(axes[j * width + t] / singular[j]) : 0.0f;
  }
}

// Y (n x l, column-major) = Xc * omega (d x l): X as stored is column-major d x n.
void times_centered(const float* x, int64_t n, int64_t d, const std::vector<float>& meanf,
                    const std::vector<float>& omega, int l, std::vector<float>& y) {
  const la::Functions& f = la::functions();
  const int ni = as_int(n), di = as_int(d);
  const float one = 1, zero = 0;
  y.resize(static_cast<std::size_t>(n * l));
  f.sgemm("T", "N", &ni, &l, &di, &one, x, &di, omega.data(), &di, &zero, y.data(), &ni, 1, 1);
  for (int j = 0; j < l; ++j) {
    double shift = 0;
    for (int64_t t = 0; t < d; ++t) shift += static_cast<double>(meanf[t]) * omega[j * d + t];
    for (int64_t i = 0; i < n; ++i) y[j * n + i] -= static_cast<float>(shift);
  }
}

// Z (d x l, column-major) = Xc^T * q (n x l).
void transpose_times_centered(const float* x, int64_t n, int64_t d, const std::vector<float>& meanf,
                              const std::vector<float>& q, int l, std::vector<float>& z) {
  const la::Functions& f = la::functions();
  const int ni = as_int(n), di = as_int(d);
  const float one = 1, zero = 0;
  z.resize(static_cast<std::size_t>(d * l));
  f.sgemm("N", "N", &di, &l, &ni, &one, x, &di, q.data(), &ni, &zero, z.data(), &di, 1, 1);
  for (int j = 0; j < l; ++j) {
    double column_sum = 0;
    for (int64_t i = 0; i < n; ++i) column_sum += q[j * n + i];
    for (int64_t t = 0; t < d; ++t) z[j * d + t] -= static_cast<float>(meanf[t] * column_sum);
  }
}

// Orthonormalizes the columns of a float matrix in double precision, in place.
void orthonormalize(std::vector<float>& a, int64_t rows, int columns) {
  std::vector<double> tmp(a.begin(), a.end());
  la::orthonormalize_columns(tmp.data(), as_int(rows), columns);
  std::copy(tmp.begin(), tmp.end(), a.begin());
}

void randomized(const float* x, int64_t n, int64_t d, int k, const PcaOptions& options,
                const Centering& c, PcaResult& out, std::vector<double>& variances) {
  const int64_t smaller = std::min(n, d);
  const int l = as_int(std::min<int64_t>(smaller, k + std::max(0, options.oversamples)));
  const int power = options.power_iterations >= 0            ? options.power_iterations
                    : k < 0.1 * static_cast<double>(smaller) ? 7
                                                             : 4;
  const std::vector<float> meanf(c.mean.begin(), c.mean.end());
  Random random(options.seed);
  std::vector<float> omega(static_cast<std::size_t>(d * l));
  for (auto& v : omega) v = static_cast<float>(random.normal());
  std::vector<float> q, z;
  times_centered(x, n, d, meanf, omega, l, q);
  orthonormalize(q, n, l);
  for (int it = 0; it < power; ++it) {
    transpose_times_centered(x, n, d, meanf, q, l, z);
    orthonormalize(z, d, l);
    times_centered(x, n, d, meanf, z, l, q);
    orthonormalize(q, n, l);
  }
  // B^T = Xc^T Q (d x l) = Ub S Vb^T, so Xc ~ Q B = (Q Vb) S Ub^T.
  transpose_times_centered(x, n, d, meanf, q, l, z);
  std::vector<double> bt(z.begin(), z.end()), ub(static_cast<std::size_t>(d * l)), s(l),
      vbt(static_cast<std::size_t>(l) * l);
  la::thin_svd(bt.data(), as_int(d), l, ub.data(), s.data(), vbt.data());
  for (int j = 0; j < k; ++j) {
    variances[j] = s[j] * s[j] / static_cast<double>(n - 1);
    for (int64_t t = 0; t < d; ++t) out.basis[j * d + t] = static_cast<float>(ub[j * d + t]);
  }
  // scores[i][j] = s_j * sum_t Q[i, t] Vbt[j, t]
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) {
      double sum = 0;
      for (int t = 0; t < l; ++t) sum += static_cast<double>(q[t * n + i]) * vbt[t * l + j];
      out.embedding[i * k + j] = static_cast<float>(sum * s[j]);
    }
}

}  // namespace

PcaResult pca(const float* data, int64_t rows, int64_t columns, const PcaOptions& options) {
  analysis::check_input_matrix(data, rows, columns, 2, "PCA");
  const int64_t smaller = std::min(rows, columns);
  if (options.components < 1 || options.components > smaller)
    throw Error("PCA components " + std::to_string(options.components) +
                " out of range: expected 1 to " + std::to_string(smaller) + " for " +
                std::to_string(rows) + " rows of " + std::to_string(columns) + " columns");
  if (std::max(rows, columns) > std::numeric_limits<int>::max() / 2)
    throw Error("PCA input of " + std::to_string(rows) + " x " + std::to_string(columns) +
                " is too large for the BLAS interface (32-bit sizes)");
  const int k = options.components;

  PcaResult out;
  out.rows = rows;
  out.columns = columns;
  out.components = k;
  out.embedding.assign(static_cast<std::size_t>(rows * k), 0.0f);
  out.basis.assign(static_cast<std::size_t>(k * columns), 0.0f);
  const Centering centering = center_of(data, rows, columns);
  out.mean.assign(centering.mean.begin(), centering.mean.end());
  out.total_variance = centering.total_variance;

  PcaSolver solver = options.solver;
  if (solver == PcaSolver::Auto) {
    // Exact costs about n*d*min(n,d) flops, randomized about 4*(q+1)*n*d*l: exact unless the
    // smaller dimension is well beyond the sampled directions.
    const int64_t sampled = std::min<int64_t>(smaller, k + options.oversamples);
    solver = (smaller <= 32 * sampled || k >= 0.8 * static_cast<double>(smaller))
                 ? PcaSolver::Exact
                 : PcaSolver::Randomized;
  }
  out.solver_used = solver;
  std::vector<double> variances(k, 0.0);
  if (solver == PcaSolver::Randomized)
    randomized(data, rows, columns, k, options, centering, out, variances);
  else if (rows < columns)
    exact_gram(data, rows, columns, k, centering, out, variances);
  else
    exact_covariance(data, rows, columns, k, centering, out, variances);

  // Signs: each axis points so its largest-magnitude entry is positive (a reproducible choice).
  for (int j = 0; j < k; ++j) {
    float* axis = out.basis.data() + j * columns;
    const float* largest = std::max_element(
        axis, axis + columns, [](float a, float b) { return std::fabs(a) < std::fabs(b); });
    if (*largest >= 0) continue;
    for (int64_t t = 0; t < columns; ++t) axis[t] = -axis[t];
    for (int64_t i = 0; i < rows; ++i) out.embedding[i * k + j] = -out.embedding[i * k + j];
  }

  out.explained_variance = variances;
  out.explained_variance_ratio.assign(k, 0.0);
  if (out.total_variance > 0)
    for (int j = 0; j < k; ++j) out.explained_variance_ratio[j] = variances[j] / out.total_variance;
  else
    out.warnings.push_back("every column is constant: the data has no variance to explain");

  if (options.whiten) {
    const double floor = 1e-12 * std::max(out.total_variance, 1e-300);
    for (int j = 0; j < k; ++j) {
      if (variances[j] <= floor) {
        out.warnings.push_back("component " + std::to_string(j + 1) +
                               " has zero variance: left unwhitened");
        continue;
      }
      const double scale = 1.0 / std::sqrt(variances[j]);
      for (int64_t i = 0; i < rows; ++i)
        out.embedding[i * k + j] = static_cast<float>(out.embedding[i * k + j] * scale);
    }
  }
  return out;
}

}  // namespace layerscope
