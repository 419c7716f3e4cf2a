// TensorFlow's Slice and StridedSlice. Both are views of their input; only a negative stride
// copies, since ATen's views walk forwards: the same elements are taken forwards, then flipped.
//
// StridedSlice follows tf.strided_slice's documented rules:
//   - begin, end and strides hold one entry per "slice spec" entry; the entries, in order, are
//     an ellipsis (bit i of ellipsis_mask: as many full dimensions as the input has left over), a
//     new axis (bit i of new_axis_mask: a size-1 dimension in the output, no input dimension), or
//     a range over the next input dimension. Without an ellipsis, one is implied at the end;
//   - a range's begin (end) is ignored when bit i of begin_mask (end_mask) is set: it is then the
//     first (last) element in the stride's direction; otherwise negative positions count from
//     the end and positions are clamped into [0, dim] (stride > 0) or [-1, dim - 1] (stride < 0);
//   - bit i of shrink_axis_mask takes the one element at begin (which must lie inside the
//     dimension, and the stride be positive) and drops the dimension from the output.
#include "runtime/ops/tensorflow/int_inputs.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <algorithm>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::add_op;
using tf::dims_string;
using tf::fail_at;
using tf::IntInput;

// Slice(input, begin, size): size -1 takes the rest of the dimension.
KernelFactory slice() {
  return [](const KernelInit& init) -> Kernel {
    const IntInput begin_input(init, 1, "begin"), size_input(init, 2, "size");
    return [begin_input, size_input, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const std::vector<int64_t> begin = begin_input.list(ctx), size = size_input.list(ctx);
      const auto rank = static_cast<std::size_t>(x.dim());
      if (begin.size() != rank || size.size() != rank)
        fail_at(where, "begin " + dims_string(begin) + " and size " + dims_string(size) +
                           " must have one entry per dimension of the input of shape " +
                           dims_string(x.sizes()));
      at::Tensor y = x;
      for (std::size_t a = 0; a < rank; ++a) {
        const int64_t dim = x.size(static_cast<int64_t>(a));
        const int64_t count = size[a] == -1 ? dim - begin[a] : size[a];
        if (begin[a] < 0 || begin[a] > dim || count < 0 || count > dim - begin[a])
          fail_at(where, "begin " + dims_string(begin) + " and size " + dims_string(size) +
                             " reach outside dimension " + std::to_string(a) +
                             " of the input of shape " + dims_string(x.sizes()));
        y = y.narrow(static_cast<int64_t>(a), begin[a], count);
      }
      return {y};
    };
  };
}

struct SliceMasks {
  uint64_t begin = 0, end = 0, ellipsis = 0, new_axis = 0, shrink = 0;
};

// What StridedSlice takes from one input dimension: `size` elements from `begin`, `stride` apart
// (stride may be negative).
struct DimRange {
  int64_t begin = 0, size = 0, stride = 1;
};

struct StridedSlicePlan {
  std::vector<DimRange> ranges;       // one per input dimension
  std::vector<int64_t> output_shape;  // with new axes, without shrunk dimensions
};

bool bit(uint64_t mask, std::size_t i) { return i < 64 && ((mask >> i) & 1) != 0; }

// The range of one spec entry over a dimension of size `dim`.
DimRange resolve_range(int64_t begin, int64_t end, int64_t stride, bool begin_masked,
                       bool end_masked, bool shrink, int64_t dim, std::size_t entry,
                       const std::string& where) {
  const std::string name = "entry " + std::to_string(entry) + " of the slice";
  if (stride == 0) fail_at(where, name + " has stride 0; expected a non-zero stride");
  if (shrink) {
    if (stride < 0)
      fail_at(where, name + " shrinks its dimension with stride " + std::to_string(stride) +
                         "; expected a positive stride");
    const int64_t index = begin < 0 ? begin + dim : begin;
    if (index < 0 || index >= dim)
      fail_at(where, name + " takes index " + std::to_string(begin) +
                         ", outside its dimension of size " + std::to_string(dim));
    return {index, 1, 1};
  }
  // Positions clamp into [0, dim] walking forwards, into [-1, dim - 1] walking backwards.
  const int64_t low = stride > 0 ? 0 : -1, high = stride > 0 ? dim : dim - 1;
  const auto position = [&](int64_t p, bool masked, bool is_begin) {
    if (masked) return (stride > 0) == is_begin ? low : high;
    return std::clamp<int64_t>(p < 0 ? p + dim : p, low, high);
  };
  const int64_t first = position(begin, begin_masked, true);
  const int64_t last = position(end, end_masked, false);
  const int64_t span = last - first;
  if (span == 0 || (span < 0) != (stride < 0)) return {first, 0, stride};
  return {first, span / stride + (span % stride != 0 ? 1 : 0), stride};
}

StridedSlicePlan plan_strided_slice(at::IntArrayRef shape, const std::vector<int64_t>& begin,
                                    const std::vector<int64_t>& end,
                                    const std::vector<int64_t>& strides, const SliceMasks& masks,
                                    const std::string& where) {
  const std::size_t entries = begin.size();
  if (end.size() != entries || strides.size() != entries)
    fail_at(where, "begin " + dims_string(begin) + ", end " + dims_string(end) + " and strides " +
                       dims_string(strides) + " differ in length; expected one length");
  if (entries > 64) fail_at(where, "the slice has more than 64 entries");
  if ((masks.ellipsis & (masks.ellipsis - 1)) != 0)
    fail_at(where, "ellipsis_mask " + std::to_string(masks.ellipsis) +
                       " has more than one bit set; expected at most one ellipsis");
  // The first ellipsis entry, or an implied one after the last entry.
  std::size_t ellipsis = entries;
  for (std::size_t i = 0; i < entries; ++i)
    if (bit(masks.ellipsis, i)) {
      ellipsis = i;
      break;
    }
  const auto rank = static_cast<int64_t>(shape.size());
  int64_t named = 0;  // input dimensions the entries other than the ellipsis walk
  for (std::size_t i = 0; i < entries; ++i)
    if (i != ellipsis && !bit(masks.new_axis, i)) ++named;
  if (named > rank)
    fail_at(where, "the slice indexes " + std::to_string(named) +
                       " dimensions of an input of shape " + dims_string(shape));

  StridedSlicePlan plan;
  std::size_t dim = 0;
  for (std::size_t i = 0; i <= entries; ++i) {
    if (i == ellipsis) {
      for (int64_t k = 0; k < rank - named; ++k, ++dim) {
        plan.ranges.push_back({0, shape[dim], 1});
        plan.output_shape.push_back(shape[dim]);
      }
    } else if (i == entries) {
      break;
    } else if (bit(masks.new_axis, i)) {
      plan.output_shape.push_back(1);
    } else {
      const bool shrink = bit(masks.shrink, i);
      plan.ranges.push_back(resolve_range(begin[i], end[i], strides[i], bit(masks.begin, i),
                                          bit(masks.end, i), shrink, shape[dim], i, where));
      if (!shrink) plan.output_shape.push_back(plan.ranges.back().size);
      ++dim;
    }
  }
  return plan;
}

at::Tensor apply_plan(const at::Tensor& x, const StridedSlicePlan& plan) {
  at::Tensor y = x;
  std::vector<int64_t> reversed;
  for (std::size_t a = 0; a < plan.ranges.size(); ++a) {
    const DimRange& r = plan.ranges[a];
    const auto axis = static_cast<int64_t>(a);
    if (r.size == 0) {
      y = y.narrow(axis, 0, 0);
    } else if (r.stride > 0) {
      y = y.slice(axis, r.begin, r.begin + (r.size - 1) * r.stride + 1, r.stride);
    } else {
      // The same elements walking forwards from the last one, flipped below.
      const int64_t lowest = r.begin + (r.size - 1) * r.stride;
      y = y.slice(axis, lowest, r.begin + 1, -r.stride);
      if (r.size > 1) reversed.push_back(axis);
    }
  }
  if (!reversed.empty()) y = y.flip(reversed);
  // Only size-1 dimensions appear or vanish here, so this stays a view.
  return y.reshape(plan.output_shape);
}

KernelFactory strided_slice() {
  return [](const KernelInit& init) -> Kernel {
    SliceMasks masks;
    const char* names[] = {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                           "shrink_axis_mask"};
    uint64_t* fields[] = {&masks.begin, &masks.end, &masks.ellipsis, &masks.new_axis,
                          &masks.shrink};
    for (std::size_t i = 0; i < 5; ++i) {
      const int64_t value = init.node.attr_int(names[i], 0);
      if (value < 0) fail(init, std::string(names[i]) + " is negative; expected a bit mask");
      *fields[i] = static_cast<uint64_t>(value);
    }
    const IntInput begin(init, 1, "begin"), end(init, 2, "end"), strides(init, 3, "strides");
    return [=, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      return {apply_plan(x, plan_strided_slice(x.sizes(), begin.list(ctx), end.list(ctx),
                                               strides.list(ctx), masks, where))};
    };
  };
}

}  // namespace

void register_tf_slicing_ops(OpRegistry& registry) {
  add_op(registry, "Slice", slice());
  add_op(registry, "StridedSlice", strided_slice());
}

}  // namespace layerscope::runtime
