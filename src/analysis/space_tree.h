#pragma once
// A quadtree (D = 2) or octree (D = 3) over the points of a t-SNE embedding, for the Barnes-Hut
// estimate of the repulsive forces (van der Maaten 2014). Each cell keeps its points' count and
// centre of mass; a cell of width w whose centre of mass lies at distance r satisfies
// w / r < theta stands in for all its points. Leaves hold up to kLeafCapacity points.
//
// The walk is done once per group of up to kGroupSize nearby points (a cell of the tree) rather
// than once per point (Barnes 1990): a cell is summarized for the whole group when the criterion
// holds from the nearest point of the group's bounding box, so every point gets at least the
// accuracy of its own walk; then each point of the group runs through the same list of cells and
// nearby points in a branch-free loop. Coincident points share a leaf once the depth limit is
// reached.
#include "analysis/thread_pool.h"

#include <cstdint>
#include <vector>

namespace layerscope::analysis {

template <int D>
class SpaceTree {
 public:
  // Rebuilds the tree over `points` (n x D row-major); serial.
  void build(const double* points, int64_t n);

  // For every point i: force[i] = sum_j q_ij^2 (y_i - y_j) (D values) and z[i] = sum_j q_ij over
  // j != i, where q_ij = 1 / (1 + |y_i - y_j|^2). theta = 0 is exact. Work is split by group;
  // every value is computed the same way whatever the thread count.
  void repulsion(double theta, double* force, double* z, ThreadPool& pool) const;

 private:
  static constexpr int kChildren = 1 << D;
  static constexpr int kLeafCapacity = 8;
  static constexpr int kGroupSize = 32;  // points that share one walk
  static constexpr int kMaxDepth = 48;

  struct Node {
    double centre_of_mass[D];
    double width_squared;  // of the side of the cubic cell
    int32_t count;         // points inside
    int32_t first_child;   // -1 for a leaf
    int32_t child_count;   // children are nodes_[first_child, first_child + child_count)
    int32_t begin;         // the cell's points are order_[begin, begin + count)
  };

  void subdivide(int32_t node, const double* low, double width, int depth, bool in_group);
  // One group's points and interaction lists, one array per axis. Interactions run in float: the
  // tree's approximation (about 1e-2 at theta 0.5) is far coarser than float rounding, and twice
  // as many lanes fit a vector register. Reused from group to group by one thread.
  struct GroupLists {
    std::vector<float> own[D], far[D], far_count, near[D];
    std::vector<float> z, force[D];
  };
  void group_repulsion(int32_t group, double theta_squared, GroupLists& s, double* force,
                       double* z) const;

  const double* points_ = nullptr;
  std::vector<Node> nodes_;
  std::vector<int32_t> groups_;  // nodes whose points share a walk: the largest cells of at most
                                 // kGroupSize points (or a deeper leaf of coincident points)
  std::vector<int32_t> order_, scratch_;
  std::vector<double> sorted_;  // the points in order_'s order, so leaves read contiguous memory
};

extern template class SpaceTree<2>;
extern template class SpaceTree<3>;

}  // namespace layerscope::analysis
