// Elementwise math, logic, comparison and casting ops: one input or several broadcast inputs, one
// output of the broadcast shape.
//
// ONNX types these ops strictly (binary inputs share one type, unary results keep the input type)
// where ATen promotes (int + float -> float, erf(int) -> float), so the helpers below check input
// types and cast results back rather than letting ATen's promotion leak into the graph.
#include "runtime/kernel.h"
#include "runtime/registry.h"
#include "runtime/tensor_bridge.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

void require_same_dtype(const std::string& where, const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type()) {
    throw Error(where + ": inputs have different types (" +
                std::string(c10::toString(a.scalar_type())) + " and " +
                c10::toString(b.scalar_type()) + "); expected one type");
  }
}

// Opsets before 7 broadcast only when the node says broadcast=1, aligning B's dimensions with A's
// starting at `axis` (numpy's suffix alignment when no axis is given).
struct LegacyBroadcast {
  std::optional<int64_t> axis;

  static LegacyBroadcast of(const KernelInit& init) {
    LegacyBroadcast legacy;
    if (init.opset < 7 && init.node.attr_int("broadcast", 0) != 0 &&
        init.node.find_attribute("axis") != nullptr) {
      legacy.axis = init.node.attr_int("axis", 0);
    }
    return legacy;
  }

  // B reshaped with trailing 1s so numpy broadcasting lines it up at `axis`.
  at::Tensor align(const at::Tensor& a, const at::Tensor& b) const {
    if (!axis || b.dim() >= a.dim()) return b;
    const int64_t start = *axis < 0 ? *axis + a.dim() : *axis;
    std::vector<int64_t> shape = b.sizes().vec();
    shape.resize(std::max<int64_t>(a.dim() - start, b.dim()), 1);
    return b.reshape(shape);
  }
};

// One input, result of the input's type.
template <typename Fn>
KernelFactory math_kernel(Fn fn) {
  return unary_kernel(
      [fn](const at::Tensor& x) { return fn(widen_reduced_float(x)).to(x.scalar_type()); });
}

// Two inputs of one type, broadcast; result of that type (arithmetic) or bool (predicates).
template <typename Fn>
KernelFactory binary_op_kernel(Fn fn, bool result_is_bool) {
  return [fn, result_is_bool](const KernelInit& init) -> Kernel {
    const LegacyBroadcast legacy = LegacyBroadcast::of(init);
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& a = ctx.inputs.at(0);
      const at::Tensor b = legacy.align(a, ctx.inputs.at(1));
      require_same_dtype(where, a, b);
      const at::Tensor result = fn(a, b);
      return {result_is_bool ? result : result.to(a.scalar_type())};
    };
  };
}
template <typename Fn>
KernelFactory arithmetic_kernel(Fn fn) {
  return binary_op_kernel(fn, false);
}
template <typename Fn>
KernelFactory predicate_kernel(Fn fn) {
  return binary_op_kernel(fn, true);
}

// Max, Min, Sum, Mean: any number of inputs of one type, broadcast together, folded left to right.
template <typename Fn>
KernelFactory variadic_kernel(Fn fold) {
  return [fold](const KernelInit& init) -> Kernel {
    if (init.input_count() == 0) fail(init, "no inputs; expected at least one");
    const std::string where = init.where();
    return [fold, where](KernelContext& ctx) -> Tensors {
      if (ctx.inputs.size() == 1) return {ctx.inputs[0].clone()};
      at::Tensor result = ctx.inputs.at(0);
      for (std::size_t i = 1; i < ctx.inputs.size(); ++i) {
        require_same_dtype(where, result, ctx.inputs[i]);
        result = fold(result, ctx.inputs[i]);
      }
      return {result};
    };
  };
}

at::Tensor divide(const at::Tensor& a, const at::Tensor& b) {
  // Integer division truncates toward zero, as in C (and onnxruntime).
  if (at::isIntegralType(a.scalar_type(), /*includeBool=*/false)) return at::div(a, b, "trunc");
  return at::div(a, b);
}

at::Tensor cast(const at::Tensor& x, at::ScalarType type) {
  // A fresh tensor even when the type already matches: the output must not alias the input.
  return x.to(type, /*non_blocking=*/false, /*copy=*/true);
}

KernelFactory cast_kernel() {
  return [](const KernelInit& init) -> Kernel {
    const Attribute* to = init.node.find_attribute("to");
    if (to == nullptr || to->kind != Attribute::Kind::Int) {
      fail(init, "missing integer attribute 'to'; expected a TensorProto data type");
    }
    // Throws for the types ATen 1.13 lacks: uint16/32/64, string, float8.
    const at::ScalarType type = to_scalar_type(static_cast<DType>(to->i), init.where());
    return [type](KernelContext& ctx) -> Tensors { return {cast(ctx.inputs.at(0), type)}; };
  };
}

// Clip bounds come from attributes min/max before opset 11 and from optional inputs 1 and 2 after.
KernelFactory clip_kernel() {
  return [](const KernelInit& init) -> Kernel {
    const bool bounds_are_attributes = init.opset < 11;
    const double min_attr = init.node.attr_float("min", std::numeric_limits<float>::lowest());
    const double max_attr = init.node.attr_float("max", std::numeric_limits<float>::max());
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      at::Tensor clipped;
      if (bounds_are_attributes) {
        clipped = at::clamp(widen_reduced_float(x), min_attr, max_attr);
      } else if (!ctx.has(1) && !ctx.has(2)) {
        clipped = x.clone();
      } else {
        auto bound = [&](std::size_t i) -> c10::optional<at::Tensor> {
          if (!ctx.has(i)) return c10::nullopt;
          return widen_reduced_float(ctx.inputs[i]);
        };
        clipped = at::clamp(widen_reduced_float(x), bound(1), bound(2));
      }
      return {clipped.to(x.scalar_type())};
    };
  };
}

KernelFactory is_inf_kernel() {
  return [](const KernelInit& init) -> Kernel {
    const bool positive = init.node.attr_int("detect_positive", 1) != 0;
    const bool negative = init.node.attr_int("detect_negative", 1) != 0;
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (positive && negative) return {at::isinf(x)};
      if (positive) return {at::isposinf(x)};
      if (negative) return {at::isneginf(x)};
      return {at::zeros(x.sizes(), x.options().dtype(at::kBool))};
    };
  };
}

KernelFactory mod_kernel() {
  return [](const KernelInit& init) -> Kernel {
    // fmod=0: the result takes the divisor's sign (Python's %); fmod=1: the dividend's (C fmod).
    if (init.node.attr_int("fmod", 0) != 0) {
      return arithmetic_kernel([](const at::Tensor& a, const at::Tensor& b) {
        return at::fmod(widen_reduced_float(a), widen_reduced_float(b));
      })(init);
    }
    return arithmetic_kernel([](const at::Tensor& a, const at::Tensor& b) {
      return at::remainder(widen_reduced_float(a), widen_reduced_float(b));
    })(init);
  };
}

KernelFactory bit_shift_kernel() {
  return [](const KernelInit& init) -> Kernel {
    const std::string direction = init.node.attr_string("direction", "");
    using T = const at::Tensor&;
    if (direction == "LEFT") {
      return arithmetic_kernel([](T a, T b) { return at::bitwise_left_shift(a, b); })(init);
    }
    if (direction == "RIGHT") {
      return arithmetic_kernel([](T a, T b) { return at::bitwise_right_shift(a, b); })(init);
    }
    fail(init, "direction is '" + direction + "'; expected LEFT or RIGHT");
  };
}

}  // namespace

void register_elementwise_ops(OpRegistry& registry) {
  using T = const at::Tensor&;

  // Arithmetic. Opsets 1-6 differ only in the broadcast/axis attributes, handled by the helper.
  registry.add("Add", 1, arithmetic_kernel([](T a, T b) { return at::add(a, b); }));
  registry.add("Sub", 1, arithmetic_kernel([](T a, T b) { return at::sub(a, b); }));
  registry.add("Mul", 1, arithmetic_kernel([](T a, T b) { return at::mul(a, b); }));
  registry.add("Div", 1, arithmetic_kernel(divide));
  registry.add("Mod", 10, mod_kernel());
  // Pow's exponent may have another type (opset 12+); the result keeps the base's type.
  registry.add("Pow", 1, [](const KernelInit& init) -> Kernel {
    const LegacyBroadcast legacy = LegacyBroadcast::of(init);
    return [legacy](KernelContext& ctx) -> Tensors {
      const at::Tensor& base = ctx.inputs.at(0);
      const at::Tensor exponent = legacy.align(base, ctx.inputs.at(1));
      return {
          at::pow(widen_reduced_float(base), widen_reduced_float(exponent)).to(base.scalar_type())};
    };
  });

  // Unary math; the result keeps the input's type.
  registry.add("Neg", 1, math_kernel([](T x) { return at::neg(x); }));
  registry.add("Abs", 1, math_kernel([](T x) { return at::abs(x); }));
  registry.add("Reciprocal", 1, math_kernel([](T x) { return at::reciprocal(x); }));
  registry.add("Floor", 1, math_kernel([](T x) { return at::floor(x); }));
  registry.add("Ceil", 1, math_kernel([](T x) { return at::ceil(x); }));
  registry.add("Round", 11, math_kernel([](T x) { return at::round(x); }));  // half to even
  registry.add("Sqrt", 1, math_kernel([](T x) { return at::sqrt(x); }));
  registry.add("Exp", 1, math_kernel([](T x) { return at::exp(x); }));
  registry.add("Log", 1, math_kernel([](T x) { return at::log(x); }));
  registry.add("Sign", 9, math_kernel([](T x) { return at::sign(x); }));
  registry.add("Erf", 9, math_kernel([](T x) { return at::erf(x); }));
  registry.add("Sin", 7, math_kernel([](T x) { return at::sin(x); }));
  registry.add("Cos", 7, math_kernel([](T x) { return at::cos(x); }));
  registry.add("Tan", 7, math_kernel([](T x) { return at::tan(x); }));
  registry.add("Asin", 7, math_kernel([](T x) { return at::asin(x); }));
  registry.add("Acos", 7, math_kernel([](T x) { return at::acos(x); }));
  registry.add("Atan", 7, math_kernel([](T x) { return at::atan(x); }));
  registry.add("Sinh", 9, math_kernel([](T x) { return at::sinh(x); }));
  registry.add("Cosh", 9, math_kernel([](T x) { return at::cosh(x); }));
  registry.add("Asinh", 9, math_kernel([](T x) { return at::asinh(x); }));
  registry.add("Acosh", 9, math_kernel([](T x) { return at::acosh(x); }));
  registry.add("Atanh", 9, math_kernel([](T x) { return at::atanh(x); }));

  // Float classification; bool results.
  registry.add("IsNaN", 9, unary_kernel([](T x) { return at::isnan(x); }));
  registry.add("IsInf", 10, is_inf_kernel());

  // Logic on bool tensors, and bitwise logic on integers.
  registry.add("Not", 1, unary_kernel([](T x) { return at::logical_not(x); }));
  registry.add("And", 1, predicate_kernel([](T a, T b) { return at::logical_and(a, b); }));
  registry.add("Or", 1, predicate_kernel([](T a, T b) { return at::logical_or(a, b); }));
  registry.add("Xor", 1, predicate_kernel([](T a, T b) { return at::logical_xor(a, b); }));
  registry.add("BitShift", 11, bit_shift_kernel());
  registry.add("BitwiseNot", 18, unary_kernel([](T x) { return at::bitwise_not(x); }));
  registry.add("BitwiseAnd", 18, arithmetic_kernel([](T a, T b) { return at::bitwise_and(a, b); }));
  registry.add("BitwiseOr", 18, arithmetic_kernel([](T a, T b) { return at::bitwise_or(a, b); }));
  registry.add("BitwiseXor", 18, arithmetic_kernel([](T a, T b) { return at::bitwise_xor(a, b); }));

  // Comparisons; bool results.
  registry.add("Equal", 1, predicate_kernel([](T a, T b) { return at::eq(a, b); }));
  registry.add("Less", 1, predicate_kernel([](T a, T b) { return at::lt(a, b); }));
  registry.add("Greater", 1, predicate_kernel([](T a, T b) { return at::gt(a, b); }));
  registry.add("LessOrEqual", 12, predicate_kernel([](T a, T b) { return at::le(a, b); }));
  registry.add("GreaterOrEqual", 12, predicate_kernel([](T a, T b) { return at::ge(a, b); }));

  // Variadic; opsets before 8 required equal shapes, which broadcasting also handles.
  registry.add("Max", 1, variadic_kernel([](T a, T b) { return at::maximum(a, b); }));
  registry.add("Min", 1, variadic_kernel([](T a, T b) { return at::minimum(a, b); }));
  registry.add("Sum", 1, variadic_kernel([](T a, T b) { return at::add(a, b); }));
  registry.add("Mean", 1, [](const KernelInit& init) -> Kernel {
    const Kernel sum = variadic_kernel([](T a, T b) { return at::add(a, b); })(init);
    return [sum](KernelContext& ctx) -> Tensors {
      const at::Tensor total = sum(ctx).at(0);
      return {at::div(total, static_cast<double>(ctx.inputs.size())).to(total.scalar_type())};
    };
  });

  registry.add("Where", 9, [](const KernelInit& init) -> Kernel {
    const std::string where = init.where();
    return [where](KernelContext& ctx) -> Tensors {
      require_same_dtype(where, ctx.inputs.at(1), ctx.inputs.at(2));
      return {at::where(ctx.inputs.at(0), ctx.inputs[1], ctx.inputs[2])};
    };
  });
  registry.add("Clip", 1, clip_kernel());

  // Cast-1 named the type with a string; 6+ use the TensorProto number. 19's 'saturate' only
  // concerns float8, which ATen lacks.
  registry.add("Cast", 6, cast_kernel());
  registry.add("CastLike", 15,
               binary_kernel([](T x, T like) { return cast(x, like.scalar_type()); }));
}

}  // namespace layerscope::runtime
