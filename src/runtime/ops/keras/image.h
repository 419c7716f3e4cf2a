#pragma once
// Keras image tensors (batch, spatial..., channels) on ATen's channels-first ops without copies,
// as tf_window.h runs channels-last tensors, for every Keras rank: 1-D layers run as 2-D ones
// over a unit height (ATen has no channels_last layout for 3-D tensors); 3-D ones use
// channels_last_3d.
//
//   const at::Tensor y = channels_first(x);            // (N, C, [1,] spatial...), a view
//   return {keras_layout(at::max_pool2d(y, ...), x.dim())};  // (N, spatial..., C), contiguous
#include "runtime/kernel.h"
#include "runtime/ops/tf_window.h"

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

// The pads of a forward window over a channels-first view (lifted for 1-D layers), by Keras's
// padding name: "valid" none, "same" TensorFlow's, "causal" (Conv1D) span - 1 before.
WindowPads keras_pads(const std::string& padding, const at::Tensor& x,
                      const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                      const std::vector<int64_t>& dilation);

// A Keras image padded with `value` (begin/end per spatial axis; negative amounts crop);
// contiguous, in Keras's layout.
at::Tensor pad_keras_image(const at::Tensor& x, const std::vector<int64_t>& begin,
                           const std::vector<int64_t>& end, double value);

}  // namespace layerscope::runtime::keras
