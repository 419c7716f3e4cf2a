#pragma once
// TensorFlow's sliding windows (convolutions, poolings) on ATen, shared by the Keras layers' and
// the TensorFlow ops' kernels: TF's SAME padding (an odd total puts the extra one at the end),
// windows padded unequally (which ATen's own padding cannot do), and channels-last tensors run
// without copies.
//
// x.permute({0, 3, 1, 2}) of an NHWC tensor is an NCHW view with channels_last strides, which
// ATen's convolutions and poolings take as is and answer in the same memory format, so permuting
// their output back gives a contiguous NHWC tensor again. Every function below takes and gives
// ATen's channels-first view (N, C, spatial...), whatever its memory format.
//
//   const at::Tensor x = channels_first_view(nhwc);                       // a view, no copy
//   const WindowPads pads = same_pads(spatial_of(x), kernel, strides, dilations);
//   return {to_channels_last(tf_max_pool(x, kernel, strides, pads))};      // NHWC, contiguous
#include "runtime/kernel.h"

#include <cstdint>
#include <vector>

namespace layerscope::runtime {

// (N, spatial..., C) of rank 4 or 5 as the view (N, C, spatial...).
at::Tensor channels_first_view(const at::Tensor& x);
// A channels-first result back as (N, spatial..., C), contiguous.
at::Tensor to_channels_last(const at::Tensor& y);
// The spatial sizes of a channels-first view (axes 2..).
std::vector<int64_t> spatial_of(const at::Tensor& x);

// A TensorFlow (and Keras) filter (k..., in, out) as ATen's weight (out, in, k...), contiguous.
at::Tensor filter_to_aten(const at::Tensor& filter);
// A depthwise filter (k..., C, multiplier) as a grouped convolution's (C * multiplier, 1, k...):
// output channel c * multiplier + m, TensorFlow's order.
at::Tensor depthwise_filter_to_aten(const at::Tensor& filter);

// How much a window op pads before and after each spatial axis.
struct WindowPads {
  std::vector<int64_t> begin, end;
  bool symmetric() const { return begin == end; }
};
WindowPads no_pads(std::size_t spatial_rank);
// TensorFlow's SAME: output ceil(in / stride), total pad max((out - 1) * stride + (k - 1) *
// dilation + 1 - in, 0), the smaller half before.
WindowPads same_pads(const std::vector<int64_t>& input_spatial, const std::vector<int64_t>& kernel,
                     const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations);

// The channels-first view padded with `value` on its spatial axes, in the view's memory format.
at::Tensor pad_spatial(const at::Tensor& x, const WindowPads& pads, double value);

// A forward convolution with equal pads on both sides of each axis (weight (out, in / groups,
// k...)). ATen 1.13's at::convolution sends batch-1 convolutions of small images (3x3 kernels
// below 20480 input values, 1x1 ones on one thread) to im2col + BLAS, several times slower than
// MKL-DNN, which also takes channels_last views as they are: float32 goes to MKL-DNN directly
// (with the plain weight: a packed one would turn channels_last off).
at::Tensor forward_convolution(const at::Tensor& x, const at::Tensor& weight,
                               const at::Tensor& bias, at::IntArrayRef strides,
                               at::IntArrayRef pads, at::IntArrayRef dilations, int64_t groups);
// The same with any pads: unequal ones are applied as zeros first.
at::Tensor convolve_padded(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                           const std::vector<int64_t>& strides, const WindowPads& pads,
                           const std::vector<int64_t>& dilations, int64_t groups);

// Max pooling of a 2-D or 3-D window; padding never wins a max.
at::Tensor tf_max_pool(const at::Tensor& x, const std::vector<int64_t>& kernel,
                       const std::vector<int64_t>& strides, const WindowPads& pads);
// Average pooling as TensorFlow does it: each window's sum divided by how many input values it
// covers, the padding left out.
at::Tensor tf_avg_pool(const at::Tensor& x, const std::vector<int64_t>& kernel,
                       const std::vector<int64_t>& strides, const WindowPads& pads);

}  // namespace layerscope::runtime
