// Kernels of the Keras convolution layers: Conv1D/2D/3D, Conv1D/2D/3DTranspose, DepthwiseConv1D/2D
// and SeparableConv1D/2D, on channels_last views (image.h). Keras kernels are laid out
// (k..., in, out); each is permuted once at load into ATen's (out, in, k...) or, for transposes,
// (in, out, k...).
#include "runtime/ops/keras/activation.h"
#include "runtime/ops/keras/image.h"
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

namespace layerscope::runtime {
namespace {

using keras::activate;
using keras::activation_of;
using keras::ActivationFn;
using keras::add_op;
using keras::channels_first;
using keras::keras_layout;
using keras::lifted;

// The weights are float32: so is what they convolve (a float64 or integer input included).
at::Tensor as_float32(const at::Tensor& x) {
  return x.scalar_type() == at::kFloat ? x : x.to(at::kFloat);
}

// A Keras kernel (k1..kr, a, b) as ATen's (b, a, k1..kr), 1-D ones lifted to (b, a, 1, k).
at::Tensor aten_weight(const at::Tensor& kernel) {
  const at::Tensor w = filter_to_aten(kernel);
  return kernel.dim() == 3 ? w.unsqueeze(2) : w;
}

// A depthwise kernel (k..., C, multiplier) as a grouped convolution's (C * multiplier, 1, k...).
at::Tensor depthwise_weight(const at::Tensor& kernel) {
  const at::Tensor w = depthwise_filter_to_aten(kernel);
  return kernel.dim() == 3 ? w.unsqueeze(2) : w;
}

// The window of a forward convolution, read once at load.
struct ConvWindow {
  std::vector<int64_t> kernel, strides, dilation;
  std::string padding;

  explicit ConvWindow(const KernelInit& init)
      : kernel(init.node.attr_ints("kernel_size")),
        strides(init.node.attr_ints("strides")),
        dilation(init.node.attr_ints("dilation_rate")),
        padding(init.node.attr_string("padding", "valid")) {
    if (kernel.empty() || strides.size() != kernel.size() || dilation.size() != kernel.size())
      fail(init, "kernel_size, strides and dilation_rate must have one entry per spatial axis");
  }

  // Convolves a Keras image with an ATen-layout weight; the result is channels-first (ATen's
  // view), so further convolutions (SeparableConv's pointwise) chain without a layout change.
  at::Tensor convolve(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                      int64_t groups) const {
    const std::size_t r = kernel.size();
    const at::Tensor input = channels_first(x);
    const std::vector<int64_t> k = lifted(kernel, r, 1), s = lifted(strides, r, 1),
                               d = lifted(dilation, r, 1);
    return convolve_padded(input, weight, bias, s, keras::keras_pads(padding, input, k, s, d), d,
                           groups);
  }
};

at::Tensor optional_bias(const KernelInit& init, std::size_t i) {
  return init.node.attr_int("use_bias", 1) ? init.constant_input(i).contiguous() : at::Tensor();
}

void check_channels(const at::Tensor& x, int64_t channels, const std::string& where) {
  if (x.dim() < 3 || x.size(-1) != channels)
    throw Error(where + ": input " + c10::str(x.sizes()) + " does not have the " +
                std::to_string(channels) + " channels (last axis) the kernel was built for");
}

// A convolution whose ATen weight and group count come from the Keras kernel (k..., C_in/groups,
// out): Conv1D/2D/3D keep `groups` and permute the kernel, DepthwiseConv1D/2D make one group per
// input channel. Inputs x, kernel, [bias].
template <typename MakeWeight>
KernelFactory grouped_conv(MakeWeight make_weight, bool depthwise) {
  return [make_weight, depthwise](const KernelInit& init) -> Kernel {
    const ConvWindow window(init);
    const at::Tensor kernel = init.constant_input(1);
    const int64_t groups = depthwise ? kernel.size(-2) : init.node.attr_int("groups", 1);
    const int64_t channels = depthwise ? kernel.size(-2) : kernel.size(-2) * groups;
    const at::Tensor weight = make_weight(kernel);
    const at::Tensor bias = optional_bias(init, 2);
    const ActivationFn act = activation_of(init);
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor x = as_float32(ctx.inputs[0]);
      check_channels(x, channels, where);
      return {activate(act, keras_layout(window.convolve(x, weight, bias, groups), x.dim()))};
    };
  };
}

KernelFactory conv() { return grouped_conv(aten_weight, false); }

// DepthwiseConv1D/2D: kernel (k..., C, multiplier).
KernelFactory depthwise() { return grouped_conv(depthwise_weight, true); }

// SeparableConv1D/2D: inputs x, depthwise_kernel, pointwise_kernel, [bias]: a depthwise
// convolution (no bias) then a 1x1 convolution with the bias.
KernelFactory separable() {
  return [](const KernelInit& init) -> Kernel {
    const ConvWindow window(init);
    const at::Tensor depthwise_kernel = init.constant_input(1);
    const int64_t channels = depthwise_kernel.size(-2);
    const at::Tensor depthwise = depthwise_weight(depthwise_kernel);
    const at::Tensor pointwise = aten_weight(init.constant_input(2));
    const at::Tensor bias = optional_bias(init, 3);
    const ActivationFn act = activation_of(init);
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor x = as_float32(ctx.inputs[0]);
      check_channels(x, channels, where);
      const at::Tensor mid = window.convolve(x, depthwise, {}, channels);
      const int64_t aten_rank = mid.dim() - 2;
      const std::vector<int64_t> ones(aten_rank, 1), zeros(aten_rank, 0);
      const at::Tensor y = forward_convolution(mid, pointwise, bias, ones, zeros, ones, 1);
      return {activate(act, keras_layout(y, x.dim()))};
    };
  };
}

// Conv1D/2D/3DTranspose: inputs x, kernel (k..., filters, C), [bias]. The frontend gives, per
// axis, where TensorFlow's output starts in the full transposed convolution ("pads_begin") and its
// length minus the full length ("length_offset").
KernelFactory conv_transpose() {
  return [](const KernelInit& init) -> Kernel {
    const ConvWindow window(init);
    const std::size_t r = window.kernel.size();
    const std::vector<int64_t> pads_begin = init.node.attr_ints("pads_begin");
    const std::vector<int64_t> offset = init.node.attr_ints("length_offset");
    if (pads_begin.size() != r || offset.size() != r)
      fail(init, "pads_begin and length_offset must have one entry per spatial axis");
    const at::Tensor kernel = init.constant_input(1);
    const int64_t channels = kernel.size(-1);
    const at::Tensor weight = aten_weight(kernel);
    const at::Tensor bias = optional_bias(init, 2);
    const ActivationFn act = activation_of(init);
    const std::string where = init.where();
    // ATen gives length full - 2 * pads + output_padding for 0 <= output_padding < max(stride,
    // dilation): TensorFlow's output when the wanted output_padding (offset + 2 * pads) fits.
    // Otherwise the output is cropped (output_padding < 0) or grown with zeros (too large).
    std::vector<int64_t> output_padding(r), grow(r, 0);
    bool aten_fits = true, grows = false;
    for (std::size_t i = 0; i < r; ++i) {
      const int64_t wanted = offset[i] + 2 * pads_begin[i];
      aten_fits =
          aten_fits && wanted >= 0 && wanted < std::max(window.strides[i], window.dilation[i]);
      grow[i] = wanted;
      grows = grows || wanted > 0;
    }
    if (aten_fits) {
      output_padding = grow;
      grow.assign(r, 0);
    } else {
      output_padding.assign(r, 0);
    }
    const bool bias_after = !aten_fits && grows;  // the grown part holds the bias too
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor x = as_float32(ctx.inputs[0]);
      check_channels(x, channels, where);
      at::Tensor y = keras_layout(
          at::convolution(channels_first(x), weight, bias_after ? at::Tensor() : bias,
                          lifted(window.strides, r, 1), lifted(pads_begin, r, 0),
                          lifted(window.dilation, r, 1), true, lifted(output_padding, r, 0), 1),
          x.dim());
      if (!aten_fits) {
        y = keras::pad_keras_image(y, std::vector<int64_t>(r, 0), grow, 0);
        if (bias_after && bias.defined()) y = y + bias;
      }
      return {activate(act, y)};
    };
  };
}

}  // namespace

void register_keras_conv_ops(OpRegistry& registry) {
  for (const char* op : {"Conv1D", "Conv2D", "Conv3D"}) add_op(registry, op, conv());
  for (const char* op : {"Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"})
    add_op(registry, op, conv_transpose());
  for (const char* op : {"DepthwiseConv1D", "DepthwiseConv2D"}) add_op(registry, op, depthwise());
  for (const char* op : {"SeparableConv1D", "SeparableConv2D"}) add_op(registry, op, separable());
}

}  // namespace layerscope::runtime
