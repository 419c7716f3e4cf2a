#include "analysis/space_tree.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace layerscope::analysis {

template <int D>
void SpaceTree<D>::build(const double* points, int64_t n) {
  points_ = points;
  nodes_.clear();
  nodes_.reserve(static_cast<std::size_t>(n));
  order_.resize(n);
  scratch_.resize(n);
  double low[D], high[D];
  for (int a = 0; a < D; ++a) {
    low[a] = std::numeric_limits<double>::infinity();
    high[a] = -std::numeric_limits<double>::infinity();
  }
  for (int64_t i = 0; i < n; ++i) {
    order_[i] = static_cast<int32_t>(i);
    for (int a = 0; a < D; ++a) {
      low[a] = std::min(low[a], points[i * D + a]);
      high[a] = std::max(high[a], points[i * D + a]);
    }
  }
  double width = 0;
  for (int a = 0; a < D; ++a) width = std::max(width, high[a] - low[a]);
  // A little margin so the largest coordinate falls inside the cell, not on its far edge.
  width = width > 0 ? width * (1 + 1e-9) : 1.0;
  Node root{};
  root.width = width;
  root.count = static_cast<int32_t>(n);
  root.first_child = -1;
  root.begin = 0;
  nodes_.push_back(root);
  subdivide(0, low, 0);
}

template <int D>
void SpaceTree<D>::subdivide(int32_t id, const double* low, int depth) {
  // Centre of mass of the cell's points.
  {
    Node& node = nodes_[id];
    double sum[D] = {};
    for (int32_t p = node.begin; p < node.begin + node.count; ++p)
      for (int a = 0; a < D; ++a) sum[a] += points_[static_cast<int64_t>(order_[p]) * D + a];
    for (int a = 0; a < D; ++a) node.centre_of_mass[a] = sum[a] / node.count;
    if (node.count <= kLeafCapacity || depth >= kMaxDepth) return;
  }
  const int32_t begin = nodes_[id].begin, count = nodes_[id].count;
  const double half = nodes_[id].width / 2;
  double middle[D];
  for (int a = 0; a < D; ++a) middle[a] = low[a] + half;

  // Counting sort of the cell's points by child (bit a set: upper half along axis a).
  auto child_of = [&](int32_t point) {
    int c = 0;
    for (int a = 0; a < D; ++a)
      if (points_[static_cast<int64_t>(point) * D + a] >= middle[a]) c |= 1 << a;
    return c;
  };
  int32_t sizes[kChildren] = {};
  for (int32_t p = begin; p < begin + count; ++p) ++sizes[child_of(order_[p])];
  int32_t starts[kChildren];
  for (int c = 0, offset = begin; c < kChildren; ++c) {
    starts[c] = offset;
    offset += sizes[c];
  }
  int32_t fill[kChildren];
  std::copy(starts, starts + kChildren, fill);
  for (int32_t p = begin; p < begin + count; ++p) scratch_[fill[child_of(order_[p])]++] = order_[p];
  std::copy(scratch_.begin() + begin, scratch_.begin() + begin + count, order_.begin() + begin);

  const int32_t first = static_cast<int32_t>(nodes_.size());
  int32_t made = 0;
  for (int c = 0; c < kChildren; ++c) {
    if (sizes[c] == 0) continue;
    Node child{};
    child.width = half;
    child.count = sizes[c];
    child.first_child = -1;
    child.begin = starts[c];
    nodes_.push_back(child);
    ++made;
  }
  nodes_[id].first_child = first;
  nodes_[id].child_count = made;
  for (int c = 0, child = first; c < kChildren; ++c) {
    if (sizes[c] == 0) continue;
    double child_low[D];
    for (int a = 0; a < D; ++a) child_low[a] = (c >> a & 1) ? middle[a] : low[a];
    subdivide(child++, child_low, depth + 1);
  }
}

template <int D>
double SpaceTree<D>::repulsion(int64_t i, double theta, double* force) const {
  const double* y = points_ + i * D;
  const double theta_squared = theta * theta;
  double z = 0;
  double f[D] = {};
  // Depth-first; at most kMaxDepth levels of kChildren siblings are pending at once.
  int32_t stack[kMaxDepth * kChildren + 1];
  int top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const Node& node = nodes_[stack[--top]];
    double diff[D], distance_squared = 0;
    for (int a = 0; a < D; ++a) {
      diff[a] = y[a] - node.centre_of_mass[a];
      distance_squared += diff[a] * diff[a];
    }
    if (node.width * node.width < theta_squared * distance_squared) {
      const double q = 1.0 / (1.0 + distance_squared);
      z += node.count * q;
      const double scale = node.count * q * q;
      for (int a = 0; a < D; ++a) f[a] += scale * diff[a];
    } else if (node.first_child < 0) {
      for (int32_t p = node.begin; p < node.begin + node.count; ++p) {
        const int32_t j = order_[p];
        if (j == i) continue;
        const double* other = points_ + static_cast<int64_t>(j) * D;
        double d2 = 0, d[D];
        for (int a = 0; a < D; ++a) {
          d[a] = y[a] - other[a];
          d2 += d[a] * d[a];
        }
        const double q = 1.0 / (1.0 + d2);
        z += q;
        for (int a = 0; a < D; ++a) f[a] += q * q * d[a];
      }
    } else {
      for (int c = node.child_count - 1; c >= 0; --c) stack[top++] = node.first_child + c;
    }
  }
  for (int a = 0; a < D; ++a) force[a] += f[a];
  return z;
}

template class SpaceTree<2>;
template class SpaceTree<3>;

}  // namespace layerscope::analysis
