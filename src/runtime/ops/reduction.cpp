// Reduce* ops. Every one shares reduce_kernel, which resolves the axes (attribute before opset 18,
// input from 18; ReduceSum's input from 13), keepdims and noop_with_empty_axes, and differs only
// in the ATen reduction it applies.
#include "runtime/registry.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

// What a reduction over no elements yields where ATen cannot compute it (amax of nothing is an
// error there): ONNX defines it as the identity of the reduction.
enum class EmptyResult { FromAten, Lowest, Highest };

using Reduction = at::Tensor (*)(const at::Tensor& x, at::IntArrayRef axes, bool keepdims);

// The lowest (or highest) value of a dtype: -inf/inf for floating types, the limits for integers.
at::Scalar dtype_extreme(at::ScalarType dtype, bool lowest) {
  const auto pick = [lowest](auto type_tag) -> at::Scalar {
    using T = decltype(type_tag);
    return static_cast<int64_t>(lowest ? std::numeric_limits<T>::lowest()
                                       : std::numeric_limits<T>::max());
  };
  switch (dtype) {
    case at::kByte:
      return pick(uint8_t{});
    case at::kChar:
      return pick(int8_t{});
    case at::kShort:
      return pick(int16_t{});
    case at::kInt:
      return pick(int32_t{});
    case at::kLong:
      return pick(int64_t{});
    case at::kBool:
      return !lowest;
    default:
      return lowest ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
}

// Integer inputs go through double for reductions that take logarithms, roots or means.
at::Tensor as_floating(const at::Tensor& x) {
  return at::isFloatingType(x.scalar_type()) ? x : x.to(at::kDouble);
}

// The dtype argument stops ATen widening integer sums to int64.
at::Tensor reduce_sum(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  return at::sum(x, axes, keep, x.scalar_type());
}
at::Tensor reduce_mean(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  return at::mean(as_floating(x), axes, keep).to(x.scalar_type());
}
at::Tensor reduce_max(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  return at::amax(x, axes, keep);
}
at::Tensor reduce_min(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  return at::amin(x, axes, keep);
}
// ATen's prod takes one axis at a time; reduce from the last axis so earlier indices stay valid.
at::Tensor reduce_prod(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  at::Tensor y = x;
  for (auto it = axes.rbegin(); it != axes.rend(); ++it)
    y = at::prod(y, *it, keep, x.scalar_type());
  return axes.empty() ? y.clone() : y;
}
at::Tensor reduce_l1(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  return at::sum(x.abs(), axes, keep, x.scalar_type());
}
at::Tensor reduce_l2(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  const at::Tensor xf = as_floating(x);
  return at::sqrt(at::sum(xf * xf, axes, keep)).to(x.scalar_type());
}
at::Tensor reduce_log_sum(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  return at::log(at::sum(as_floating(x), axes, keep)).to(x.scalar_type());
}
at::Tensor reduce_log_sum_exp(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  return at::logsumexp(as_floating(x), axes, keep).to(x.scalar_type());
}
at::Tensor reduce_sum_square(const at::Tensor& x, at::IntArrayRef axes, bool keep) {
  return at::sum(x * x, axes, keep, x.scalar_type());
}

KernelFactory reduce_kernel(Reduction reduce, EmptyResult empty_result) {
  return [reduce, empty_result](const KernelInit& init) -> Kernel {
    const bool keepdims = init.node.attr_int("keepdims", 1) != 0;
    const bool noop_without_axes = init.node.attr_int("noop_with_empty_axes", 0) != 0;
    const IntListArg axes_arg(init, "axes", 1);
    return [=, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t rank = x.dim();
      std::vector<int64_t> axes = axes_arg.get(ctx).value_or(std::vector<int64_t>{});
      if (axes.empty()) {
        if (noop_without_axes) return {x};
        for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
      }
      for (int64_t& axis : axes) axis = normalize_axis(axis, rank, where);
      std::sort(axes.begin(), axes.end());
      axes.erase(std::unique(axes.begin(), axes.end()), axes.end());

      const bool over_nothing =
          std::any_of(axes.begin(), axes.end(), [&x](int64_t a) { return x.size(a) == 0; });
      if (over_nothing && empty_result != EmptyResult::FromAten) {
        std::vector<int64_t> shape;
        for (int64_t a = 0; a < rank; ++a) {
          const bool reduced = std::binary_search(axes.begin(), axes.end(), a);
          if (!reduced)
            shape.push_back(x.size(a));
          else if (keepdims)
            shape.push_back(1);
        }
        const at::Scalar fill = dtype_extreme(x.scalar_type(), empty_result == EmptyResult::Lowest);
        return {at::full(shape, fill, x.options())};
      }
      return {reduce(x, axes, keepdims)};
    };
  };
}

}  // namespace

void register_reduction_ops(OpRegistry& registry) {
  registry.add("ReduceSum", 1, reduce_kernel(reduce_sum, EmptyResult::FromAten));
  registry.add("ReduceMean", 1, reduce_kernel(reduce_mean, EmptyResult::FromAten));
  registry.add("ReduceMax", 1, reduce_kernel(reduce_max, EmptyResult::Lowest));
  registry.add("ReduceMin", 1, reduce_kernel(reduce_min, EmptyResult::Highest));
  registry.add("ReduceProd", 1, reduce_kernel(reduce_prod, EmptyResult::FromAten));
  registry.add("ReduceL1", 1, reduce_kernel(reduce_l1, EmptyResult::FromAten));
  registry.add("ReduceL2", 1, reduce_kernel(reduce_l2, EmptyResult::FromAten));
  registry.add("ReduceLogSum", 1, reduce_kernel(reduce_log_sum, EmptyResult::FromAten));
  registry.add("ReduceLogSumExp", 1, reduce_kernel(reduce_log_sum_exp, EmptyResult::Lowest));
  registry.add("ReduceSumSquare", 1, reduce_kernel(reduce_sum_square, EmptyResult::FromAten));
}

}  // namespace layerscope::runtime
