// Kernels of Normalization, Resizing and CenterCrop. Images resize as TensorFlow's
// tf.image.resize does without antialiasing: half-pixel centers, bilinear sampling clamped at the
// borders, nearest taking floor((i + 0.5) * in / out) (ATen's bilinear without align_corners and
// its nearest-exact compute the same).
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

namespace layerscope::runtime {
namespace {

using keras::add_op;
using keras::as_float;

constexpr double kKerasEpsilon = 1e-7;  // keras.backend.epsilon()

KernelFactory normalization() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> broadcast = init.node.attr_ints("broadcast_shape");
    const bool invert = init.node.attr_int("invert", 0) != 0;
    at::Tensor mean, variance;
    if (init.node.find_attribute("mean_values")) {
      const auto& m = init.node.find_attribute("mean_values")->floats;
      const auto& v = init.node.find_attribute("variance_values")->floats;
      mean = at::tensor(std::vector<float>(m.begin(), m.end()));
      variance = at::tensor(std::vector<float>(v.begin(), v.end()));
    } else {
      mean = init.constant_input(1);
      variance = init.constant_input(2);
    }
    mean = mean.reshape(broadcast).contiguous();
    // Keras: (x - mean) / max(sqrt(variance), epsilon), or x * that + mean when inverting.
    const at::Tensor scale = at::clamp_min(at::sqrt(variance.reshape(broadcast)), kKerasEpsilon);
    return [mean, scale, invert](KernelContext& ctx) -> Tensors {
      const at::Tensor x = as_float(ctx.inputs[0]);
      return {invert ? mean + x * scale : (x - mean) / scale};
    };
  };
}

// Images as NCHW for ATen: a channels_last tensor becomes an NCHW view without a copy.
at::Tensor to_nchw(const at::Tensor& x, bool channels_first) {
  return channels_first ? x : x.permute({0, 3, 1, 2});
}
at::Tensor from_nchw(const at::Tensor& y, bool channels_first) {
  if (channels_first) return y.contiguous();
  const at::Tensor nhwc = y.permute({0, 2, 3, 1});
  return nhwc.is_contiguous() ? nhwc : nhwc.contiguous();
}

// The centered crop of an NCHW image with the target's aspect ratio, as Keras's
// crop_to_aspect_ratio and smart_resize compute it (float32 division, truncated).
at::Tensor crop_to_aspect(const at::Tensor& x, int64_t height, int64_t width) {
  const int64_t h = x.size(2), w = x.size(3);
  int64_t crop_h = static_cast<int64_t>(static_cast<float>(w * height) / static_cast<float>(width));
  int64_t crop_w = static_cast<int64_t>(static_cast<float>(h * width) / static_cast<float>(height));
  crop_h = std::max<int64_t>(std::min(h, crop_h), 1);
  crop_w = std::max<int64_t>(std::min(w, crop_w), 1);
  const auto top = static_cast<int64_t>(static_cast<float>(h - crop_h) / 2);
  const auto left = static_cast<int64_t>(static_cast<float>(w - crop_w) / 2);
  return x.slice(2, top, top + crop_h).slice(3, left, left + crop_w);
}

at::Tensor resize(const at::Tensor& x, int64_t height, int64_t width, bool nearest) {
  if (x.size(2) == height && x.size(3) == width) return x;
  return nearest ? at::_upsample_nearest_exact2d(x, {height, width})
                 : at::upsample_bilinear2d(x, {height, width}, /*align_corners=*/false);
}

KernelFactory resizing() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t height = init.node.attr_int("height", 0);
    const int64_t width = init.node.attr_int("width", 0);
    const bool nearest = init.node.attr_string("interpolation", "bilinear") == "nearest";
    const bool crop = init.node.attr_int("crop_to_aspect_ratio", 0) != 0;
    const bool channels_first = init.node.attr_int("channels_first", 0) != 0;
    return [=](KernelContext& ctx) -> Tensors {
      at::Tensor x = to_nchw(as_float(ctx.inputs[0]), channels_first);
      if (crop) x = crop_to_aspect(x, height, width);
      return {from_nchw(resize(x, height, width, nearest), channels_first)};
    };
  };
}

KernelFactory center_crop() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t height = init.node.attr_int("height", 0);
    const int64_t width = init.node.attr_int("width", 0);
    const bool channels_first = init.node.attr_int("channels_first", 0) != 0;
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor x = to_nchw(as_float(ctx.inputs[0]), channels_first);
      const int64_t dh = x.size(2) - height, dw = x.size(3) - width;
      if (dh >= 0 && dw >= 0)  // Keras crops from (diff / 2) truncated
        return {from_nchw(x.slice(2, dh / 2, dh / 2 + height).slice(3, dw / 2, dw / 2 + width),
                          channels_first)};
      // Smaller than the target: Keras's smart_resize, a centered crop then bilinear resize.
      return {from_nchw(resize(crop_to_aspect(x, height, width), height, width, false),
                        channels_first)};
    };
  };
}

}  // namespace

void register_keras_preprocessing_ops(OpRegistry& registry) {
  add_op(registry, "Normalization", normalization());
  add_op(registry, "Resizing", resizing());
  add_op(registry, "CenterCrop", center_crop());
}

}  // namespace layerscope::runtime
