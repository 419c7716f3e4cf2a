#pragma once
// Sliding-window geometry shared by Conv, ConvTranspose and the pools: the kernel_shape, strides,
// dilations, pads and auto_pad attributes, and the pads they resolve to for a given input.
//
//   const WindowAttributes attrs = read_window_attributes(init);   // at load
//   const Window window = resolve_window(attrs, spatial, kernel, where);  // at run, per shape
//   at::convolution(x, w, b, window.strides, window.pads_begin, ...);  // when symmetric
#include "runtime/kernel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::runtime {

enum class AutoPad { NotSet, SameUpper, SameLower, Valid };

// The window attributes as the node spells them; empty vectors stand for "not given".
struct WindowAttributes {
  AutoPad auto_pad = AutoPad::NotSet;
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;  // [x1_begin, x2_begin, ..., x1_end, x2_end, ...]
};

// Reads the attributes and checks that those given agree on the spatial rank.
WindowAttributes read_window_attributes(const KernelInit& init);

// Everything resolved for one spatial rank and input size.
struct Window {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads_begin;
  std::vector<int64_t> pads_end;

  std::size_t rank() const { return kernel.size(); }
  bool symmetric() const { return pads_begin == pads_end; }
  bool unpadded() const;
  // Extent of one window: (kernel - 1) * dilation + 1.
  int64_t extent(std::size_t i) const { return (kernel[i] - 1) * dilations[i] + 1; }
};

// Fills defaults and computes SAME_UPPER / SAME_LOWER / VALID pads for a forward window op
// (output = ceil(input / stride) for SAME). `kernel` is the kernel's spatial shape (from the
// attribute or the weight). Throws Error naming `where` on inconsistent lengths.
Window resolve_window(const WindowAttributes& attrs, const std::vector<int64_t>& input_spatial,
                      const std::vector<int64_t>& kernel, const std::string& where);

// Output length of a pooling window along one axis. With ceil_mode, a last window that would start
// inside the end padding is dropped, as PyTorch and onnxruntime do.
int64_t pooled_length(int64_t input, int64_t pad_begin, int64_t pad_end, int64_t extent,
                      int64_t stride, bool ceil_mode);

// The `pad` argument of at::constant_pad_nd for per-axis begin/end amounts over the trailing
// spatial axes (constant_pad_nd lists the last axis first). Negative amounts crop.
std::vector<int64_t> constant_pad_spec(const std::vector<int64_t>& begin,
                                       const std::vector<int64_t>& end);

// Spatial sizes of an N x C x D1 x ... tensor.
std::vector<int64_t> spatial_sizes(const at::Tensor& x);

}  // namespace layerscope::runtime
