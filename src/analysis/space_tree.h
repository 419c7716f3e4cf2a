#pragma once
// A quadtree (D = 2) or octree (D = 3) over the points of a t-SNE embedding, for the Barnes-Hut
// estimate of the repulsive forces (van der Maaten 2014). Each cell keeps its points' count and
// centre of mass; a cell whose width w and distance r to the centre of mass satisfy
// w / r < theta stands in for all its points. Leaves hold up to a few points, which interact
// exactly; coincident points simply share a leaf once the depth limit is reached.
#include <cstdint>
#include <vector>

namespace layerscope::analysis {

template <int D>
class SpaceTree {
 public:
  // Rebuilds the tree over `points` (n x D row-major).
  void build(const double* points, int64_t n);

  // For point i: adds sum_j q_ij^2 (y_i - y_j) to `force` (D values) and returns sum_j q_ij over
  // j != i, where q_ij = 1 / (1 + |y_i - y_j|^2). theta = 0 is exact.
  double repulsion(int64_t i, double theta, double* force) const;

 private:
  static constexpr int kChildren = 1 << D;
  static constexpr int kLeafCapacity = 4;
  static constexpr int kMaxDepth = 48;

  struct Node {
    double centre_of_mass[D];
    double width;         // side of the cubic cell
    int32_t count;        // points inside
    int32_t first_child;  // -1 for a leaf
    int32_t child_count;  // children are nodes_[first_child, first_child + child_count)
    int32_t begin;        // a leaf's points are order_[begin, begin + count)
  };

  void subdivide(int32_t node, const double* low, int depth);

  const double* points_ = nullptr;
  std::vector<Node> nodes_;
  std::vector<int32_t> order_, scratch_;
};

extern template class SpaceTree<2>;
extern template class SpaceTree<3>;

}  // namespace layerscope::analysis
