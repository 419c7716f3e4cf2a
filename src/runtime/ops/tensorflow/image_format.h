#pragma once
// TensorFlow's image attributes, shared by the convolution, pooling and normalization kernels:
// data_format (where the channels are), the per-dimension lists (strides, dilations, ksize) written
// in that format's order, and padding (SAME, VALID, or EXPLICIT with explicit_paddings). Read once
// at load; anything TF's CPU kernels would refuse fails naming the node.
//
//   const ImageFormat format = read_format(init, 2);            // NHWC unless data_format says
//   const std::vector<int64_t> strides = spatial_list(init, "strides", format, 1);  // {sh, sw}
//   const Padding padding(init, format, /*allow_explicit=*/true);
//   const at::Tensor x = format.aten_view(ctx.inputs[0]);       // (N, C, H, W), no copy
//   const WindowPads pads = padding.resolve(spatial_of(x), kernel, strides, dilations);
#include "runtime/kernel.h"
#include "runtime/ops/tf_window.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::runtime::tf {

// NHWC / NCHW (two spatial axes) or NDHWC / NCDHW (three).
struct ImageFormat {
  bool channels_last = true;
  std::size_t spatial_rank = 2;
  std::string name;  // "NHWC", ...

  int64_t rank() const { return static_cast<int64_t>(spatial_rank) + 2; }
  int64_t channel_axis() const { return channels_last ? rank() - 1 : 1; }
  // ATen's channels-first view of an image in this format (a view, no copy), and a channels-first
  // result back in this format.
  at::Tensor aten_view(const at::Tensor& x) const;
  at::Tensor from_aten(const at::Tensor& y) const;
  // Throws unless x has this format's rank.
  void check_rank(const at::Tensor& x, const std::string& what) const;
};

// data_format (TF's default NHWC / NDHWC); fails naming the node for any other (NCHW_VECT_C).
ImageFormat read_format(const KernelInit& init, std::size_t spatial_rank);

// A per-dimension list attribute (strides, dilations, ksize) as its spatial entries; `fallback`
// for each when the node lacks it (0: the attribute is required). Fails unless it has one entry per
// dimension, each positive, and 1 for batch and channels (TF strides, dilates and pools only the
// spatial axes).
std::vector<int64_t> spatial_list(const KernelInit& init, const std::string& attr,
                                  const ImageFormat& format, int64_t fallback);
// The same check of a list given at run time (MaxPoolV2's ksize and strides inputs); throws.
std::vector<int64_t> spatial_entries(const std::vector<int64_t>& values, const std::string& what,
                                     const ImageFormat& format);

// The padding attribute and, for EXPLICIT, explicit_paddings: a (before, after) pair per
// dimension in the format's order, zero for batch and channels.
class Padding {
 public:
  Padding(const KernelInit& init, const ImageFormat& format, bool allow_explicit);
  // The pads of a forward window over an input of these spatial sizes.
  WindowPads resolve(const std::vector<int64_t>& input_spatial, const std::vector<int64_t>& kernel,
                     const std::vector<int64_t>& strides,
                     const std::vector<int64_t>& dilations) const;

 private:
  enum class Kind { Same, Valid, Explicit };
  Kind kind_ = Kind::Valid;
  WindowPads explicit_;
};

}  // namespace layerscope::runtime::tf
