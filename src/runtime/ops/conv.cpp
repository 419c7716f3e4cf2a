// Conv, ConvTranspose and the quantized ConvInteger and QLinearConv over 1-D, 2-D and 3-D
// inputs, on at::convolution; float32 Conv on MKL-DNN when ATen has it.
#include "runtime/ops/padding.h"
#include "runtime/ops/quantize_common.h"
#include "runtime/registry.h"

#include <algorithm>
#include <string>
#include <vector>

namespace layerscope::runtime {

namespace {

// A constant input converted once at load; undefined when the input is not a constant.
at::Tensor prepared_constant(const KernelInit& init, std::size_t i) {
  const at::Tensor t = init.constant_input(i);
  return t.defined() ? widen_reduced_float(t).contiguous() : t;
}

std::vector<int64_t> kernel_spatial_shape(const at::Tensor& weight) {
  return std::vector<int64_t>(weight.sizes().begin() + 2, weight.sizes().end());
}

// Reshapes a per-channel vector so it broadcasts along axis 1 of a rank-`rank` tensor.
at::Tensor along_channels(const at::Tensor& v, int64_t rank) {
  std::vector<int64_t> shape(rank, 1);
  shape[1] = v.numel();
  return v.reshape(shape);
}

// The weight and bias: taken from the initializers once at load when they are constants, from the
// inputs otherwise.
struct Parameters {
  at::Tensor weight;
  at::Tensor bias;

  static Parameters at_load(const KernelInit& init) {
    Parameters constants;
    constants.weight = prepared_constant(init, 1);
    constants.bias = prepared_constant(init, 2);
    if (constants.weight.defined() && constants.weight.dim() < 3)
      fail(init, "weight has rank " + std::to_string(constants.weight.dim()) +
                     "; expected M x C/group x k1 x ... (rank 3 to 5)");
    return constants;
  }

  Parameters at_run(const KernelContext& ctx, const at::ScalarType compute_type,
                    const std::string& where) const {
    Parameters p;
    p.weight = (weight.defined() ? weight : widen_reduced_float(ctx.inputs.at(1))).to(compute_type);
    if (bias.defined())
      p.bias = bias.to(compute_type);
    else if (ctx.has(2))
      p.bias = widen_reduced_float(ctx.inputs[2]).to(compute_type);
    if (p.weight.dim() < 3)
      throw Error(where + ": weight has rank " + std::to_string(p.weight.dim()) +
                  "; expected rank 3 to 5");
    return p;
  }
};

int64_t read_group(const KernelInit& init) {
  const int64_t group = init.node.attr_int("group", 1);
  if (group < 1) fail(init, "group " + std::to_string(group) + " must be at least 1");
  return group;
}

// ATen 1.13 sends batch-1 convolutions on small inputs (a 1x1 conv over 96x14x14, any 1x1 conv
// on one thread) to im2col + BLAS, 10-25x slower there than MKL-DNN, which it keeps for larger
// ones. Float32 convolutions therefore go to MKL-DNN directly; other types (float64 for the
// quantized convs) stay on at::convolution.
bool mkldnn_convolves(const at::Tensor& x, const at::Tensor& weight) {
  return at::hasMKLDNN() && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat &&
         x.dim() >= 3 && x.dim() <= 5;
}

// MKL-DNN's own layout of a constant float32 weight, made once at load: given a plain weight,
// every run would re-layout it, up to two thirds of a 1x1 convolution's time. The layout is picked
// for the window the attributes name (SAME_* and asymmetric pads run unpadded); should a run's
// window want another, MKL-DNN reorders again, so it is only ever an optimization. 1-D
// convolutions run as 2-D with a unit axis, as MKL-DNN packs only 2-D and 3-D weights. Undefined
// when MKL-DNN is absent or the weight is not a float32 constant.
at::Tensor mkldnn_packed_weight(const at::Tensor& weight, const WindowAttributes& attrs,
                                int64_t group, const std::string& where) {
  if (!weight.defined() || !mkldnn_convolves(weight, weight)) return {};
  WindowAttributes fixed = attrs;
  if (fixed.auto_pad == AutoPad::SameUpper || fixed.auto_pad == AutoPad::SameLower) {
    fixed.auto_pad = AutoPad::NotSet;
    fixed.pads.clear();
  }
  try {
    const std::vector<int64_t> kernel = kernel_spatial_shape(weight);
    Window w = resolve_window(fixed, kernel, kernel, where);
    if (!w.symmetric()) w.pads_begin.assign(w.rank(), 0);
    at::Tensor plain = weight;
    if (w.rank() == 1) {
      plain = weight.unsqueeze(2);
      w.strides.insert(w.strides.begin(), 1);
      w.pads_begin.insert(w.pads_begin.begin(), 0);
      w.dilations.insert(w.dilations.begin(), 1);
    }
    if (w.rank() == 3)
      return at::mkldnn_reorder_conv3d_weight(plain.to_mkldnn(), w.pads_begin, w.strides,
                                              w.dilations, group);
    return at::mkldnn_reorder_conv2d_weight(plain.to_mkldnn(), w.pads_begin, w.strides, w.dilations,
                                            group);
  } catch (const std::exception&) {
    // Attributes that do not fit the weight fail at run, with the node's message; a shape
    // MKL-DNN will not pack runs with the plain weight.
    return {};
  }
}

// One symmetric-padded forward convolution: MKL-DNN for float32 (with `packed`, the weight in its
// layout, when there is one), at::convolution otherwise.
at::Tensor forward_convolution(const at::Tensor& x, const at::Tensor& weight,
                               const at::Tensor& packed, const at::Tensor& bias,
                               const Window& window, at::IntArrayRef pads, int64_t group) {
  if (!mkldnn_convolves(x, weight)) {
    const std::vector<int64_t> no_output_padding(window.rank(), 0);
    return at::convolution(x, weight, bias, window.strides, pads, window.dilations, false,
                           no_output_padding, group);
  }
  if (window.rank() != 1)
    return at::mkldnn_convolution(x, packed.defined() ? packed : weight, bias, pads, window.strides,
                                  window.dilations, group);
  return at::mkldnn_convolution(x.unsqueeze(2), packed.defined() ? packed : weight.unsqueeze(2),
                                bias, {0, pads[0]}, {1, window.strides[0]},
                                {1, window.dilations[0]}, group)
      .squeeze(2);
}

// The forward convolution shared by Conv, ConvInteger and QLinearConv: window resolved for this
// input, asymmetric pads applied explicitly (ATen pads both sides equally).
at::Tensor convolve(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                    const WindowAttributes& attrs, int64_t group, const std::string& where,
                    const at::Tensor& packed = {}) {
  if (x.dim() != weight.dim() || x.size(1) != weight.size(1) * group || weight.size(0) % group != 0)
    throw Error(where + ": input " + c10::str(x.sizes()) + " does not fit weight " +
                c10::str(weight.sizes()) + " with group " + std::to_string(group) +
                "; expected N x (C=weight[1]*group) x D1 x ... with weight[0] divisible by group");
  const Window window =
      resolve_window(attrs, spatial_sizes(x), kernel_spatial_shape(weight), where);
  if (window.symmetric())
    return forward_convolution(x, weight, packed, bias, window, window.pads_begin, group);
  const at::Tensor padded =
      at::constant_pad_nd(x, constant_pad_spec(window.pads_begin, window.pads_end), 0);
  return forward_convolution(padded, weight, packed, bias, window,
                             std::vector<int64_t>(window.rank(), 0), group);
}

KernelFactory conv() {
  return [](const KernelInit& init) -> Kernel {
    const WindowAttributes attrs = read_window_attributes(init);
    const int64_t group = read_group(init);
    const Parameters constants = Parameters::at_load(init);
    const std::string where = init.where();
    const at::Tensor packed = mkldnn_packed_weight(constants.weight, attrs, group, where);
    return [attrs, group, constants, packed, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::Tensor x = widen_reduced_float(x_in);
      const Parameters p = constants.at_run(ctx, x.scalar_type(), where);
      // The packed weight is the constant's; it applies while the weight is (float32) unchanged.
      const at::Tensor& packed_for_run = p.weight.is_same(constants.weight) ? packed : at::Tensor();
      return {convolve(x, p.weight, p.bias, attrs, group, where, packed_for_run)
                  .to(x_in.scalar_type())};
    };
  };
}

// A quantized tensor minus its zero point, in float64 (exact for 8-bit data): a scalar zero point,
// or for weights one per output channel (axis 0).
at::Tensor dequantized_offsets(const at::Tensor& q, const at::Tensor& zero_point) {
  const at::Tensor values = q.to(at::kDouble);
  if (!zero_point.defined()) return values;
  const at::Tensor zp = zero_point.to(at::kDouble);
  if (zp.numel() == 1) return values - zp.reshape({});
  std::vector<int64_t> shape(q.dim(), 1);
  shape[0] = zp.numel();
  return values - zp.reshape(shape);
}

// ConvInteger: (x - x_zero_point) conv (w - w_zero_point) in int32; padding contributes zero.
KernelFactory conv_integer() {
  return [](const KernelInit& init) -> Kernel {
    const WindowAttributes attrs = read_window_attributes(init);
    const int64_t group = read_group(init);
    const std::string where = init.where();
    return [attrs, group, where](KernelContext& ctx) -> Tensors {
      const at::Tensor x =
          dequantized_offsets(ctx.inputs.at(0), ctx.has(2) ? ctx.inputs[2] : at::Tensor());
      const at::Tensor w =
          dequantized_offsets(ctx.inputs.at(1), ctx.has(3) ? ctx.inputs[3] : at::Tensor());
      return {convolve(x, w, {}, attrs, group, where).round().to(at::kInt)};
    };
  };
}

// QLinearConv: inputs x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point,
// optional int32 bias (scaled by x_scale * w_scale). The accumulator is requantized with rounding
// half to even and saturated to y_zero_point's 8-bit type.
KernelFactory qlinear_conv() {
  return [](const KernelInit& init) -> Kernel {
    const WindowAttributes attrs = read_window_attributes(init);
    const int64_t group = read_group(init);
    const std::string where = init.where();
    return [attrs, group, where](KernelContext& ctx) -> Tensors {
      const at::Tensor x = dequantized_offsets(ctx.inputs.at(0), ctx.inputs.at(2));
      const at::Tensor w = dequantized_offsets(ctx.inputs.at(3), ctx.inputs.at(5));
      const at::Tensor bias = ctx.has(8) ? ctx.inputs[8].to(at::kDouble) : at::Tensor();
      const at::Tensor accumulator = convolve(x, w, bias, attrs, group, where);
      const at::Tensor w_scale = ctx.inputs.at(4).to(at::kDouble);
      const at::Tensor channel_scale =
          w_scale.numel() == 1 ? w_scale.reshape({}) : along_channels(w_scale, accumulator.dim());
      const at::Tensor scale = ctx.inputs.at(1).to(at::kDouble).reshape({}) * channel_scale /
                               ctx.inputs.at(6).to(at::kDouble).reshape({});
      const at::Tensor& y_zero_point = ctx.inputs.at(7);
      return {requantize(accumulator * scale, y_zero_point.reshape({}), y_zero_point.scalar_type(),
                         where)};
    };
  };
}

// Python-style floor(v / 2), so that negative ConvTranspose pad totals split as ONNX specifies.
int64_t floor_half(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

KernelFactory conv_transpose() {
  return [](const KernelInit& init) -> Kernel {
    const WindowAttributes attrs = read_window_attributes(init);
    const int64_t group = read_group(init);
    const Parameters constants = Parameters::at_load(init);
    const std::vector<int64_t> output_padding_attr = init.node.attr_ints("output_padding");
    const std::vector<int64_t> output_shape_attr = init.node.attr_ints("output_shape");
    for (const int64_t v : output_padding_attr)
      if (v < 0) fail(init, "output_padding must not be negative");
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::Tensor x = widen_reduced_float(x_in);
      const Parameters p = constants.at_run(ctx, x.scalar_type(), where);
      if (x.dim() != p.weight.dim() || x.size(1) != p.weight.size(0) || x.size(1) % group != 0)
        throw Error(where + ": input " + c10::str(x.sizes()) + " does not fit weight " +
                    c10::str(p.weight.sizes()) + " with group " + std::to_string(group) +
                    "; expected N x (C=weight[0]) x D1 x ... with C divisible by group");
      const std::vector<int64_t> input = spatial_sizes(x);
      const std::size_t rank = input.size();

      // Strides and dilations resolve as for a forward window; pads are ConvTranspose's own.
      WindowAttributes forward = attrs;
      forward.auto_pad = AutoPad::NotSet;
      Window window = resolve_window(forward, input, kernel_spatial_shape(p.weight), where);
      std::vector<int64_t> output_padding =
          output_padding_attr.empty() ? std::vector<int64_t>(rank, 0) : output_padding_attr;
      if (output_padding.size() != rank)
        throw Error(where + ": output_padding has " + std::to_string(output_padding.size()) +
                    " entries; expected " + std::to_string(rank));

      // ConvTranspose's pads: `pads` as given, or derived from an explicit output_shape or from
      // SAME_UPPER / SAME_LOWER (output = input * stride). A negative derived total (more output
      // wanted than the kernel reaches) adds zeros instead of cropping.
      std::vector<int64_t> target;
      if (!output_shape_attr.empty()) {
        // Accepted with or without the N and C entries.
        if (output_shape_attr.size() != rank && output_shape_attr.size() != rank + 2)
          throw Error(where + ": output_shape has " + std::to_string(output_shape_attr.size()) +
                      " entries; expected " + std::to_string(rank));
        target.assign(output_shape_attr.end() - rank, output_shape_attr.end());
      } else if (attrs.auto_pad == AutoPad::SameUpper || attrs.auto_pad == AutoPad::SameLower) {
        for (std::size_t i = 0; i < rank; ++i) target.push_back(input[i] * window.strides[i]);
      } else if (attrs.auto_pad == AutoPad::Valid) {
        std::fill(window.pads_begin.begin(), window.pads_begin.end(), 0);
        std::fill(window.pads_end.begin(), window.pads_end.end(), 0);
      }
      if (!target.empty()) {
        for (std::size_t i = 0; i < rank; ++i) {
          const int64_t total =
              window.strides[i] * (input[i] - 1) + output_padding[i] + window.extent(i) - target[i];
          const int64_t smaller = floor_half(total);
          window.pads_begin[i] = attrs.auto_pad == AutoPad::SameUpper ? smaller : total - smaller;
          window.pads_end[i] = total - window.pads_begin[i];
        }
      }

      bool aten_can_pad = window.symmetric();
      for (std::size_t i = 0; i < rank; ++i)
        aten_can_pad = aten_can_pad && window.pads_begin[i] >= 0 &&
                       output_padding[i] < std::max(window.strides[i], window.dilations[i]);
      at::Tensor y;
      if (aten_can_pad) {
        y = at::convolution(x, p.weight, p.bias, window.strides, window.pads_begin,
                            window.dilations, true, output_padding, group);
      } else {
        // Full transposed convolution, then crop the pads (or add zeros where they are negative)
        // and append output_padding; the bias covers the whole result.
        const std::vector<int64_t> zeros(rank, 0);
        const at::Tensor full = at::convolution(x, p.weight, {}, window.strides, zeros,
                                                window.dilations, true, zeros, group);
        std::vector<int64_t> grow_begin(rank), grow_end(rank);
        for (std::size_t i = 0; i < rank; ++i) {
          grow_begin[i] = -window.pads_begin[i];
          grow_end[i] = output_padding[i] - window.pads_end[i];
        }
        y = at::constant_pad_nd(full, constant_pad_spec(grow_begin, grow_end), 0);
        if (p.bias.defined()) y = y + along_channels(p.bias, y.dim());
      }
      return {y.to(x_in.scalar_type())};
    };
  };
}

}  // namespace

void register_conv_ops(OpRegistry& registry) {
  registry.add("Conv", 1, conv());
  registry.add("ConvTranspose", 1, conv_transpose());
  registry.add("ConvInteger", 10, conv_integer());
  registry.add("QLinearConv", 10, qlinear_conv());
}

}  // namespace layerscope::runtime
