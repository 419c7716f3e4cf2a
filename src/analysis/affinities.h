#pragma once
// t-SNE's input affinities: for each row a Gaussian over its k nearest neighbours whose bandwidth
// is found by binary search so the distribution's perplexity matches the target, then symmetrized
// as P = (P_cond + P_cond^T) / (2n), a sparse matrix summing to 1.
#include "analysis/neighbours.h"
#include "analysis/thread_pool.h"

#include <cstdint>
#include <vector>

namespace layerscope::analysis {

struct SparseAffinities {
  int64_t rows = 0;
  std::vector<int64_t> row_start;  // rows + 1 offsets into column/value
  std::vector<int32_t> column;     // ascending within a row
  std::vector<double> value;
};

// Conditional P(j | i) over each row's neighbours (rows x k, same layout as the lists).
std::vector<double> conditional_affinities(const NeighbourLists& neighbours, double perplexity,
                                           ThreadPool& pool);

SparseAffinities symmetrize(const NeighbourLists& neighbours,
                            const std::vector<double>& conditional);

}  // namespace layerscope::analysis
