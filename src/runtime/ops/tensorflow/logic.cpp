// TensorFlow's ops with bool results or conditions: comparisons (Greater ... NotEqual, numpy
// broadcasting, operands of one type), the logical ops on bool, IsNan/IsInf/IsFinite, and Select
// (TF 1: a rank-1 condition picks rows of x and y) and SelectV2 (all three broadcast).
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::Accepts;
using T = const at::Tensor&;
using Predicate = at::Tensor (*)(const at::Tensor&, const at::Tensor&);

// A comparison of two operands of one type, broadcast: numbers, or anything for the equalities.
// Equal and NotEqual with incompatible_shape_error=false answer a scalar false (true) for shapes
// that do not broadcast instead of failing.
enum class Compares { Order, Equality, Inequality };

KernelFactory comparison(Predicate fn, Compares what = Compares::Order) {
  return [=](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2);
    const bool shape_error = init.node.attr_int("incompatible_shape_error", 1) != 0;
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& a = ctx.inputs[0];
      const at::Tensor& b = ctx.inputs[1];
      tf::require_same_type(a, b);
      if (what == Compares::Order) tf::require(a, Accepts::Numbers);
      if (!tf::broadcastable(a.sizes(), b.sizes())) {
        if (shape_error)
          throw Error("shapes " + shape_string(a.sizes().vec()) + " and " +
                      shape_string(b.sizes().vec()) + " do not broadcast");
        return {
            at::scalar_tensor(what == Compares::Inequality, at::TensorOptions().dtype(at::kBool))};
      }
      return {fn(widen_reduced_float(a), widen_reduced_float(b))};
    };
  };
}

KernelFactory logical_binary(Predicate fn) {
  return [fn](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2);
    return [fn](KernelContext& ctx) -> Tensors {
      tf::require(ctx.inputs[0], Accepts::Bools);
      tf::require(ctx.inputs[1], Accepts::Bools);
      return {fn(ctx.inputs[0], ctx.inputs[1])};
    };
  };
}

KernelFactory float_predicate(at::Tensor (*fn)(const at::Tensor&)) {
  return [fn](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    return [fn](KernelContext& ctx) -> Tensors {
      tf::require(ctx.inputs[0], Accepts::Floats);
      return {fn(widen_reduced_float(ctx.inputs[0]))};
    };
  };
}

void require_bool_condition(const at::Tensor& condition) {
  if (condition.scalar_type() != at::kBool)
    throw Error("condition is " + tf::type_name(condition.scalar_type()) + "; expected bool");
}

// Select (TF 1's tf.where): x and y of one shape; the condition a scalar (picks x or y whole),
// a vector of x's first dimension (picks rows), or of x's shape (picks elements).
KernelFactory select() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 3);
    return [](KernelContext& ctx) -> Tensors {
      at::Tensor condition = ctx.inputs[0];
      const at::Tensor& x = ctx.inputs[1];
      const at::Tensor& y = ctx.inputs[2];
      require_bool_condition(condition);
      tf::require_same_type(x, y);
      if (x.sizes() != y.sizes())
        throw Error("x has shape " + shape_string(x.sizes().vec()) + ", y " +
                    shape_string(y.sizes().vec()) + "; expected one shape");
      const bool rows = condition.dim() == 1 && x.dim() > 1 && condition.size(0) == x.size(0);
      if (rows) {
        std::vector<int64_t> shape(x.dim(), 1);
        shape[0] = x.size(0);
        condition = condition.reshape(shape);
      } else if (condition.dim() != 0 && condition.sizes() != x.sizes()) {
        throw Error("condition has shape " + shape_string(condition.sizes().vec()) +
                    "; expected a scalar, x's shape " + shape_string(x.sizes().vec()) +
                    " or a vector of its first dimension");
      }
      return {at::where(condition, x, y)};
    };
  };
}

// SelectV2: condition, x and y broadcast together, numpy's where.
KernelFactory select_v2() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 3);
    return [](KernelContext& ctx) -> Tensors {
      const at::Tensor& condition = ctx.inputs[0];
      require_bool_condition(condition);
      tf::require_same_type(ctx.inputs[1], ctx.inputs[2]);
      const std::vector<at::Tensor> all = {condition, ctx.inputs[1], ctx.inputs[2]};
      for (std::size_t i = 0; i < all.size(); ++i)
        for (std::size_t j = i + 1; j < all.size(); ++j)
          if (!tf::broadcastable(all[i].sizes(), all[j].sizes()))
            throw Error("condition, x and y have shapes " + shape_string(all[0].sizes().vec()) +
                        ", " + shape_string(all[1].sizes().vec()) + " and " +
                        shape_string(all[2].sizes().vec()) + ", which do not broadcast");
      return {at::where(condition, ctx.inputs[1], ctx.inputs[2])};
    };
  };
}

}  // namespace

void register_tf_logic_ops(OpRegistry& registry) {
  using tf::add_op;
  add_op(registry, "Greater", comparison([](T a, T b) { return at::gt(a, b); }));
  add_op(registry, "GreaterEqual", comparison([](T a, T b) { return at::ge(a, b); }));
  add_op(registry, "Less", comparison([](T a, T b) { return at::lt(a, b); }));
  add_op(registry, "LessEqual", comparison([](T a, T b) { return at::le(a, b); }));
  add_op(registry, "Equal", comparison([](T a, T b) { return at::eq(a, b); }, Compares::Equality));
  add_op(registry, "NotEqual",
         comparison([](T a, T b) { return at::ne(a, b); }, Compares::Inequality));
  add_op(registry, "LogicalAnd", logical_binary([](T a, T b) { return at::logical_and(a, b); }));
  add_op(registry, "LogicalOr", logical_binary([](T a, T b) { return at::logical_or(a, b); }));
  add_op(registry, "LogicalNot", [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    return [](KernelContext& ctx) -> Tensors {
      tf::require(ctx.inputs[0], Accepts::Bools);
      return {at::logical_not(ctx.inputs[0])};
    };
  });
  add_op(registry, "IsNan", float_predicate([](T x) { return at::isnan(x); }));
  add_op(registry, "IsInf", float_predicate([](T x) { return at::isinf(x); }));
  add_op(registry, "IsFinite", float_predicate([](T x) { return at::isfinite(x); }));
  add_op(registry, "Select", select());
  add_op(registry, "SelectV2", select_v2());
}

}  // namespace layerscope::runtime
