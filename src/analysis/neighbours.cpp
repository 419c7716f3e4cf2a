#include "analysis/neighbours.h"

#include "analysis/lapack.h"
#include "analysis/random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace layerscope::analysis {
namespace {

// Eight partial sums in a fixed order: vectorizes, and rounds the same way on every call.
float squared_distance(const float* a, const float* b, int64_t columns) {
  float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t c = 0;
  for (; c + 8 <= columns; c += 8)
    for (int t = 0; t < 8; ++t) {
      const float diff = a[c + t] - b[c + t];
      partial[t] += diff * diff;
    }
  for (int t = 0; c < columns; ++c, ++t) {
    const float diff = a[c] - b[c];
    partial[t] += diff * diff;
  }
  return ((partial[0] + partial[4]) + (partial[1] + partial[5])) +
         ((partial[2] + partial[6]) + (partial[3] + partial[7]));
}

// The k best (distance, index) pairs seen so far, as a max-heap on that order.
class BestK {
 public:
  explicit BestK(int k) : k_(k) { heap_.reserve(k + 1); }
  float worst() const {
    return static_cast<int>(heap_.size()) < k_ ? std::numeric_limits<float>::infinity()
                                               : heap_.front().first;
  }
  void offer(float distance, int32_t index) {
    const std::pair<float, int32_t> item{distance, index};
    if (static_cast<int>(heap_.size()) < k_) {
      heap_.push_back(item);
      std::push_heap(heap_.begin(), heap_.end());
    } else if (item < heap_.front()) {
      std::pop_heap(heap_.begin(), heap_.end());
      heap_.back() = item;
      std::push_heap(heap_.begin(), heap_.end());
    }
  }
  void write_sorted(int32_t* index, float* distance) {
    std::sort_heap(heap_.begin(), heap_.end());
    for (std::size_t j = 0; j < heap_.size(); ++j) {
      index[j] = heap_[j].second;
      distance[j] = heap_[j].first;
    }
  }

 private:
  int k_;
  std::vector<std::pair<float, int32_t>> heap_;
};

class VantagePointTree {
 public:
  VantagePointTree(const float* data, int64_t rows, int64_t columns, uint64_t seed)
      : data_(data), columns_(columns), items_(rows) {
    for (int64_t i = 0; i < rows; ++i) items_[i] = static_cast<int32_t>(i);
    Random random(seed);
    std::vector<float> scratch(rows);
    root_ = build(0, static_cast<int32_t>(rows), random, scratch);
  }

  void search(int32_t query, BestK& best) const {
    const float* q = data_ + static_cast<int64_t>(query) * columns_;
    // Explicit stack: node, and the bound below which its subtree is worth visiting.
    std::vector<int32_t> stack{root_};
    while (!stack.empty()) {
      const Node& node = nodes_[stack.back()];
      stack.pop_back();
      if (node.end - node.begin <= kBucket && node.inside < 0 && node.outside < 0) {
        for (int32_t p = node.begin; p < node.end; ++p) visit(q, query, items_[p], best);
        continue;
      }
      const float d2 = visit(q, query, items_[node.begin], best);
      const double d = std::sqrt(static_cast<double>(d2));
      const double tau = std::sqrt(static_cast<double>(best.worst()));
      // Nearer side last, so it is searched first and tightens tau for the other.
      if (d < node.radius) {
        if (node.outside >= 0 && d + tau >= node.radius) stack.push_back(node.outside);
        if (node.inside >= 0 && d - tau <= node.radius) stack.push_back(node.inside);
      } else {
        if (node.inside >= 0 && d - tau <= node.radius) stack.push_back(node.inside);
        if (node.outside >= 0 && d + tau >= node.radius) stack.push_back(node.outside);
      }
    }
  }

 private:
  static constexpr int32_t kBucket = 16;

  struct Node {
    int32_t begin, end;    // items_[begin] is the vantage point (or a bucket's first item)
    double radius = 0;     // median distance from the vantage point
    int32_t inside = -1;   // items_[begin + 1, median): nearer than radius
    int32_t outside = -1;  // items_[median, end)
  };

  float visit(const float* q, int32_t query, int32_t item, BestK& best) const {
    const float d2 = squared_distance(q, data_ + static_cast<int64_t>(item) * columns_, columns_);
    if (item != query) best.offer(d2, item);
    return d2;
  }

  int32_t build(int32_t begin, int32_t end, Random& random, std::vector<float>& scratch) {
    if (begin >= end) return -1;
    const int32_t id = static_cast<int32_t>(nodes_.size());
    nodes_.push_back(Node{begin, end});
    if (end - begin <= kBucket) return id;
    std::swap(items_[begin], items_[begin + static_cast<int32_t>(random.below(end - begin))]);
    const float* vantage = data_ + static_cast<int64_t>(items_[begin]) * columns_;
    for (int32_t p = begin + 1; p < end; ++p)
      scratch[items_[p]] =
          squared_distance(vantage, data_ + static_cast<int64_t>(items_[p]) * columns_, columns_);
    const int32_t median = begin + 1 + (end - begin - 1) / 2;
    std::nth_element(items_.begin() + begin + 1, items_.begin() + median, items_.begin() + end,
                     [&](int32_t a, int32_t b) {
                       return std::make_pair(scratch[a], a) < std::make_pair(scratch[b], b);
                     });
    const double radius = std::sqrt(static_cast<double>(scratch[items_[median]]));
    const int32_t inside = build(begin + 1, median, random, scratch);
    const int32_t outside = build(median, end, random, scratch);
    nodes_[id].radius = radius;
    nodes_[id].inside = inside;
    nodes_[id].outside = outside;
    return id;
  }

  const float* data_;
  int64_t columns_;
  std::vector<int32_t> items_;
  std::vector<Node> nodes_;
  int32_t root_ = -1;
};

// Candidates kept per row beyond k by the product scan: its float distances are off by about
// 1e-7 (|a|^2 + |b|^2), so only a near-tie at rank k could swap a true neighbour out of them.
constexpr int kProductMargin = 16;
// From this many columns on the product scan beats the tree (70,000 x 50: 5 s against 110 s of
// CPU time); below, data of low intrinsic dimension lets the tree prune most of the rows.
constexpr int64_t kManyColumns = 16;

// Brute force with the distances of each block of rows to each block of columns from one sgemm.
// Blocks have fixed sizes, so the products, and the lists, are the same for any thread count;
// sgemm runs on the calling thread (serial OpenBLAS is not reentrant), the selection on all.
void product_scan(const float* data, int64_t rows, int64_t columns, int k, ThreadPool& pool,
                  NeighbourLists& out) {
  constexpr int64_t kQueryBlock = 512, kCandidateBlock = 4096;
  const auto& blas = lapack::functions();
  std::vector<float> norms(rows);
  pool.parallel_for(rows, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double sum = 0;
      for (int64_t c = 0; c < columns; ++c)
        sum += double(data[i * columns + c]) * data[i * columns + c];
      norms[i] = static_cast<float>(sum);
    }
  });
  const int kept = static_cast<int>(std::min<int64_t>(k + kProductMargin, rows - 1));
  std::vector<float> products(kQueryBlock * kCandidateBlock);
  std::vector<BestK> best;
  for (int64_t q0 = 0; q0 < rows; q0 += kQueryBlock) {
    const int64_t queries = std::min(kQueryBlock, rows - q0);
    best.assign(queries, BestK(kept));
    for (int64_t c0 = 0; c0 < rows; c0 += kCandidateBlock) {
      const int64_t candidates = std::min(kCandidateBlock, rows - c0);
      // Column-major: products (candidates x queries) = X_c^T X_q, X row-major (columns x n).
      const int m = static_cast<int>(candidates), n = static_cast<int>(queries),
                depth = static_cast<int>(columns);
      const float one = 1, zero = 0;
      blas.sgemm("T", "N", &m, &n, &depth, &one, data + c0 * columns, &depth, data + q0 * columns,
                 &depth, &zero, products.data(), &m, 1, 1);
      pool.parallel_for(queries, 16, [&](int64_t begin, int64_t end) {
        for (int64_t q = begin; q < end; ++q) {
          const float* dot = &products[q * candidates];
          const float own = norms[q0 + q];
          BestK& b = best[q];
          float worst = b.worst();
          for (int64_t j = 0; j < candidates; ++j) {
            const float d2 = own + norms[c0 + j] - 2 * dot[j];
            if (d2 > worst || c0 + j == q0 + q) continue;
            b.offer(d2, static_cast<int32_t>(c0 + j));
            worst = b.worst();
          }
        }
      });
    }
    pool.parallel_for(queries, 16, [&](int64_t begin, int64_t end) {
      std::vector<int32_t> index(kept);
      std::vector<float> approximate(kept);
      for (int64_t q = begin; q < end; ++q) {
        const int64_t row = q0 + q;
        best[q].write_sorted(index.data(), approximate.data());
        BestK exact_best(k);
        for (int32_t j : index)
          exact_best.offer(squared_distance(data + row * columns,
                                            data + static_cast<int64_t>(j) * columns, columns),
                           j);
        exact_best.write_sorted(&out.index[row * k], &out.squared_distance[row * k]);
      }
    });
  }
}

}  // namespace

NeighbourLists nearest_neighbours(const float* data, int64_t rows, int64_t columns, int k,
                                  ThreadPool& pool, uint64_t seed, NeighbourSearch search) {
  NeighbourLists out;
  out.rows = rows;
  out.k = k;
  out.index.assign(static_cast<std::size_t>(rows * k), 0);
  out.squared_distance.assign(static_cast<std::size_t>(rows * k), 0.0f);
  if (search == NeighbourSearch::Auto)
    search = rows <= 4096              ? NeighbourSearch::BruteForce
             : columns >= kManyColumns ? NeighbourSearch::MatrixProducts
                                       : NeighbourSearch::VantagePointTree;

  if (search == NeighbourSearch::MatrixProducts) {
    product_scan(data, rows, columns, k, pool, out);
    return out;
  }

  if (search == NeighbourSearch::BruteForce) {
    pool.parallel_for(rows, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        BestK best(k);
        const float* q = data + i * columns;
        for (int64_t j = 0; j < rows; ++j) {
          if (j == i) continue;
          const float d2 = squared_distance(q, data + j * columns, columns);
          if (d2 <= best.worst()) best.offer(d2, static_cast<int32_t>(j));
        }
        best.write_sorted(&out.index[i * k], &out.squared_distance[i * k]);
      }
    });
    return out;
  }

  const VantagePointTree tree(data, rows, columns, seed);
  pool.parallel_for(rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      BestK best(k);
      tree.search(static_cast<int32_t>(i), best);
      best.write_sorted(&out.index[i * k], &out.squared_distance[i * k]);
    }
  });
  return out;
}

}  // namespace layerscope::analysis
