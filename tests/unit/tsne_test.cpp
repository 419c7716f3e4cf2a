#include <layerscope/analysis.h>
#include <layerscope/error.h>

#include "analysis/affinities.h"
#include "analysis/fft_repulsion.h"
#include "analysis/neighbours.h"
#include "analysis/random.h"
#include "analysis/repulsion.h"
#include "analysis/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace layerscope {
namespace {

struct Clusters {
  int64_t rows = 0, columns = 0;
  std::vector<float> x;
  std::vector<int> label;
};

// `count` Gaussian clusters of `per_cluster` points in `columns` dimensions, unit spread, centres
// `separation` apart along distinct axes.
Clusters gaussian_clusters(int count, int per_cluster, int columns, double separation,
                           uint64_t seed) {
  analysis::Random random(seed);
  Clusters c;
  c.rows = static_cast<int64_t>(count) * per_cluster;
  c.columns = columns;
  for (int k = 0; k < count; ++k)
    for (int p = 0; p < per_cluster; ++p) {
      for (int a = 0; a < columns; ++a)
        c.x.push_back(static_cast<float>(random.normal() + (a == k % columns ? separation : 0)));
      c.label.push_back(k);
    }
  return c;
}

// Fraction of each point's k nearest neighbours in the embedding that share its label.
double knn_label_agreement(const std::vector<float>& y, int dims, const std::vector<int>& label,
                           int k) {
  const int64_t n = static_cast<int64_t>(label.size());
  int64_t agree = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<std::pair<double, int64_t>> d;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      double s = 0;
      for (int a = 0; a < dims; ++a)
        s += (y[i * dims + a] - y[j * dims + a]) * (y[i * dims + a] - y[j * dims + a]);
      d.push_back({s, j});
    }
    std::partial_sort(d.begin(), d.begin() + k, d.end());
    for (int t = 0; t < k; ++t) agree += label[d[t].second] == label[i];
  }
  return static_cast<double>(agree) / (n * k);
}

// Smallest distance between points of different clusters over the largest distance inside one:
// above 1 means every cluster sits apart from the others.
double separation_ratio(const std::vector<float>& y, int dims, const std::vector<int>& label) {
  double within = 0, between = std::numeric_limits<double>::infinity();
  const int64_t n = static_cast<int64_t>(label.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      double s = 0;
      for (int a = 0; a < dims; ++a)
        s += (y[i * dims + a] - y[j * dims + a]) * (y[i * dims + a] - y[j * dims + a]);
      s = std::sqrt(s);
      if (label[i] == label[j])
        within = std::max(within, s);
      else
        between = std::min(between, s);
    }
  return between / within;
}

TEST(Tsne, SeparatesWellSeparatedClusters) {
  const Clusters c = gaussian_clusters(10, 30, 10, 10, 1);
  TsneOptions options;
  options.seed = 3;
  const TsneResult t = tsne(c.x.data(), c.rows, c.columns, options);
  ASSERT_EQ(t.embedding.size(), static_cast<std::size_t>(c.rows * 2));
  for (float v : t.embedding) ASSERT_TRUE(std::isfinite(v));
  EXPECT_EQ(t.iterations, 750);
  EXPECT_EQ(t.neighbours, 91);
  EXPECT_DOUBLE_EQ(t.learning_rate, 200);
  EXPECT_GT(knn_label_agreement(t.embedding, 2, c.label, 10), 0.99);
  EXPECT_GT(separation_ratio(t.embedding, 2, c.label), 2);
  // Ten clusters on the corners of a simplex overlap in any linear 2-D view: PCA cannot do this.
  const PcaResult p = pca(c.x.data(), c.rows, c.columns);
  EXPECT_LT(knn_label_agreement(p.embedding, 2, c.label, 10), 0.9);
  EXPECT_LT(separation_ratio(p.embedding, 2, c.label), 0.1);
  EXPECT_GT(t.kl_divergence, 0);
  EXPECT_LT(t.kl_divergence, 2);
}

TEST(Tsne, EmbedsInThreeDimensions) {
  const Clusters c = gaussian_clusters(4, 50, 10, 12, 2);
  TsneOptions options;
  options.dimensions = 3;
  const TsneResult t = tsne(c.x.data(), c.rows, c.columns, options);
  ASSERT_EQ(t.embedding.size(), static_cast<std::size_t>(c.rows * 3));
  EXPECT_GT(knn_label_agreement(t.embedding, 3, c.label, 10), 0.99);
}

// The embedding with `options` at 1, 2 and 3 threads: the same bits each time.
void expect_same_result_for_any_thread_count(const Clusters& c, TsneOptions options) {
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 3}) {
    options.threads = threads;
    results.push_back(tsne(c.x.data(), c.rows, c.columns, options).embedding);
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
}

TEST(Tsne, SameSeedSameResultForAnyThreadCount) {
  TsneOptions options;
  options.seed = 9;
  expect_same_result_for_any_thread_count(gaussian_clusters(4, 150, 8, 6, 5), options);
}

TEST(Tsne, SeedChangesARandomInitialization) {
  const Clusters c = gaussian_clusters(3, 40, 6, 8, 5);
  TsneOptions options;
  options.init = TsneInit::Random;
  options.iterations = 100;
  options.seed = 1;
  const TsneResult a = tsne(c.x.data(), c.rows, c.columns, options);
  const TsneResult again = tsne(c.x.data(), c.rows, c.columns, options);
  options.seed = 2;
  const TsneResult b = tsne(c.x.data(), c.rows, c.columns, options);
  EXPECT_EQ(a.embedding, again.embedding);
  EXPECT_NE(a.embedding, b.embedding);
}

TEST(Tsne, KlDecreasesOnceExaggerationEnds) {
  const Clusters c = gaussian_clusters(4, 80, 12, 5, 8);
  TsneOptions options;
  options.kl_every = 25;
  const TsneResult t = tsne(c.x.data(), c.rows, c.columns, options);
  std::vector<double> after;
  for (const TsneKl& point : t.kl_history)
    if (point.iteration >= 300) after.push_back(point.kl);
  ASSERT_GE(after.size(), 10u);
  for (std::size_t i = 1; i < after.size(); ++i)
    EXPECT_LE(after[i], after[i - 1] * (1 + 1e-3)) << "measure " << i;
  EXPECT_LT(t.kl_history.back().kl, t.kl_history.front().kl);
  EXPECT_DOUBLE_EQ(t.kl_history.back().kl, t.kl_divergence);
  EXPECT_EQ(t.kl_history.back().iteration, 750);
}

TEST(Tsne, BarnesHutKlIsCloseToTheExactGradientsKl) {
  const Clusters c = gaussian_clusters(3, 70, 10, 8, 21);
  TsneOptions options;
  const TsneResult bh = tsne(c.x.data(), c.rows, c.columns, options);
  options.repulsion = TsneRepulsion::Exact;
  const TsneResult exact = tsne(c.x.data(), c.rows, c.columns, options);
  EXPECT_NEAR(bh.kl_divergence, exact.kl_divergence, 0.05 * exact.kl_divergence);
}

TEST(Tsne, TooFewRowsForThePerplexityLowersItWithAWarning) {
  const Clusters c = gaussian_clusters(2, 10, 5, 10, 4);  // 20 rows, perplexity 30 needs 91
  const TsneResult t = tsne(c.x.data(), c.rows, c.columns);
  EXPECT_NEAR(t.perplexity, 19.0 / 3, 1e-12);
  EXPECT_EQ(t.neighbours, 19);
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_NE(t.warnings[0].find("needs at least 91 rows"), std::string::npos) << t.warnings[0];
  EXPECT_NE(t.warnings[0].find("lowered to 6.33"), std::string::npos) << t.warnings[0];
  EXPECT_GT(knn_label_agreement(t.embedding, 2, c.label, 5), 0.95);

  TsneOptions strict;
  strict.too_few_rows = PerplexityPolicy::Error;
  try {
    tsne(c.x.data(), c.rows, c.columns, strict);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the input has 20"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tsne(c.x.data(), 3, c.columns), Error);  // even perplexity 1 needs 4 rows
}

TEST(Tsne, DuplicateRowsLandTogether) {
  Clusters c = gaussian_clusters(3, 40, 6, 10, 6);
  // Rows 0..9 repeated three more times each.
  for (int copy = 0; copy < 3; ++copy)
    for (int r = 0; r < 10; ++r) {
      c.x.insert(c.x.end(), c.x.begin() + r * 6, c.x.begin() + r * 6 + 6);
      c.label.push_back(c.label[r]);
    }
  c.rows += 30;
  const TsneResult t = tsne(c.x.data(), c.rows, c.columns);
  for (float v : t.embedding) ASSERT_TRUE(std::isfinite(v));
  double spread = 0;  // of the whole embedding, for scale
  for (float v : t.embedding) spread = std::max(spread, std::fabs(static_cast<double>(v)));
  for (int copy = 0; copy < 3; ++copy)
    for (int r = 0; r < 10; ++r) {
      const int64_t dup = 120 + copy * 10 + r;
      const double dx = t.embedding[dup * 2] - t.embedding[r * 2];
      const double dy = t.embedding[dup * 2 + 1] - t.embedding[r * 2 + 1];
      EXPECT_LT(std::hypot(dx, dy), 0.05 * spread) << "row " << dup;
    }
}

TEST(Tsne, AllRowsIdenticalIsAnError) {
  const std::vector<float> x(50 * 3, 1.5f);
  try {
    tsne(x.data(), 50, 3);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("all 50 rows are identical"), std::string::npos)
        << e.what();
  }
}

TEST(Tsne, RejectsNaNNamingTheRow) {
  Clusters c = gaussian_clusters(2, 30, 4, 5, 1);
  c.x[37 * 4 + 1] = std::numeric_limits<float>::infinity();
  try {
    tsne(c.x.data(), c.rows, c.columns);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 37, column 1 is +Inf"), std::string::npos)
        << e.what();
  }
}

TEST(Tsne, ConstantFeaturesDoNotChangeTheAffinities) {
  const Clusters c = gaussian_clusters(3, 40, 5, 8, 2);
  std::vector<float> padded;
  for (int64_t r = 0; r < c.rows; ++r) {
    padded.push_back(7.0f);
    padded.insert(padded.end(), c.x.begin() + r * 5, c.x.begin() + r * 5 + 5);
    padded.push_back(-2.0f);
  }
  analysis::ThreadPool pool(1);
  const auto plain = analysis::nearest_neighbours(c.x.data(), c.rows, 5, 20, pool, 0);
  const auto wide = analysis::nearest_neighbours(padded.data(), c.rows, 7, 20, pool, 0);
  EXPECT_EQ(plain.index, wide.index);
  const TsneResult t = tsne(padded.data(), c.rows, 7);
  EXPECT_GT(knn_label_agreement(t.embedding, 2, c.label, 10), 0.99);
}

TEST(Tsne, RejectsBadOptions) {
  const Clusters c = gaussian_clusters(2, 30, 4, 5, 1);
  TsneOptions o;
  o.dimensions = 4;
  EXPECT_THROW(tsne(c.x.data(), c.rows, c.columns, o), Error);
  o = {};
  o.perplexity = 0.5;
  EXPECT_THROW(tsne(c.x.data(), c.rows, c.columns, o), Error);
  o = {};
  o.theta = 1.5;
  EXPECT_THROW(tsne(c.x.data(), c.rows, c.columns, o), Error);
}

TEST(Tsne, StopsWhenTheCallbackSaysSo) {
  const Clusters c = gaussian_clusters(2, 30, 4, 5, 1);
  TsneOptions o;
  int calls = 0;
  o.on_iteration = [&](int done) {
    ++calls;
    return done < 40;
  };
  const TsneResult t = tsne(c.x.data(), c.rows, c.columns, o);
  EXPECT_EQ(calls, 40);
  EXPECT_EQ(t.iterations, 40);
}

// --- the pieces ---

TEST(TsneNeighbours, VantagePointTreeMatchesBruteForce) {
  const Clusters c = gaussian_clusters(6, 400, 10, 3, 12);
  analysis::ThreadPool pool(2);
  const auto brute = analysis::nearest_neighbours(c.x.data(), c.rows, c.columns, 15, pool, 1,
                                                  analysis::NeighbourSearch::BruteForce);
  const auto tree = analysis::nearest_neighbours(c.x.data(), c.rows, c.columns, 15, pool, 1,
                                                 analysis::NeighbourSearch::VantagePointTree);
  EXPECT_EQ(brute.index, tree.index);
  EXPECT_EQ(brute.squared_distance, tree.squared_distance);
  analysis::ThreadPool three(3);
  const auto tree_on_three = analysis::nearest_neighbours(
      c.x.data(), c.rows, c.columns, 15, three, 1, analysis::NeighbourSearch::VantagePointTree);
  EXPECT_EQ(tree.index, tree_on_three.index);
  for (int64_t i = 0; i < c.rows; ++i) {
    EXPECT_NE(brute.index[i * 15], i);  // the row itself is never its own neighbour
    EXPECT_TRUE(
        std::is_sorted(&brute.squared_distance[i * 15], &brute.squared_distance[i * 15 + 15]));
  }
}

TEST(TsneNeighbours, MatrixProductScanMatchesBruteForce) {
  // More rows than one block of 4096 candidates, with duplicates to tie distances.
  Clusters c = gaussian_clusters(10, 460, 20, 3, 14);
  std::copy(c.x.begin(), c.x.begin() + 20 * c.columns, c.x.end() - 20 * c.columns);
  analysis::ThreadPool pool(2), three(3);
  const auto brute = analysis::nearest_neighbours(c.x.data(), c.rows, c.columns, 30, pool, 1,
                                                  analysis::NeighbourSearch::BruteForce);
  const auto scan = analysis::nearest_neighbours(c.x.data(), c.rows, c.columns, 30, pool, 1,
                                                 analysis::NeighbourSearch::MatrixProducts);
  const auto scan_on_three = analysis::nearest_neighbours(
      c.x.data(), c.rows, c.columns, 30, three, 1, analysis::NeighbourSearch::MatrixProducts);
  EXPECT_EQ(brute.index, scan.index);
  EXPECT_EQ(brute.squared_distance, scan.squared_distance);
  EXPECT_EQ(scan.index, scan_on_three.index);
}

TEST(TsneAffinities, EachRowHasTheTargetPerplexityAndPIsSymmetric) {
  const Clusters c = gaussian_clusters(3, 100, 6, 4, 13);
  analysis::ThreadPool pool(2);
  const auto lists = analysis::nearest_neighbours(c.x.data(), c.rows, c.columns, 45, pool, 0);
  const std::vector<double> conditional = analysis::conditional_affinities(lists, 15, pool);
  for (int64_t i = 0; i < c.rows; ++i) {
    double sum = 0, entropy = 0;
    for (int j = 0; j < 45; ++j) {
      const double p = conditional[i * 45 + j];
      sum += p;
      if (p > 0) entropy -= p * std::log(p);
    }
    EXPECT_NEAR(sum, 1, 1e-9);
    EXPECT_NEAR(std::exp(entropy), 15, 1e-3) << "row " << i;
  }
  const analysis::SparseAffinities p = analysis::symmetrize(lists, conditional);
  double total = 0;
  auto lookup = [&](int64_t i, int32_t j) {
    for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e)
      if (p.column[e] == j) return p.value[e];
    return -1.0;
  };
  for (int64_t i = 0; i < c.rows; ++i)
    for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e) {
      total += p.value[e];
      EXPECT_NE(p.column[e], i);
      EXPECT_DOUBLE_EQ(lookup(p.column[e], static_cast<int32_t>(i)), p.value[e]);
    }
  EXPECT_NEAR(total, 1, 1e-9);
}

template <int D>
void expect_barnes_hut_close_to_exact() {
  analysis::Random random(17);
  const int64_t n = 700;
  std::vector<double> y(n * D);
  for (auto& v : y) v = random.normal() * 5;
  for (int64_t i = 0; i < 20; ++i)  // a few coincident points
    for (int a = 0; a < D; ++a) y[(n - 1 - i) * D + a] = y[a];
  analysis::ThreadPool pool(2);
  std::vector<double> exact_force(n * D), tree_force(n * D), coarse_force(n * D);
  const double exact_z =
      analysis::ExactRepulsion<D>().estimate(y.data(), n, exact_force.data(), pool);
  const double tree_z =
      analysis::BarnesHutRepulsion<D>(0.0).estimate(y.data(), n, tree_force.data(), pool);
  const double coarse_z =
      analysis::BarnesHutRepulsion<D>(0.5).estimate(y.data(), n, coarse_force.data(), pool);
  // theta 0 summarizes nothing: the tree gives the exact sums, to float rounding.
  EXPECT_NEAR(tree_z, exact_z, 1e-5 * exact_z);
  EXPECT_NEAR(coarse_z, exact_z, 0.01 * exact_z);
  double norm = 0, error = 0;
  for (int64_t c = 0; c < n * D; ++c) {
    EXPECT_NEAR(tree_force[c], exact_force[c], 1e-5 * (1 + std::fabs(exact_force[c])));
    norm += exact_force[c] * exact_force[c];
    error += (coarse_force[c] - exact_force[c]) * (coarse_force[c] - exact_force[c]);
  }
  EXPECT_LT(std::sqrt(error / norm), 0.05);
}

TEST(TsneRepulsion, BarnesHutQuadtreeMatchesExactAtThetaZeroAndIsCloseAtHalf) {
  expect_barnes_hut_close_to_exact<2>();
}

TEST(TsneRepulsion, BarnesHutOctreeMatchesExactAtThetaZeroAndIsCloseAtHalf) {
  expect_barnes_hut_close_to_exact<3>();
}

// Relative errors of an estimator's Z and forces (as a whole: |F - F_exact| / |F_exact|) against
// the exact sums, on n points drawn at `spread` around 0 with a few coincident ones.
struct RepulsionErrors {
  double z = 0, force = 0;
};

RepulsionErrors fft_repulsion_errors(int64_t n, double spread, uint64_t seed,
                                     analysis::FftRepulsion& fft) {
  analysis::Random random(seed);
  std::vector<double> y(n * 2);
  for (auto& v : y) v = random.normal() * spread;
  for (int64_t i = 0; i < 10; ++i)
    for (int a = 0; a < 2; ++a) y[(n - 1 - i) * 2 + a] = y[a];
  analysis::ThreadPool pool(2);
  std::vector<double> exact_force(n * 2), fft_force(n * 2);
  const double exact_z =
      analysis::ExactRepulsion<2>().estimate(y.data(), n, exact_force.data(), pool);
  const double fft_z = fft.estimate(y.data(), n, fft_force.data(), pool);
  double norm = 0, error = 0;
  for (int64_t c = 0; c < n * 2; ++c) {
    norm += exact_force[c] * exact_force[c];
    error += (fft_force[c] - exact_force[c]) * (fft_force[c] - exact_force[c]);
  }
  return {std::fabs(fft_z - exact_z) / exact_z, std::sqrt(error / norm)};
}

TEST(TsneFftRepulsion, MatchesTheExactSumsOnACompactEmbedding) {
  // Spread 3: the 50-box minimum makes boxes about a third of a unit wide.
  analysis::FftRepulsion fft;
  const RepulsionErrors e = fft_repulsion_errors(400, 3, 31, fft);
  EXPECT_EQ(fft.boxes(), 50);
  EXPECT_LT(e.z, 1e-4);
  EXPECT_LT(e.force, 1e-3);
}

TEST(TsneFftRepulsion, IsCloseOnAWideEmbeddingAndConvergesAsBoxesShrink) {
  // Spread 10, like a converged embedding of thousands of points: the paper's boxes of one unit
  // with 3 nodes interpolate the steep K^2 of the nearest pairs to a few percent, like Barnes-Hut
  // at theta 0.5 does far ones. Quadratic interpolation's error falls as the box width cubed.
  analysis::FftRepulsion paper;
  const RepulsionErrors e1 = fft_repulsion_errors(600, 10, 32, paper);
  EXPECT_GE(paper.boxes(), 60);
  EXPECT_LT(e1.z, 5e-3);
  EXPECT_LT(e1.force, 0.05);
  analysis::FftGridOptions half;
  half.max_box_width = 0.5;
  analysis::FftRepulsion finer(half);
  const RepulsionErrors e2 = fft_repulsion_errors(600, 10, 32, finer);
  EXPECT_LT(e2.z, e1.z / 5);
  EXPECT_LT(e2.force, e1.force / 5);
  analysis::FftGridOptions fine;
  fine.nodes_per_box = 6;
  fine.max_box_width = 0.5;
  analysis::FftRepulsion finest(fine);
  const RepulsionErrors e3 = fft_repulsion_errors(600, 10, 32, finest);
  EXPECT_LT(e3.z, 1e-6);
  EXPECT_LT(e3.force, 1e-3);
}

TEST(TsneFftRepulsion, KeptKernelTransformsGiveWhatFreshOnesGive) {
  analysis::Random random(34);
  const int64_t n = 500;
  std::vector<double> y(n * 2), moved(n * 2);
  for (auto& v : y) v = random.normal() * 10;
  for (int64_t c = 0; c < n * 2; ++c) moved[c] = y[c] * 1.001 + 0.01;
  analysis::ThreadPool pool(2);
  std::vector<double> force(n * 2), kept_force(n * 2), fresh_force(n * 2);
  analysis::FftRepulsion reused, fresh;
  reused.estimate(y.data(), n, force.data(), pool);
  const int boxes = reused.boxes();
  const double kept_z = reused.estimate(moved.data(), n, kept_force.data(), pool);
  ASSERT_EQ(reused.boxes(), boxes);  // the same grid, so the kernels' transforms were kept
  EXPECT_EQ(fresh.estimate(moved.data(), n, fresh_force.data(), pool), kept_z);
  EXPECT_EQ(fresh_force, kept_force);
  EXPECT_NE(force, kept_force);
}

TEST(TsneFftRepulsion, GridSizesHaveOnlyTheFactorsTwoThreeAndFive) {
  EXPECT_EQ(analysis::fft_friendly_count(50), 50);
  EXPECT_EQ(analysis::fft_friendly_count(51), 54);
  EXPECT_EQ(analysis::fft_friendly_count(97), 100);
  EXPECT_EQ(analysis::fft_friendly_count(121), 125);
  EXPECT_EQ(analysis::fft_friendly_count(401), 405);
}

TEST(TsneFft, SeparatesWellSeparatedClusters) {
  const Clusters c = gaussian_clusters(10, 30, 10, 10, 1);
  TsneOptions options;
  options.seed = 3;
  options.repulsion = TsneRepulsion::Fft;
  const TsneResult t = tsne(c.x.data(), c.rows, c.columns, options);
  EXPECT_EQ(t.repulsion, TsneRepulsion::Fft);
  for (float v : t.embedding) ASSERT_TRUE(std::isfinite(v));
  EXPECT_GT(knn_label_agreement(t.embedding, 2, c.label, 10), 0.99);
  EXPECT_GT(separation_ratio(t.embedding, 2, c.label), 2);
  options.repulsion = TsneRepulsion::Exact;
  const TsneResult exact = tsne(c.x.data(), c.rows, c.columns, options);
  EXPECT_NEAR(t.kl_divergence, exact.kl_divergence, 0.015);
}

TEST(TsneFft, SameSeedSameResultForAnyThreadCount) {
  TsneOptions options;
  options.seed = 9;
  options.repulsion = TsneRepulsion::Fft;
  options.iterations = 200;
  options.exaggeration_iterations = 100;
  expect_same_result_for_any_thread_count(gaussian_clusters(4, 75, 8, 6, 5), options);
}

TEST(TsneFft, AutoPicksFftForLargeTwoDimensionalInputsOnly) {
  const Clusters large = gaussian_clusters(5, kFftRepulsionMinRows / 5, 4, 6, 7);
  const Clusters small = gaussian_clusters(5, kFftRepulsionMinRows / 5 - 1, 4, 6, 7);
  TsneOptions options;
  options.iterations = 0;
  EXPECT_EQ(tsne(large.x.data(), large.rows, large.columns, options).repulsion, TsneRepulsion::Fft);
  EXPECT_EQ(tsne(small.x.data(), small.rows, small.columns, options).repulsion,
            TsneRepulsion::BarnesHut);
  options.dimensions = 3;
  EXPECT_EQ(tsne(large.x.data(), large.rows, large.columns, options).repulsion,
            TsneRepulsion::BarnesHut);
}

TEST(TsneFft, ThreeDimensionsAreAClearError) {
  const Clusters c = gaussian_clusters(3, 40, 6, 8, 5);
  TsneOptions options;
  options.dimensions = 3;
  options.repulsion = TsneRepulsion::Fft;
  try {
    tsne(c.x.data(), c.rows, c.columns, options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("repulsion fft works in 2 dimensions, not 3"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace layerscope
