#pragma once
// Keras image tensors (batch, spatial..., channels) on ATen's channels-first ops without copies:
// x.permute({0, 3, 1, 2}) of an NHWC tensor is an NCHW view with channels_last strides, which
// ATen's convolutions and poolings take as is and answer in the same memory format, so permuting
// their output back gives a contiguous NHWC tensor again. 1-D layers run as 2-D ones over a unit
// height (ATen has no channels_last layout for 3-D tensors); 3-D ones use channels_last_3d.
//
//   const at::Tensor y = channels_first(x);            // (N, C, [1,] spatial...), a view
//   return {keras_layout(at::max_pool2d(y, ...), x.dim())};  // (N, spatial..., C), contiguous
#include "runtime/kernel.h"

#include <string>
#include <vector>

namespace layerscope::runtime::keras {

// ATen's view of a Keras image; rank 3 inputs gain a unit axis at 2: (N, C, 1, L).
at::Tensor channels_first(const at::Tensor& x);
// A channels-first result back in Keras's layout for an input of rank `keras_rank`; contiguous.
at::Tensor keras_layout(const at::Tensor& y, int64_t keras_rank);

// A per-axis list (kernel, strides, pads) as ATen sees a layer of `spatial_rank` axes: 1-D
// layers get `unit` in front for the added axis.
std::vector<int64_t> lifted(std::vector<int64_t> v, std::size_t spatial_rank, int64_t unit);

// TensorFlow's padding of a forward window: "valid" none, "same" max((out - 1) * stride + span -
// in, 0) split with the smaller half first, "causal" (Conv1D) span - 1 before.
struct Pads {
  std::vector<int64_t> begin, end;
  bool symmetric() const { return begin == end; }
};
Pads tf_pads(const std::string& padding, const std::vector<int64_t>& input_spatial,
             const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
             const std::vector<int64_t>& dilation);

// Spatial sizes of a Keras image (axes 1 .. rank - 2).
std::vector<int64_t> keras_spatial(const at::Tensor& x);
// A Keras image padded with `value` (begin/end per spatial axis; negative amounts crop);
// contiguous, in Keras's layout.
at::Tensor pad_keras_image(const at::Tensor& x, const std::vector<int64_t>& begin,
                           const std::vector<int64_t>& end, double value);

}  // namespace layerscope::runtime::keras
