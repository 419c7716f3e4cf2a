#pragma once
// Exact k nearest neighbours (squared Euclidean) of every row of a row-major float matrix: a
// brute-force scan for small inputs, a vantage-point tree (Yianilos 1993) otherwise. Neighbours
// come sorted by (distance, index), the row itself excluded, so both methods and every thread
// count give the same lists.
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

enum class NeighbourSearch { Auto, BruteForce, VantagePointTree };

NeighbourLists nearest_neighbours(const float* data, int64_t rows, int64_t columns, int k,
                                  ThreadPool& pool, uint64_t seed,
                                  NeighbourSearch search = NeighbourSearch::Auto);

}  // namespace layerscope::analysis
