#pragma once
// Exact k nearest neighbours (squared Euclidean) of every row of a row-major float matrix: a
// brute-force scan for small inputs; for large ones a vantage-point tree (Yianilos 1993) in few
// dimensions, and in many (where a tree prunes little) a scan whose distances come from BLAS
// matrix products, |a|^2 + |b|^2 - 2 a.b, with the best k + a margin re-ranked by their exact
// distances. Neighbours come sorted by (distance, index), the row itself excluded, so every
// method and every thread count give the same lists.
#include "analysis/thread_pool.h"

#include <cstdint>
#include <vector>

namespace layerscope::analysis {

struct NeighbourLists {
  int64_t rows = 0;
  int k = 0;
  std::vector<int32_t> index;           // rows x k
  std::vector<float> squared_distance;  // rows x k, ascending per row
};

enum class NeighbourSearch { Auto, BruteForce, VantagePointTree, MatrixProducts };

NeighbourLists nearest_neighbours(const float* data, int64_t rows, int64_t columns, int k,
                                  ThreadPool& pool, uint64_t seed,
                                  NeighbourSearch search = NeighbourSearch::Auto);

}  // namespace layerscope::analysis
