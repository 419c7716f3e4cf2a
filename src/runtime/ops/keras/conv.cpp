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
  const int64_t r = kernel.dim() - 2;
  std::vector<int64_t> order{r + 1, r};
  for (int64_t i = 0; i < r; ++i) order.push_back(i);
  at::Tensor w = kernel.permute(order);
  if (r == 1) w = w.unsqueeze(2);
  return w.contiguous();
}

// A depthwise kernel (k..., C, multiplier) as a grouped convolution's (C * multiplier, 1, k...):
// output channel c * multiplier + m, TensorFlow's order.
at::Tensor depthwise_weight(const at::Tensor& kernel) {
  std::vector<int64_t> shape(kernel.sizes().begin(), kernel.sizes().end() - 2);
  shape.push_back(1);
  shape.push_back(kernel.size(-2) * kernel.size(-1));
  return aten_weight(kernel.reshape(shape));
}

// A forward convolution of a channels-first view. ATen 1.13's at::convolution sends batch-1
// convolutions of small images (3x3 kernels below 20480 input values, 1x1 ones on one thread) to
// im2col + BLAS, several times slower than MKL-DNN, which also takes channels_last views as they
// are: float32 goes to MKL-DNN directly (with the plain weight: a packed one would turn
// channels_last off), as the ONNX Conv kernel does.
at::Tensor forward_convolution(const at::Tensor& x, const at::Tensor& weight,
                               const at::Tensor& bias, at::IntArrayRef strides,
                               at::IntArrayRef pads, at::IntArrayRef dilation, int64_t groups) {
  if (at::hasMKLDNN() && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat)
    return at::mkldnn_convolution(x, weight, bias, pads, strides, dilation, groups);
  const std::vector<int64_t> no_output_padding(strides.size(), 0);
  return at::convolution(x, weight, bias, strides, pads, dilation, false, no_output_padding,
                         groups);
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
    const keras::Pads pads =
        keras::tf_pads(padding, keras::keras_spatial(x), kernel, strides, dilation);
    // ATen pads both sides alike; TensorFlow's odd 'same' totals and 'causal' are padded here.
    const bool explicit_pads = !pads.symmetric();
    const at::Tensor input = explicit_pads ? keras::pad_keras_image(x, pads.begin, pads.end, 0) : x;
    const std::vector<int64_t> aten_pads = explicit_pads ? std::vector<int64_t>(r, 0) : pads.begin;
    return forward_convolution(channels_first(input), weight, bias, lifted(strides, r, 1),
                               lifted(aten_pads, r, 0), lifted(dilation, r, 1), groups);
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
