// TensorFlow's ops that make a tensor from a shape and a few values: Fill, Range, ZerosLike,
// OnesLike, OneHot. Their size comes from integer inputs, so each checks that size against the
// machine's memory before allocating anything.
#include "runtime/ops/tensorflow/int_inputs.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <layerscope/tensor.h>

#include "runtime/tensor_bridge.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

namespace layerscope::runtime {
namespace {

using tf::add_op;
using tf::check_fits_in_memory;
using tf::dims_string;
using tf::fail_at;
using tf::IntInput;

void check_scalar(const at::Tensor& t, const std::string& what, const std::string& where) {
  if (t.dim() != 0)
    fail_at(where, what + " has shape " + dims_string(t.sizes()) + "; expected a scalar");
}

// Fill(dims, value): value's dtype, every element value.
KernelFactory fill() {
  return [](const KernelInit& init) -> Kernel {
    const IntInput dims_input(init, 0, "dims");
    return [dims_input, where = init.where()](KernelContext& ctx) -> Tensors {
      const std::vector<int64_t> dims = dims_input.list(ctx);
      const at::Tensor& value = ctx.inputs.at(1);
      check_scalar(value, "value", where);
      check_fits_in_memory(dims, value.scalar_type(), "the output", where);
      return {at::empty(dims, value.options()).fill_(value)};
    };
  };
}

std::string number_string(double v) {
  std::ostringstream text;
  text << v;
  return text.str();
}

// How many elements Range(start, limit, delta) has, as TF counts them: in T for floating types
// (so float32's rounding of (limit - start) / delta decides), exactly for integers.
template <typename T>
double range_count(T start, T limit, T delta) {
  if constexpr (std::is_integral_v<T>) {
    const auto span = static_cast<__int128>(limit) - static_cast<__int128>(start);
    const __int128 step = delta < 0 ? -static_cast<__int128>(delta) : delta;
    return static_cast<double>(((span < 0 ? -span : span) + step - 1) / step);
  } else {
    const T quotient = static_cast<T>((limit - start) / delta);
    return std::ceil(std::abs(static_cast<double>(quotient)));
  }
}

// Range(start, limit, delta): start, start + delta, ... up to (excluding) limit, each element the
// previous one plus delta in T, as TF accumulates them (so float rounding matches TF's).
KernelFactory range() {
  return [](const KernelInit& init) -> Kernel {
    return [where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& start_t = ctx.inputs.at(0);
      const at::ScalarType type = start_t.scalar_type();
      const char* names[] = {"start", "limit", "delta"};
      for (std::size_t i = 0; i < 3; ++i) {
        const at::Tensor& t = ctx.inputs.at(i);
        if (t.numel() != 1 || t.dim() > 1)
          fail_at(where, std::string(names[i]) + " has shape " + dims_string(t.sizes()) +
                             "; expected a scalar");
        if (t.scalar_type() != type)
          fail_at(where, "start, limit and delta have different dtypes; expected one Tidx");
      }
      if (type == at::kBool || at::isComplexType(type))
        fail_at(where, "Range of " + dtype_name(to_dtype(type)) + "; expected a numeric dtype");
      at::Tensor out;
      AT_DISPATCH_ALL_TYPES_AND2(at::kHalf, at::kBFloat16, type, "tf_range", [&] {
        const auto start = start_t.item<scalar_t>(), limit = ctx.inputs[1].item<scalar_t>(),
                   delta = ctx.inputs[2].item<scalar_t>();
        const double d = static_cast<double>(delta);
        const double s = static_cast<double>(start), l = static_cast<double>(limit);
        if (d == 0) fail_at(where, "delta is 0; expected a non-zero delta");
        if ((d > 0 && s > l) || (d < 0 && s < l))
          fail_at(where, "start " + number_string(s) + " is " + (d > 0 ? "above" : "below") +
                             " limit " + number_string(l) + " with delta " + number_string(d) +
                             "; expected start " + (d > 0 ? "<=" : ">=") + " limit");
        const double count = range_count<scalar_t>(start, limit, delta);
        if (!(count <= static_cast<double>(std::numeric_limits<int64_t>::max() / 2)))
          fail_at(where, "Range would have " + number_string(count) + " elements");
        const auto n = static_cast<int64_t>(count);
        check_fits_in_memory({n}, type, "the output", where);
        out = at::empty({n}, start_t.options());
        scalar_t* data = out.data_ptr<scalar_t>();
        scalar_t value = start;
        for (int64_t i = 0; i < n; ++i) {
          data[i] = value;
          if (i + 1 < n) value = static_cast<scalar_t>(value + delta);  // never past limit
        }
      });
      return {out};
    };
  };
}

KernelFactory zeros_like() {
  return unary_kernel([](const at::Tensor& x) { return at::zeros_like(x); });
}

KernelFactory ones_like() {
  return unary_kernel([](const at::Tensor& x) { return at::ones_like(x); });
}

// OneHot(indices, depth, on_value, off_value): a new dimension of size depth at `axis` (-1: last)
// holding on_value where it equals the index and off_value elsewhere; an index outside
// [0, depth) gives a row of off_value.
KernelFactory one_hot() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t axis = init.node.attr_int("axis", -1);
    const IntInput depth_input(init, 1, "depth");
    return [axis, depth_input, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& indices = ctx.inputs.at(0);
      const at::Tensor &on = ctx.inputs.at(2), &off = ctx.inputs.at(3);
      check_scalar(on, "on_value", where);
      check_scalar(off, "off_value", where);
      if (on.scalar_type() != off.scalar_type())
        fail_at(where, "on_value and off_value have different dtypes; expected one T");
      if (at::isFloatingType(indices.scalar_type()) || indices.scalar_type() == at::kBool)
        fail_at(where, "indices are " + dtype_name(to_dtype(indices.scalar_type())) +
                           "; expected an integer dtype");
      const int64_t depth = depth_input.scalar(ctx);
      if (depth < 0) fail_at(where, "depth is " + std::to_string(depth) + "; expected >= 0");
      const int64_t rank = indices.dim();
      if (axis < -1 || axis > rank)
        fail_at(where, "axis " + std::to_string(axis) + " is out of range for rank-" +
                           std::to_string(rank) + " indices; expected -1.." + std::to_string(rank));
      const int64_t at_axis = axis == -1 ? rank : axis;
      std::vector<int64_t> out_shape = indices.sizes().vec();
      out_shape.insert(out_shape.begin() + at_axis, depth);
      check_fits_in_memory(out_shape, on.scalar_type(), "the output", where);
      std::vector<int64_t> classes_shape(static_cast<std::size_t>(rank + 1), 1);
      classes_shape[static_cast<std::size_t>(at_axis)] = depth;
      const at::Tensor classes =
          at::arange(depth, at::TensorOptions().dtype(at::kLong)).reshape(classes_shape);
      const at::Tensor hot = indices.to(at::kLong).unsqueeze(at_axis) == classes;
      return {at::where(hot, on, off)};
    };
  };
}

}  // namespace

void register_tf_fill_ops(OpRegistry& registry) {
  add_op(registry, "Fill", fill());
  add_op(registry, "Range", range());
  add_op(registry, "ZerosLike", zeros_like());
  add_op(registry, "OnesLike", ones_like());
  add_op(registry, "OneHot", one_hot());
}

}  // namespace layerscope::runtime
