// Kernels of TensorFlow's ResizeBilinear and ResizeNearestNeighbor: inputs images (NHWC) and size
// (int32 [new_height, new_width]); attributes align_corners and half_pixel_centers (not both).
// Source coordinates are computed per axis in float32 with TF's formulas (image_resizer_state.h):
//   scale = align_corners && out > 1 ? (in - 1) / (out - 1) : in / out
//   bilinear: half_pixel_centers ? (i + 0.5) * scale - 0.5 : i * scale; lower = max(floor, 0),
//     upper = min(ceil, in - 1), weight = coordinate - floor; across columns first (the top and
//     bottom rows), then across rows, each as a + (b - a) * weight; the result is float32
//     whatever the images' type;
//   nearest: half_pixel_centers ? (i + 0.5) * scale : i * scale, then round (align_corners,
//     half away from zero) or floor, at most in - 1 (and at least 0 with half_pixel_centers);
//     the result keeps the images' type.
// Each output row and column is then a gather of the input's (index_select on the NHWC tensor).
#include "runtime/ops/tensorflow/int_inputs.h"
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"
#include "runtime/registry.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::add_op;

struct ResizeMode {
  bool align_corners = false;
  bool half_pixel_centers = false;
};

ResizeMode read_mode(const KernelInit& init) {
  const ResizeMode mode{init.node.attr_int("align_corners", 0) != 0,
                        init.node.attr_int("half_pixel_centers", 0) != 0};
  if (mode.align_corners && mode.half_pixel_centers)
    fail(init, "align_corners and half_pixel_centers are both true; TensorFlow allows at most one");
  return mode;
}

float resize_scale(int64_t in, int64_t out, bool align_corners) {
  return align_corners && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                  : static_cast<float>(in) / static_cast<float>(out);
}

// The bilinear taps of one axis: lower and upper source indices and the weight of the upper.
struct Taps {
  at::Tensor lower, upper, weight;
};

Taps bilinear_taps(int64_t in, int64_t out, const ResizeMode& mode) {
  const float scale = resize_scale(in, out, mode.align_corners);
  std::vector<int64_t> lower(out), upper(out);
  std::vector<float> weight(out);
  for (int64_t i = 0; i < out; ++i) {
    const float x = mode.half_pixel_centers ? (static_cast<float>(i) + 0.5f) * scale - 0.5f
                                            : static_cast<float>(i) * scale;
    const float floor = std::floor(x);
    lower[i] = std::max(static_cast<int64_t>(floor), int64_t{0});
    upper[i] = std::min(static_cast<int64_t>(std::ceil(x)), in - 1);
    weight[i] = x - floor;
  }
  return {at::tensor(lower, at::kLong), at::tensor(upper, at::kLong), at::tensor(weight)};
}

at::Tensor nearest_indices(int64_t in, int64_t out, const ResizeMode& mode) {
  const float scale = resize_scale(in, out, mode.align_corners);
  std::vector<int64_t> index(out);
  for (int64_t i = 0; i < out; ++i) {
    const float x = mode.half_pixel_centers ? (static_cast<float>(i) + 0.5f) * scale
                                            : static_cast<float>(i) * scale;
    int64_t source = static_cast<int64_t>(mode.align_corners ? std::round(x) : std::floor(x));
    source = std::min(source, in - 1);
    if (mode.half_pixel_centers) source = std::max(source, int64_t{0});
    index[i] = source;
  }
  return at::tensor(index, at::kLong);
}

// The images checked (rank 4, non-empty) and the output size from the size input.
std::pair<int64_t, int64_t> output_size(const at::Tensor& images, const at::Tensor& size) {
  if (images.dim() != 4)
    throw Error("images has shape " + c10::str(images.sizes()) +
                "; expected rank 4 (batch, height, width, channels)");
  if (images.size(1) == 0 || images.size(2) == 0)
    throw Error("images has shape " + c10::str(images.sizes()) + "; expected a non-empty image");
  const std::vector<int64_t> hw = to_int64_vector(size);
  if (hw.size() != 2 || size.dim() != 1)
    throw Error("size has shape " + c10::str(size.sizes()) + "; expected [2] (height, width)");
  if (hw[0] <= 0 || hw[1] <= 0)
    throw Error("size is [" + std::to_string(hw[0]) + ", " + std::to_string(hw[1]) +
                "]; expected positive sizes");
  return {hw[0], hw[1]};
}

template <typename Resize>
KernelFactory resize_kernel(Resize resize) {
  return [resize](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2, "images, size");
    const ResizeMode mode = read_mode(init);
    const at::Tensor constant_size = init.constant_input(1);
    const std::string where = init.where();
    return [resize, mode, constant_size, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& images = ctx.inputs[0];
      const auto [height, width] =
          output_size(images, constant_size.defined() ? constant_size : ctx.inputs[1]);
      tf::check_fits_in_memory({images.size(0), height, width, images.size(3)}, at::kFloat,
                               "the output", where);
      return {resize(images, height, width, mode)};
    };
  };
}

at::Tensor bilinear(const at::Tensor& images, int64_t height, int64_t width,
                    const ResizeMode& mode) {
  const at::Tensor x = images.to(at::kFloat);
  if (height == x.size(1) && width == x.size(2)) return x;  // TF's shortcut: a cast
  const Taps rows = bilinear_taps(x.size(1), height, mode);
  const Taps cols = bilinear_taps(x.size(2), width, mode);
  const at::Tensor col_weight = cols.weight.view({1, 1, width, 1});
  auto lerp_columns = [&](const at::Tensor& r) {
    const at::Tensor left = r.index_select(2, cols.lower), right = r.index_select(2, cols.upper);
    return left + (right - left) * col_weight;
  };
  const at::Tensor top = lerp_columns(x.index_select(1, rows.lower));
  const at::Tensor bottom = lerp_columns(x.index_select(1, rows.upper));
  return top + (bottom - top) * rows.weight.view({1, height, 1, 1});
}

at::Tensor nearest(const at::Tensor& images, int64_t height, int64_t width,
                   const ResizeMode& mode) {
  return images.index_select(1, nearest_indices(images.size(1), height, mode))
      .index_select(2, nearest_indices(images.size(2), width, mode));
}

}  // namespace

void register_tf_resize_ops(OpRegistry& registry) {
  add_op(registry, "ResizeBilinear", resize_kernel(bilinear));
  add_op(registry, "ResizeNearestNeighbor", resize_kernel(nearest));
}

}  // namespace layerscope::runtime
