#include "analysis/affinities.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace layerscope::analysis {

std::vector<double> conditional_affinities(const NeighbourLists& neighbours, double perplexity,
                                           ThreadPool& pool) {
  const int64_t rows = neighbours.rows;
  const int k = neighbours.k;
  std::vector<double> p(static_cast<std::size_t>(rows * k), 0.0);
  const double target_entropy = std::log(perplexity);  // in nats
  pool.parallel_for(rows, 64, [&](int64_t begin, int64_t end) {
    std::vector<double> shifted(k);
    for (int64_t i = begin; i < end; ++i) {
      const float* d2 = &neighbours.squared_distance[i * k];
      double* row = &p[i * k];
      // Distances relative to the nearest: the same distribution, and exp() cannot underflow to
      // an all-zero row however far the neighbours are.
      for (int j = 0; j < k; ++j) shifted[j] = static_cast<double>(d2[j]) - d2[0];
      double beta = 1, low = 0, high = std::numeric_limits<double>::infinity();
      for (int step = 0; step < 200; ++step) {
        double sum = 0, weighted = 0;
        for (int j = 0; j < k; ++j) {
          row[j] = std::exp(-beta * shifted[j]);
          sum += row[j];
          weighted += shifted[j] * row[j];
        }
        const double entropy = std::log(sum) + beta * weighted / sum;
        for (int j = 0; j < k; ++j) row[j] /= sum;
        const double error = entropy - target_entropy;
        if (std::fabs(error) < 1e-5) break;
        // Too flat (entropy too high): narrow the Gaussian, i.e. raise beta.
        if (error > 0) {
          low = beta;
          beta = std::isinf(high) ? beta * 2 : (beta + high) / 2;
        } else {
          high = beta;
          beta = (beta + low) / 2;
        }
      }
    }
  });
  return p;
}

SparseAffinities symmetrize(const NeighbourLists& neighbours,
                            const std::vector<double>& conditional) {
  const int64_t rows = neighbours.rows;
  const int k = neighbours.k;
  // Every (i, j, p) also as (j, i, p); then per row sorted by column and merged.
  std::vector<int64_t> count(rows + 1, 0);
  for (int64_t i = 0; i < rows; ++i)
    for (int j = 0; j < k; ++j) {
      ++count[i + 1];
      ++count[neighbours.index[i * k + j] + 1];
    }
  for (int64_t i = 0; i < rows; ++i) count[i + 1] += count[i];
  std::vector<std::pair<int32_t, double>> entries(static_cast<std::size_t>(count[rows]));
  std::vector<int64_t> fill(count.begin(), count.end() - 1);
  for (int64_t i = 0; i < rows; ++i)
    for (int j = 0; j < k; ++j) {
      const int32_t other = neighbours.index[i * k + j];
      const double p = conditional[i * k + j];
      entries[fill[i]++] = {other, p};
      entries[fill[other]++] = {static_cast<int32_t>(i), p};
    }
  SparseAffinities out;
  out.rows = rows;
  out.row_start.assign(rows + 1, 0);
  out.column.reserve(entries.size());
  out.value.reserve(entries.size());
  const double scale = 1.0 / (2.0 * static_cast<double>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    auto first = entries.begin() + count[i], last = entries.begin() + count[i + 1];
    // Stable, so equal columns merge in insertion order and the sums round the same way.
    std::stable_sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto it = first; it != last; ++it) {
      if (!out.column.empty() && static_cast<int64_t>(out.column.size()) > out.row_start[i] &&
          out.column.back() == it->first)
        out.value.back() += it->second * scale;
      else {
        out.column.push_back(it->first);
        out.value.push_back(it->second * scale);
      }
    }
    out.row_start[i + 1] = static_cast<int64_t>(out.column.size());
  }
  return out;
}

}  // namespace layerscope::analysis
