#include "analysis/space_tree.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace layerscope::analysis {

template <int D>
void SpaceTree<D>::build(const double* points, int64_t n) {
  points_ = points;
  nodes_.clear();
  nodes_.reserve(static_cast<std::size_t>(n / 4 + 1));
  groups_.clear();
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
  root.count = static_cast<int32_t>(n);
  root.first_child = -1;
  root.begin = 0;
  nodes_.push_back(root);
  subdivide(0, low, width, 0, false);
  sorted_.resize(static_cast<std::size_t>(n) * D);
  for (int64_t p = 0; p < n; ++p)
    for (int a = 0; a < D; ++a)
      sorted_[p * D + a] = points[static_cast<int64_t>(order_[p]) * D + a];
}

template <int D>
void SpaceTree<D>::subdivide(int32_t id, const double* low, double width, int depth,
                             bool in_group) {
  const int32_t begin = nodes_[id].begin, count = nodes_[id].count;
  const bool leaf = count <= kLeafCapacity || depth >= kMaxDepth;
  if (!in_group && (count <= kGroupSize || leaf)) {
    groups_.push_back(id);
    in_group = true;
  }
  {
    Node& node = nodes_[id];
    node.width_squared = width * width;
    double sum[D] = {};
    for (int32_t p = begin; p < begin + count; ++p)
      for (int a = 0; a < D; ++a) sum[a] += points_[static_cast<int64_t>(order_[p]) * D + a];
    for (int a = 0; a < D; ++a) node.centre_of_mass[a] = sum[a] / count;
    if (leaf) return;
  }
  const double half = width / 2;
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
    subdivide(child++, child_low, half, depth + 1, in_group);
  }
}

template <int D>
void SpaceTree<D>::group_repulsion(int32_t group_id, double theta_squared, GroupLists& s,
                                   double* force, double* z_out) const {
  const Node& group = nodes_[group_id];
  const int m = group.count;
  // The group's points, one array per axis, and their bounding box.
  double box_low[D], box_high[D];
  for (int a = 0; a < D; ++a) {
    s.own[a].resize(m);
    s.far[a].clear();
    s.near[a].clear();
    box_low[a] = std::numeric_limits<double>::infinity();
    box_high[a] = -std::numeric_limits<double>::infinity();
  }
  s.far_count.clear();
  for (int p = 0; p < m; ++p)
    for (int a = 0; a < D; ++a) {
      const double v = sorted_[static_cast<std::size_t>(group.begin + p) * D + a];
      s.own[a][p] = static_cast<float>(v);
      box_low[a] = std::min(box_low[a], v);
      box_high[a] = std::max(box_high[a], v);
    }

  // One walk for the whole group: summarized cells (centre of mass and count) and single points.
  int32_t stack[kMaxDepth * kChildren + 1];
  int top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const Node& node = nodes_[stack[--top]];
    double box_distance_squared = 0;
    for (int a = 0; a < D; ++a) {
      const double c = node.centre_of_mass[a];
      const double gap = c < box_low[a] ? box_low[a] - c : c > box_high[a] ? c - box_high[a] : 0;
      box_distance_squared += gap * gap;
    }
    if (node.width_squared < theta_squared * box_distance_squared) {
      for (int a = 0; a < D; ++a) s.far[a].push_back(static_cast<float>(node.centre_of_mass[a]));
      s.far_count.push_back(static_cast<float>(node.count));
    } else if (node.first_child < 0) {
      for (int32_t p = node.begin; p < node.begin + node.count; ++p)
        for (int a = 0; a < D; ++a)
          s.near[a].push_back(static_cast<float>(sorted_[static_cast<std::size_t>(p) * D + a]));
    } else {
      for (int c = node.child_count - 1; c >= 0; --c) stack[top++] = node.first_child + c;
    }
  }

  // Each point against the lists. The loops run over the group's points innermost, so they have no
  // loop-carried sums and vectorize.
  s.z.assign(m, 0.0f);
  for (int a = 0; a < D; ++a) s.force[a].assign(m, 0.0f);
  auto interact = [&](const std::vector<float>* source, const float* mass, std::size_t count) {
    float* z = s.z.data();
    for (std::size_t e = 0; e < count; ++e) {
      float at[D];
      for (int a = 0; a < D; ++a) at[a] = source[a][e];
      const float w = mass ? mass[e] : 1.0f;
      for (int p = 0; p < m; ++p) {
        float d[D], d2 = 0;
        for (int a = 0; a < D; ++a) {
          d[a] = s.own[a][p] - at[a];
          d2 += d[a] * d[a];
        }
        const float q = 1.0f / (1.0f + d2);
        z[p] += w * q;
        const float wqq = w * q * q;
        for (int a = 0; a < D; ++a) s.force[a][p] += wqq * d[a];
      }
    }
  };
  interact(s.far, s.far_count.data(), s.far_count.size());
  interact(s.near, nullptr, s.near[0].size());
  for (int p = 0; p < m; ++p) {
    const int64_t i = order_[group.begin + p];
    // The near list holds the point itself, which added exactly 1 to z and nothing to the force.
    z_out[i] = static_cast<double>(s.z[p]) - 1.0;
    for (int a = 0; a < D; ++a) force[i * D + a] = s.force[a][p];
  }
}

template <int D>
void SpaceTree<D>::repulsion(double theta, double* force, double* z, ThreadPool& pool) const {
  const double theta_squared = theta * theta;
  pool.parallel_for(static_cast<int64_t>(groups_.size()), 8, [&](int64_t begin, int64_t end) {
    GroupLists lists;
    for (int64_t g = begin; g < end; ++g)
      group_repulsion(groups_[g], theta_squared, lists, force, z);
  });
}

template class SpaceTree<2>;
template class SpaceTree<3>;

}  // namespace layerscope::analysis
