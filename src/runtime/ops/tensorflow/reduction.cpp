// TensorFlow's reductions: Sum, Mean, Max, Min, Prod (numbers) and All, Any (bool) over the axes
// input 1 holds (reduction_indices: int32 or int64, a scalar or a vector, negative axes counting
// from the end, repeats allowed, an empty list reducing nothing), keeping the reduced axes as 1s
// when keep_dims (false by default); and ArgMax/ArgMin over one axis (output_type, int64 by
// default; the first index among equal values). As TF computes them: integer sums and products
// wrap, an integer Mean truncates toward zero, Max (Min) over no elements is the type's lowest
// (highest) value, NaN propagates through Max and Min.
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::Accepts;
using Axes = std::vector<int64_t>;
using Reduce = at::Tensor (*)(const at::Tensor& x, const Axes& axes, bool keep);

void require_integer_tensor(const at::Tensor& t, const char* what) {
  const at::ScalarType type = t.scalar_type();
  if (type != at::kInt && type != at::kLong)
    throw Error(std::string(what) + " are " + tf::type_name(type) + "; expected int32 or int64");
}

// The axes as non-negative numbers, sorted and without repeats.
Axes resolve_axes(const at::Tensor& indices, int64_t rank) {
  require_integer_tensor(indices, "reduction indices");
  if (indices.dim() > 1)
    throw Error("reduction indices have shape " + shape_string(indices.sizes().vec()) +
                "; expected a scalar or a vector");
  Axes axes;
  for (int64_t axis : to_int64_vector(indices)) {
    if (axis < -rank || axis >= rank)
      throw Error("reduction axis " + std::to_string(axis) + " is out of range for rank " +
                  std::to_string(rank) + "; expected " + std::to_string(-rank) + ".." +
                  std::to_string(rank - 1));
    axes.push_back(axis < 0 ? axis + rank : axis);
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

bool reduces_nothing(const at::Tensor& x, const Axes& axes) {
  return std::any_of(axes.begin(), axes.end(), [&](int64_t a) { return x.size(a) == 0; });
}

std::vector<int64_t> reduced_shape(const at::Tensor& x, const Axes& axes, bool keep) {
  std::vector<int64_t> shape;
  for (int64_t d = 0; d < x.dim(); ++d) {
    const bool reduced = std::binary_search(axes.begin(), axes.end(), d);
    if (!reduced) shape.push_back(x.size(d));
    if (reduced && keep) shape.push_back(1);
  }
  return shape;
}

at::Tensor sum(const at::Tensor& x, const Axes& axes, bool keep) {
  const at::Tensor wide = widen_reduced_float(x);
  return at::sum(wide, axes, keep, wide.scalar_type()).to(x.scalar_type());
}

at::Tensor mean(const at::Tensor& x, const Axes& axes, bool keep) {
  if (at::isFloatingType(x.scalar_type()))
    return at::mean(widen_reduced_float(x), axes, keep).to(x.scalar_type());
  int64_t count = 1;
  for (int64_t a : axes) count *= x.size(a);
  if (count == 0) throw Error("integer Mean over no elements divides by zero");
  return at::div(at::sum(x, axes, keep, x.scalar_type()), count, "trunc");
}

// The lowest (highest) value of a type: what Max (Min) over no elements gives in TF.
template <typename Int>
at::Scalar limit(bool lowest) {
  return static_cast<int64_t>(lowest ? std::numeric_limits<Int>::lowest()
                                     : std::numeric_limits<Int>::max());
}

at::Scalar lowest_or_highest(at::ScalarType type, bool lowest) {
  switch (type) {
    case at::kByte:
      return limit<uint8_t>(lowest);
    case at::kChar:
      return limit<int8_t>(lowest);
    case at::kShort:
      return limit<int16_t>(lowest);
    case at::kInt:
      return limit<int32_t>(lowest);
    case at::kLong:
      return limit<int64_t>(lowest);
    default:
      return lowest ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
}

at::Tensor extreme(const at::Tensor& x, const Axes& axes, bool keep, bool max) {
  if (reduces_nothing(x, axes))
    return at::full(reduced_shape(x, axes, keep), lowest_or_highest(x.scalar_type(), max),
                    x.options());
  const at::Tensor wide = widen_reduced_float(x);
  return (max ? at::amax(wide, axes, keep) : at::amin(wide, axes, keep)).to(x.scalar_type());
}

at::Tensor max(const at::Tensor& x, const Axes& axes, bool keep) {
  return extreme(x, axes, keep, true);
}
at::Tensor min(const at::Tensor& x, const Axes& axes, bool keep) {
  return extreme(x, axes, keep, false);
}

// ATen's prod, all and any take one axis at a time: from the last, so earlier ones keep their
// numbers.
at::Tensor prod(const at::Tensor& x, const Axes& axes, bool keep) {
  at::Tensor y = widen_reduced_float(x);
  for (auto a = axes.rbegin(); a != axes.rend(); ++a) y = at::prod(y, *a, keep, y.scalar_type());
  return y.to(x.scalar_type());
}
at::Tensor all(const at::Tensor& x, const Axes& axes, bool keep) {
  at::Tensor y = x;
  for (auto a = axes.rbegin(); a != axes.rend(); ++a) y = at::all(y, *a, keep);
  return y;
}
at::Tensor any(const at::Tensor& x, const Axes& axes, bool keep) {
  at::Tensor y = x;
  for (auto a = axes.rbegin(); a != axes.rend(); ++a) y = at::any(y, *a, keep);
  return y;
}

KernelFactory reduction(Accepts kind, Reduce reduce) {
  return [kind, reduce](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2);
    const bool keep = init.node.attr_int("keep_dims", 0) != 0;
    const at::Tensor constant_indices = init.constant_input(1);  // read once when constant
    return [kind, reduce, keep, constant_indices](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      tf::require(x, kind);
      const at::Tensor& indices = constant_indices.defined() ? constant_indices : ctx.inputs[1];
      const Axes axes = resolve_axes(indices, x.dim());
      if (axes.empty()) return {x};
      return {reduce(x, axes, keep)};
    };
  };
}

// ArgMax/ArgMin: the index of the largest (smallest) value along the axis of the scalar input 1.
KernelFactory arg_extreme(bool max) {
  return [max](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2);
    const at::ScalarType out = tf::dtype_attr(init, "output_type", at::kLong);
    if (out != at::kLong && out != at::kInt && out != at::kShort)
      fail(init, "output_type is " + tf::type_name(out) + "; expected int64, int32 or int16");
    return [max, out](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      const at::Tensor& dimension = ctx.inputs[1];
      if (x.scalar_type() != at::kBool) tf::require(x, Accepts::Numbers);
      require_integer_tensor(dimension, "axis values");
      if (dimension.dim() != 0)
        throw Error("axis has shape " + shape_string(dimension.sizes().vec()) +
                    "; expected a scalar");
      const Axes axes = resolve_axes(dimension, x.dim());
      const int64_t axis = axes.at(0);
      if (x.size(axis) == 0)
        throw Error("axis " + std::to_string(axis) + " of shape " + shape_string(x.sizes().vec()) +
                    " is empty; expected at least one value");
      const at::Tensor wide =
          x.scalar_type() == at::kBool ? x.to(at::kByte) : widen_reduced_float(x);
      return {(max ? at::argmax(wide, axis) : at::argmin(wide, axis)).to(out)};
    };
  };
}

}  // namespace

void register_tf_reduction_ops(OpRegistry& registry) {
  using tf::add_op;
  add_op(registry, "Sum", reduction(Accepts::Numbers, sum));
  add_op(registry, "Mean", reduction(Accepts::Numbers, mean));
  add_op(registry, "Max", reduction(Accepts::Numbers, max));
  add_op(registry, "Min", reduction(Accepts::Numbers, min));
  add_op(registry, "Prod", reduction(Accepts::Numbers, prod));
  add_op(registry, "All", reduction(Accepts::Bools, all));
  add_op(registry, "Any", reduction(Accepts::Bools, any));
  add_op(registry, "ArgMax", arg_extreme(true));
  add_op(registry, "ArgMin", arg_extreme(false));
}

}  // namespace layerscope::runtime
