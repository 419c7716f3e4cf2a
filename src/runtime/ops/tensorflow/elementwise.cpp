// TensorFlow's element-wise arithmetic: the binary ops (Add ... Pow, numpy broadcasting), AddN,
// ClipByValue and the unary math ops, with TF's kernels' semantics: operands of one type, results
// of that type; integer Div truncates toward zero, FloorDiv/FloorMod round toward -inf, integer
// division by zero and integers to negative powers are errors; Maximum/Minimum propagate NaN;
// Round rounds half to even. float16/bfloat16 are computed in float32 and rounded back after each
// op, as TF's Eigen kernels compute them.
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::Accepts;
using T = const at::Tensor&;
using UnaryFn = at::Tensor (*)(const at::Tensor&);
using BinaryFn = at::Tensor (*)(const at::Tensor&, const at::Tensor&);

// Two operands of one type the op takes, broadcast; `fn` sees float32 in place of float16.
KernelFactory binary(Accepts kind, BinaryFn fn) {
  return [kind, fn](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2);
    return [kind, fn](KernelContext& ctx) -> Tensors {
      const at::Tensor& a = ctx.inputs[0];
      const at::Tensor& b = ctx.inputs[1];
      tf::require_same_type(a, b);
      tf::require(a, kind);
      if (!tf::broadcastable(a.sizes(), b.sizes()))
        throw Error("shapes " + shape_string(a.sizes().vec()) + " and " +
                    shape_string(b.sizes().vec()) + " do not broadcast");
      return {fn(widen_reduced_float(a), widen_reduced_float(b)).to(a.scalar_type())};
    };
  };
}

KernelFactory unary(Accepts kind, UnaryFn fn) {
  return [kind, fn](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    return [kind, fn](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      tf::require(x, kind);
      return {fn(widen_reduced_float(x)).to(x.scalar_type())};
    };
  };
}

bool is_integer(const at::Tensor& x) { return at::isIntegralType(x.scalar_type(), false); }

// TF's integer Div, FloorDiv and FloorMod fail on a zero divisor instead of trapping.
void require_nonzero_divisor(const at::Tensor& divisor) {
  if (is_integer(divisor) && at::any(divisor == 0).item<bool>())
    throw Error("integer division by zero");
}

// Div: C's truncating division for integers, IEEE division for floats.
at::Tensor div(T a, T b) {
  if (!is_integer(a)) return at::div(a, b);
  require_nonzero_divisor(b);
  return at::div(a, b, "trunc");
}

at::Tensor real_div(T a, T b) { return at::div(a, b); }

at::Tensor truncate_div(T a, T b) {
  require_nonzero_divisor(b);
  return at::div(a, b, "trunc");
}

// FloorDiv: floor(a / b) for floats, as TF computes it (1.0 // 0.1 is 10, not Python's 9).
at::Tensor floor_div(T a, T b) {
  if (!is_integer(a)) return at::floor(at::div(a, b));
  require_nonzero_divisor(b);
  return at::div(a, b, "floor");
}

// FloorMod: the remainder takes the divisor's sign. For floats TF adds the divisor to a C fmod
// whose sign differs from it.
at::Tensor floor_mod(T a, T b) {
  if (is_integer(a)) {
    require_nonzero_divisor(b);
    return at::remainder(a, b);
  }
  const at::Tensor r = at::fmod(a, b);
  return at::where(r.ne(0).logical_and(r.lt(0).ne(b.lt(0))), r + b, r);
}

at::Tensor pow(T a, T b) {
  if (is_integer(b) && at::any(b < 0).item<bool>())
    throw Error("integers to negative integer powers are not allowed");
  return at::pow(a, b);
}

at::Tensor squared_difference(T a, T b) {
  const at::Tensor d = at::sub(a, b);
  return d * d;
}

at::Tensor round_half_to_even(T x) { return is_integer(x) ? x : at::round(x); }

// AddN: every input of one type and one shape (TF does not broadcast them), summed in order.
KernelFactory add_n() {
  return [](const KernelInit& init) -> Kernel {
    if (init.input_count() == 0) fail(init, "has no inputs; expected at least one");
    return [](KernelContext& ctx) -> Tensors {
      const at::Tensor& first = ctx.inputs[0];
      tf::require(first, Accepts::Numbers);
      const at::ScalarType type = first.scalar_type();
      at::Tensor sum = widen_reduced_float(first);
      const bool reduced = sum.scalar_type() != type;
      for (std::size_t i = 1; i < ctx.inputs.size(); ++i) {
        const at::Tensor& x = ctx.inputs[i];
        tf::require_same_type(first, x);
        if (x.sizes() != first.sizes())
          throw Error("input " + std::to_string(i) + " has shape " + shape_string(x.sizes().vec()) +
                      ", input 0 " + shape_string(first.sizes().vec()) +
                      "; AddN adds tensors of one shape");
        sum = sum + widen_reduced_float(x);
        if (reduced) sum = sum.to(type).to(at::kFloat);  // TF rounds each partial sum
      }
      return {sum.to(type)};
    };
  };
}

// ClipByValue(t, min, max): each bound a scalar or of t's shape; min(t, max) first, then max with
// min, TF's order (a min above max gives min).
KernelFactory clip_by_value() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 3);
    return [](KernelContext& ctx) -> Tensors {
      const at::Tensor& t = ctx.inputs[0];
      tf::require(t, Accepts::Numbers);
      const char* names[] = {"t", "clip_value_min", "clip_value_max"};
      for (std::size_t i = 1; i < 3; ++i) {
        const at::Tensor& bound = ctx.inputs[i];
        tf::require_same_type(t, bound);
        if (bound.dim() != 0 && bound.sizes() != t.sizes())
          throw Error(std::string(names[i]) + " has shape " + shape_string(bound.sizes().vec()) +
                      "; expected a scalar or t's shape " + shape_string(t.sizes().vec()));
      }
      const at::Tensor upper =
          at::minimum(widen_reduced_float(t), widen_reduced_float(ctx.inputs[2]));
      return {at::maximum(upper, widen_reduced_float(ctx.inputs[1])).to(t.scalar_type())};
    };
  };
}

}  // namespace

void register_tf_elementwise_ops(OpRegistry& registry) {
  using tf::add_op;
  add_op(registry, "Add", binary(Accepts::Numbers, [](T a, T b) { return at::add(a, b); }));
  add_op(registry, "AddV2", binary(Accepts::Numbers, [](T a, T b) { return at::add(a, b); }));
  add_op(registry, "Sub", binary(Accepts::Numbers, [](T a, T b) { return at::sub(a, b); }));
  add_op(registry, "Mul", binary(Accepts::Numbers, [](T a, T b) { return at::mul(a, b); }));
  add_op(registry, "Div", binary(Accepts::Numbers, div));
  add_op(registry, "RealDiv", binary(Accepts::Floats, real_div));
  add_op(registry, "TruncateDiv", binary(Accepts::Integers, truncate_div));
  add_op(registry, "FloorDiv", binary(Accepts::Numbers, floor_div));
  add_op(registry, "FloorMod", binary(Accepts::Numbers, floor_mod));
  add_op(registry, "Maximum", binary(Accepts::Numbers, [](T a, T b) { return at::maximum(a, b); }));
  add_op(registry, "Minimum", binary(Accepts::Numbers, [](T a, T b) { return at::minimum(a, b); }));
  add_op(registry, "SquaredDifference", binary(Accepts::Numbers, squared_difference));
  add_op(registry, "Pow", binary(Accepts::Numbers, pow));
  add_op(registry, "AddN", add_n());
  add_op(registry, "ClipByValue", clip_by_value());

  add_op(registry, "Neg", unary(Accepts::Numbers, [](T x) { return at::neg(x); }));
  add_op(registry, "Abs", unary(Accepts::Numbers, [](T x) { return at::abs(x); }));
  add_op(registry, "Sign", unary(Accepts::Numbers, [](T x) { return at::sign(x); }));
  add_op(registry, "Square", unary(Accepts::Numbers, [](T x) { return at::mul(x, x); }));
  add_op(registry, "Round", unary(Accepts::Numbers, round_half_to_even));
  // The rest have float kernels only in TF.
  const std::vector<std::pair<const char*, UnaryFn>> float_ops = {
      {"Sqrt", [](T x) { return at::sqrt(x); }},
      {"Rsqrt", [](T x) { return at::rsqrt(x); }},
      {"Exp", [](T x) { return at::exp(x); }},
      {"Expm1", [](T x) { return at::expm1(x); }},
      {"Log", [](T x) { return at::log(x); }},
      {"Log1p", [](T x) { return at::log1p(x); }},
      {"Floor", [](T x) { return at::floor(x); }},
      {"Ceil", [](T x) { return at::ceil(x); }},
      {"Reciprocal", [](T x) { return at::reciprocal(x); }},
      {"Inv", [](T x) { return at::reciprocal(x); }},
      {"Erf", [](T x) { return at::erf(x); }},
      {"Sin", [](T x) { return at::sin(x); }},
      {"Cos", [](T x) { return at::cos(x); }},
      {"Tan", [](T x) { return at::tan(x); }},
      {"Asin", [](T x) { return at::asin(x); }},
      {"Acos", [](T x) { return at::acos(x); }},
      {"Atan", [](T x) { return at::atan(x); }},
      {"Sinh", [](T x) { return at::sinh(x); }},
      {"Cosh", [](T x) { return at::cosh(x); }},
  };
  for (const auto& [op, fn] : float_ops) add_op(registry, op, unary(Accepts::Floats, fn));
}

}  // namespace layerscope::runtime
