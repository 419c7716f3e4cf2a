// Linear quantization: QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear.
//
// A quantized tensor q stands for (q - zero_point) * scale, with one scale and zero point for the
// whole tensor or (opset 13) one per slice along `axis`, or (opset 21) one per block of
// `block_size` elements along `axis`.
#include "runtime/ops/quantize_common.h"
#include "runtime/registry.h"
#include "runtime/tensor_bridge.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace layerscope::runtime {

namespace {

// Where the per-axis parameters of a node apply; `block_size` is 0 unless blocked (opset 21).
struct QuantizationAxis {
  int64_t axis = 1;
  int64_t block_size = 0;

  static QuantizationAxis read(const KernelInit& init) {
    QuantizationAxis a;
    a.axis = init.node.attr_int("axis", 1);
    a.block_size = init.node.attr_int("block_size", 0);
    if (a.block_size < 0)
      fail(init, "block_size is " + std::to_string(a.block_size) + "; expected >= 0");
    return a;
  }

  // A scale or zero point shaped to broadcast against `x`: a scalar for a per-tensor parameter,
  // [1,..,C,..,1] for a per-axis one, and repeated to x's size along `axis` for a blocked one.
  at::Tensor broadcastable(const at::Tensor& param, const at::Tensor& x,
                           const std::string& where) const {
    if (!param.defined()) return param;
    if (block_size == 0 && param.numel() == 1 && param.dim() <= 1) return param.reshape({});
    const int64_t rank = x.dim();
    const int64_t a = normalize_axis(axis, rank, where);
    if (block_size > 0) {
      const int64_t blocks = (x.size(a) + block_size - 1) / block_size;
      bool fits = param.dim() == rank && param.size(a) == blocks;
      for (int64_t d = 0; fits && d < rank; ++d) fits = d == a || param.size(d) == x.size(d);
      if (!fits)
        throw Error(where + ": blocked scale or zero point has shape " + c10::str(param.sizes()) +
                    "; expected x's shape " + c10::str(x.sizes()) + " with " +
                    std::to_string(blocks) + " blocks of " + std::to_string(block_size) +
                    " along axis " + std::to_string(a));
      return param.repeat_interleave(block_size, a).narrow(a, 0, x.size(a));
    }
    if (param.dim() != 1 || param.size(0) != x.size(a))
      throw Error(where + ": scale or zero point has shape " + c10::str(param.sizes()) +
                  "; expected a scalar or [" + std::to_string(x.size(a)) + "] (x's axis " +
                  std::to_string(a) + ")");
    std::vector<int64_t> shape(rank, 1);
    shape[a] = param.size(0);
    return param.reshape(shape);
  }
};

// The type QuantizeLinear produces without a zero point: `output_dtype` (opset 21), else uint8.
at::ScalarType default_quantized_type(const KernelInit& init) {
  const int64_t output_dtype = init.node.attr_int("output_dtype", 0);
  if (output_dtype == 0) return at::kByte;
  const at::ScalarType type = to_scalar_type(static_cast<DType>(output_dtype), init.where());
  quantized_range(type, init.where());  // rejects non-quantized types at load
  return type;
}

// y = saturate(rint(x / y_scale) + y_zero_point). Inputs: x, y_scale, optional y_zero_point.
KernelFactory quantize_linear() {
  return [](const KernelInit& init) -> Kernel {
    const QuantizationAxis axis = QuantizationAxis::read(init);
    const at::ScalarType default_type = default_quantized_type(init);
    const std::string where = init.where();
    return [axis, default_type, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const at::Tensor zero_point = ctx.has(2) ? ctx.inputs[2] : at::Tensor();
      const at::ScalarType type = zero_point.defined() ? zero_point.scalar_type() : default_type;
      // Divide in x's precision as numpy (ONNX's reference) does; int32 x is exact in float64.
      const at::ScalarType compute =
          x.scalar_type() == at::kDouble || x.scalar_type() == at::kInt ? at::kDouble : at::kFloat;
      const at::Tensor scale = axis.broadcastable(ctx.inputs.at(1), x, where).to(compute);
      return {
          requantize(x.to(compute) / scale, axis.broadcastable(zero_point, x, where), type, where)};
    };
  };
}

// y = (x - x_zero_point) * x_scale, in x_scale's type. Inputs: x, x_scale, optional x_zero_point.
KernelFactory dequantize_linear() {
  return [](const KernelInit& init) -> Kernel {
    const QuantizationAxis axis = QuantizationAxis::read(init);
    const std::string where = init.where();
    return [axis, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const at::Tensor& x_scale = ctx.inputs.at(1);
      // The difference is exact in int32 for 8- and 16-bit data (int32 data has no zero point).
      at::Tensor offsets = x.to(at::kInt);
      if (ctx.has(2)) offsets = offsets - axis.broadcastable(ctx.inputs[2], x, where).to(at::kInt);
      const at::Tensor scale = widen_reduced_float(axis.broadcastable(x_scale, x, where));
      return {(offsets.to(scale.scalar_type()) * scale).to(x_scale.scalar_type())};
    };
  };
}

// Quantizes float32 x to uint8 with the scale and zero point that map [min(x, 0), max(x, 0)] onto
// [0, 255]. Outputs y, y_scale, y_zero_point. Computed in float32 like ONNX's reference.
KernelFactory dynamic_quantize_linear() {
  return [](const KernelInit& init) -> Kernel {
    const std::string where = init.where();
    return [where](KernelContext& ctx) -> Tensors {
      const at::Tensor x = ctx.inputs.at(0).to(at::kFloat);
      // The range always includes 0 so that 0 is exactly representable.
      float low = 0.0f;
      float high = 0.0f;
      if (x.numel() > 0) {
        low = std::min(low, x.min().item<float>());
        high = std::max(high, x.max().item<float>());
      }
      const float scale = (high - low) / 255.0f;
      // An all-zero x has scale 0: it quantizes to zero point 0 instead of dividing by zero.
      const float divisor = scale == 0.0f ? 1.0f : scale;
      const float zero_point =
          std::min(255.0f, std::max(0.0f, std::nearbyint((0.0f - low) / divisor)));
      const at::Tensor zero_point_tensor = at::scalar_tensor(zero_point, at::kFloat);
      const at::Tensor y = requantize(x / at::scalar_tensor(divisor, at::kFloat), zero_point_tensor,
                                      at::kByte, where);
      return {y, at::scalar_tensor(scale, at::kFloat), zero_point_tensor.to(at::kByte)};
    };
  };
}

}  // namespace

void register_quantization_ops(OpRegistry& registry) {
  // Opset 13 added per-axis parameters (`axis`); 19 and 21 add float8/int4 types, `saturate` and
  // blocked parameters, of which the kernels handle what ATen 1.13 has types for.
  registry.add("QuantizeLinear", 10, quantize_linear());
  registry.add("DequantizeLinear", 10, dequantize_linear());
  registry.add("DynamicQuantizeLinear", 11, dynamic_quantize_linear());
}

}  // namespace layerscope::runtime
