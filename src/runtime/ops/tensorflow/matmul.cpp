// TensorFlow's matrix products and bias: MatMul (two matrices, transpose_a/transpose_b),
// BatchMatMul (batch dimensions equal), BatchMatMulV2 (batch dimensions broadcast), BatchMatMulV3
// (V2 computed in Tout), all with adj_x/adj_y; BiasAdd (a vector added along the channel axis that
// data_format names: the last for NHWC, 1 for NCHW) and BiasAddV1 (the last axis).
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::Accepts;

std::string shape_of(const at::Tensor& t) { return shape_string(t.sizes().vec()); }

// Integer products run in int64 (ATen's CPU matmul has no int32 kernel); the low bits are the same
// as int32 arithmetic's, so the cast back wraps exactly as TF's int32 MatMul does.
at::Tensor matmul_in_compute_type(const at::Tensor& a, const at::Tensor& b) {
  const at::ScalarType type = a.scalar_type();
  if (at::isIntegralType(type, false) && type != at::kLong)
    return at::matmul(a.to(at::kLong), b.to(at::kLong)).to(type);
  return at::matmul(widen_reduced_float(a), widen_reduced_float(b)).to(type);
}

KernelFactory mat_mul() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2);
    const bool transpose_a = init.node.attr_int("transpose_a", 0) != 0;
    const bool transpose_b = init.node.attr_int("transpose_b", 0) != 0;
    return [transpose_a, transpose_b](KernelContext& ctx) -> Tensors {
      const at::Tensor& a = ctx.inputs[0];
      const at::Tensor& b = ctx.inputs[1];
      tf::require_same_type(a, b);
      tf::require(a, Accepts::Numbers);
      if (a.dim() != 2 || b.dim() != 2)
        throw Error("a is " + shape_of(a) + " and b " + shape_of(b) + "; expected two matrices");
      const at::Tensor x = transpose_a ? a.t() : a;
      const at::Tensor y = transpose_b ? b.t() : b;
      if (x.size(1) != y.size(0))
        throw Error("a is " + shape_of(a) + (transpose_a ? " (transposed)" : "") + ", b " +
                    shape_of(b) + (transpose_b ? " (transposed)" : "") +
                    ": the inner dimensions differ");
      return {matmul_in_compute_type(x, y)};
    };
  };
}

enum class Batching { Equal, Broadcast };

// BatchMatMul{,V2,V3}: [..., r, c] matrices; adj_x/adj_y transpose the last two axes (TF conjugates
// too, which changes nothing for real types). V3's Tout is the type the product is computed in.
KernelFactory batch_mat_mul(Batching batching, bool v3) {
  return [batching, v3](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2);
    const bool adj_x = init.node.attr_int("adj_x", 0) != 0;
    const bool adj_y = init.node.attr_int("adj_y", 0) != 0;
    std::optional<at::ScalarType> out_type;
    if (v3) out_type = tf::dtype_attr(init, "Tout", std::nullopt);
    return [=](KernelContext& ctx) -> Tensors {
      at::Tensor x = ctx.inputs[0];
      at::Tensor y = ctx.inputs[1];
      if (out_type) {
        x = x.to(*out_type);
        y = y.to(*out_type);
      }
      tf::require_same_type(x, y);
      tf::require(x, Accepts::Numbers);
      if (x.dim() < 2 || y.dim() < 2)
        throw Error("x is " + shape_of(x) + " and y " + shape_of(y) +
                    "; expected rank 2 or more for both");
      const at::Tensor a = adj_x ? x.transpose(-1, -2) : x;
      const at::Tensor b = adj_y ? y.transpose(-1, -2) : y;
      const at::IntArrayRef batch_x = a.sizes().slice(0, a.dim() - 2);
      const at::IntArrayRef batch_y = b.sizes().slice(0, b.dim() - 2);
      const bool batches_fit = batching == Batching::Equal ? batch_x.equals(batch_y)
                                                           : tf::broadcastable(batch_x, batch_y);
      if (a.size(-1) != b.size(-2) || !batches_fit)
        throw Error("x is " + shape_of(x) + (adj_x ? " (adjoint)" : "") + ", y " + shape_of(y) +
                    (adj_y ? " (adjoint)" : "") +
                    (a.size(-1) != b.size(-2) ? ": the inner dimensions differ"
                                              : ": the batch dimensions differ"));
      return {matmul_in_compute_type(a, b)};
    };
  };
}

// BiasAdd: `value` of rank 2 or more plus a vector along its channel axis.
KernelFactory bias_add(bool has_data_format) {
  return [has_data_format](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2);
    const std::string format =
        has_data_format ? init.node.attr_string("data_format", "NHWC") : "NHWC";
    if (format != "NHWC" && format != "NCHW")
      fail(init, "data_format is '" + format + "'; expected NHWC or NCHW");
    const bool channels_first = format == "NCHW";
    return [channels_first](KernelContext& ctx) -> Tensors {
      const at::Tensor& value = ctx.inputs[0];
      const at::Tensor& bias = ctx.inputs[1];
      tf::require_same_type(value, bias);
      tf::require(value, Accepts::Numbers);
      if (value.dim() < 2) throw Error("value is " + shape_of(value) + "; expected rank 2 or more");
      const int64_t axis = channels_first ? 1 : value.dim() - 1;
      if (bias.dim() != 1 || bias.size(0) != value.size(axis))
        throw Error("bias is " + shape_of(bias) + " for value " + shape_of(value) +
                    "; expected a vector of its " + std::to_string(value.size(axis)) +
                    " channels (axis " + std::to_string(axis) + ")");
      std::vector<int64_t> shape(value.dim() - axis, 1);
      shape[0] = bias.size(0);
      const at::Tensor wide = widen_reduced_float(value);
      return {(wide + widen_reduced_float(bias).reshape(shape)).to(value.scalar_type())};
    };
  };
}

}  // namespace

void register_tf_matmul_ops(OpRegistry& registry) {
  using tf::add_op;
  add_op(registry, "MatMul", mat_mul());
  add_op(registry, "BatchMatMul", batch_mat_mul(Batching::Equal, false));
  add_op(registry, "BatchMatMulV2", batch_mat_mul(Batching::Broadcast, false));
  add_op(registry, "BatchMatMulV3", batch_mat_mul(Batching::Broadcast, true));
  add_op(registry, "BiasAdd", bias_add(true));
  add_op(registry, "BiasAddV1", bias_add(false));
}

}  // namespace layerscope::runtime
