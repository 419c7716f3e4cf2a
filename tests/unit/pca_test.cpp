#include <layerscope/analysis.h>
#include <layerscope/error.h>

#include "analysis/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace layerscope {
namespace {

// Orthonormal axes u, v, w of R^3: a rotation of the standard basis.
const double kU[3] = {2.0 / 3, 2.0 / 3, 1.0 / 3};
const double kV[3] = {-2.0 / 3, 1.0 / 3, 2.0 / 3};
const double kW[3] = {1.0 / 3, -2.0 / 3, 2.0 / 3};

// Six points +-3u, +-2v, +-w, shifted by (10, -5, 1): mean (10, -5, 1), covariance
// (18 uu^T + 8 vv^T + 2 ww^T) / 5, so variances 3.6, 1.6, 0.4 along u, v, w.
std::vector<float> known_covariance_points() {
  std::vector<float> x;
  const double shift[3] = {10, -5, 1};
  for (const auto& [axis, length] : {std::pair{kU, 3.0}, std::pair{kV, 2.0}, std::pair{kW, 1.0}})
    for (double s : {1.0, -1.0})
      for (int a = 0; a < 3; ++a) x.push_back(static_cast<float>(shift[a] + s * length * axis[a]));
  return x;
}

double dot(const float* a, const double* b, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// rows x columns with independent columns of standard deviation `scale[c]` (a decaying spectrum)
// then mixed by adding each column into the next, seeded.
std::vector<float> gaussian_data(int64_t rows, int64_t columns, uint64_t seed, double decay) {
  analysis::Random random(seed);
  std::vector<float> x(static_cast<std::size_t>(rows * columns));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      x[r * columns + c] = static_cast<float>(random.normal() * std::pow(decay, c) + 0.1 * c);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = columns - 1; c > 0; --c) x[r * columns + c] += 0.5f * x[r * columns + c - 1];
  return x;
}

// Checks the defining properties of a PCA result against the data: orthonormal axes, axes are
// eigenvectors of the sample covariance with eigenvalue = explained variance, and the embedding
// is the centered data projected on them.
void expect_consistent(const std::vector<float>& x, const PcaResult& p, double tolerance) {
  const int64_t n = p.rows, d = p.columns, k = p.components;
  std::vector<double> cov(d * d, 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t a = 0; a < d; ++a)
      for (int64_t b = 0; b < d; ++b)
        cov[a * d + b] += (x[r * d + a] - p.mean[a]) * (x[r * d + b] - p.mean[b]) / (n - 1);
  for (int64_t j = 0; j < k; ++j) {
    const float* axis = &p.basis[j * d];
    for (int64_t i = 0; i < k; ++i) {
      double s = 0;
      for (int64_t t = 0; t < d; ++t) s += axis[t] * p.basis[i * d + t];
      EXPECT_NEAR(s, i == j ? 1.0 : 0.0, tolerance) << "axes " << i << ", " << j;
    }
    for (int64_t a = 0; a < d; ++a) {
      double cv = 0;
      for (int64_t b = 0; b < d; ++b) cv += cov[a * d + b] * axis[b];
      EXPECT_NEAR(cv, p.explained_variance[j] * axis[a], tolerance * (1 + p.explained_variance[0]))
          << "component " << j << " is not an eigenvector";
    }
    for (int64_t r = 0; r < n; r += std::max<int64_t>(1, n / 50)) {
      double projected = 0;
      for (int64_t t = 0; t < d; ++t) projected += (x[r * d + t] - p.mean[t]) * axis[t];
      EXPECT_NEAR(p.embedding[r * k + j], projected, tolerance * (1 + std::fabs(projected)));
    }
  }
}

TEST(Pca, RecoversAKnownCovariance) {
  const std::vector<float> x = known_covariance_points();
  const PcaResult p = pca(x.data(), 6, 3, {.components = 3});
  EXPECT_EQ(p.solver_used, PcaSolver::Exact);
  EXPECT_NEAR(p.mean[0], 10, 1e-5);
  EXPECT_NEAR(p.mean[1], -5, 1e-5);
  EXPECT_NEAR(p.mean[2], 1, 1e-5);
  EXPECT_NEAR(p.explained_variance[0], 3.6, 1e-5);
  EXPECT_NEAR(p.explained_variance[1], 1.6, 1e-5);
  EXPECT_NEAR(p.explained_variance[2], 0.4, 1e-5);
  EXPECT_NEAR(p.total_variance, 5.6, 1e-5);
  EXPECT_NEAR(p.explained_variance_ratio[0], 9.0 / 14, 1e-6);
  EXPECT_NEAR(p.explained_variance_ratio[1], 4.0 / 14, 1e-6);
  EXPECT_NEAR(p.explained_variance_ratio[2], 1.0 / 14, 1e-6);
  EXPECT_NEAR(std::fabs(dot(&p.basis[0], kU, 3)), 1, 1e-6);
  EXPECT_NEAR(std::fabs(dot(&p.basis[3], kV, 3)), 1, 1e-6);
  EXPECT_NEAR(std::fabs(dot(&p.basis[6], kW, 3)), 1, 1e-6);
  // The first point is +3u: its scores are (+-3, 0, 0).
  EXPECT_NEAR(std::fabs(p.embedding[0]), 3, 1e-5);
  EXPECT_NEAR(p.embedding[1], 0, 1e-5);
  EXPECT_NEAR(p.embedding[2], 0, 1e-5);
  expect_consistent(x, p, 1e-5);
}

TEST(Pca, SignsAreReproducible) {
  const std::vector<float> x = known_covariance_points();
  const PcaResult p = pca(x.data(), 6, 3, {.components = 3});
  for (int j = 0; j < 3; ++j) {
    const float* axis = &p.basis[j * 3];
    const float largest = *std::max_element(
        axis, axis + 3, [](float a, float b) { return std::fabs(a) < std::fabs(b); });
    EXPECT_GT(largest, 0) << "axis " << j;
  }
}

TEST(Pca, ExplainedVarianceOfAllComponentsSumsToOne) {
  const std::vector<float> x = gaussian_data(500, 12, 3, 0.8);
  const PcaResult p = pca(x.data(), 500, 12, {.components = 12});
  EXPECT_NEAR(
      std::accumulate(p.explained_variance_ratio.begin(), p.explained_variance_ratio.end(), 0.0),
      1.0, 1e-6);
  for (int j = 1; j < 12; ++j)
    EXPECT_LE(p.explained_variance[j], p.explained_variance[j - 1]) << "component " << j;
  expect_consistent(x, p, 1e-4);
}

TEST(Pca, FewerRowsThanColumnsUsesTheGramMatrix) {
  // 10 rows in 40 dimensions: rank 9 once centered, so 9 components explain everything.
  const std::vector<float> x = gaussian_data(10, 40, 5, 0.95);
  const PcaResult p = pca(x.data(), 10, 40, {.components = 9, .solver = PcaSolver::Exact});
  EXPECT_NEAR(
      std::accumulate(p.explained_variance_ratio.begin(), p.explained_variance_ratio.end(), 0.0),
      1.0, 1e-5);
  expect_consistent(x, p, 1e-4);
}

TEST(Pca, WhiteningGivesUnitVarianceUncorrelatedComponents) {
  const std::vector<float> x = gaussian_data(800, 6, 7, 0.6);
  const PcaResult p = pca(x.data(), 800, 6, {.components = 4, .whiten = true});
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b <= a; ++b) {
      double mean_a = 0, mean_b = 0, cov = 0;
      for (int r = 0; r < 800; ++r) {
        mean_a += p.embedding[r * 4 + a] / 800.0;
        mean_b += p.embedding[r * 4 + b] / 800.0;
      }
      for (int r = 0; r < 800; ++r)
        cov += (p.embedding[r * 4 + a] - mean_a) * (p.embedding[r * 4 + b] - mean_b) / 799.0;
      EXPECT_NEAR(cov, a == b ? 1.0 : 0.0, 1e-4) << "components " << a << ", " << b;
    }
}

TEST(Pca, RandomizedAgreesWithExactOnADecayingSpectrum) {
  const int64_t n = 2000, d = 600;
  const std::vector<float> x = gaussian_data(n, d, 11, 0.97);
  const PcaResult exact = pca(x.data(), n, d, {.components = 5, .solver = PcaSolver::Exact});
  const PcaResult fast = pca(x.data(), n, d, {.components = 5, .seed = 4});
  EXPECT_EQ(fast.solver_used, PcaSolver::Randomized);
  for (int j = 0; j < 5; ++j) {
    EXPECT_NEAR(fast.explained_variance[j] / exact.explained_variance[j], 1.0, 1e-3)
        << "component " << j;
    double cosine = 0;
    for (int64_t t = 0; t < d; ++t) cosine += fast.basis[j * d + t] * exact.basis[j * d + t];
    EXPECT_GT(cosine, 0.99) << "component " << j;  // same axis, same sign convention
  }
}

TEST(Pca, ConstantFeatureGetsNoWeight) {
  std::vector<float> x = gaussian_data(300, 5, 13, 0.7);
  std::vector<float> with_constant;
  for (int r = 0; r < 300; ++r) {
    with_constant.insert(with_constant.end(), x.begin() + r * 5, x.begin() + r * 5 + 5);
    with_constant.push_back(42.0f);
  }
  const PcaResult a = pca(x.data(), 300, 5, {.components = 3});
  const PcaResult b = pca(with_constant.data(), 300, 6, {.components = 3});
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(b.basis[j * 6 + 5], 0, 1e-6);
    EXPECT_NEAR(a.explained_variance_ratio[j], b.explained_variance_ratio[j], 1e-6);
  }
}

TEST(Pca, ConstantDataIsReportedAndNotWhitenedIntoNaN) {
  const std::vector<float> x(40, 3.0f);
  const PcaResult p = pca(x.data(), 10, 4, {.components = 2, .whiten = true});
  ASSERT_FALSE(p.warnings.empty());
  for (float v : p.embedding) EXPECT_EQ(v, 0.0f);
  for (double r : p.explained_variance_ratio) EXPECT_EQ(r, 0.0);
}

TEST(Pca, RejectsNaNAndInfNamingTheRow) {
  std::vector<float> x = gaussian_data(20, 4, 1, 1);
  x[5 * 4 + 2] = std::numeric_limits<float>::quiet_NaN();
  try {
    pca(x.data(), 20, 4);
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 5, column 2 is NaN"), std::string::npos) << e.what();
  }
  x[5 * 4 + 2] = 0;
  x[19 * 4] = -std::numeric_limits<float>::infinity();
  EXPECT_THROW(
      {
        try {
          pca(x.data(), 20, 4);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("row 19, column 0 is -Inf"), std::string::npos);
          throw;
        }
      },
      Error);
}

TEST(Pca, RejectsComponentsOutOfRange) {
  const std::vector<float> x = gaussian_data(5, 3, 1, 1);
  EXPECT_THROW(pca(x.data(), 5, 3, {.components = 4}), Error);
  EXPECT_THROW(pca(x.data(), 5, 3, {.components = 0}), Error);
  EXPECT_THROW(pca(x.data(), 1, 3, {.components = 1}), Error);
}

}  // namespace
}  // namespace layerscope
