#include "runtime/ops/keras/image.h"

namespace layerscope::runtime::keras {

at::Tensor channels_first(const at::Tensor& x) {
  switch (x.dim()) {
    case 3:
      return x.unsqueeze(1).permute({0, 3, 1, 2});
    case 4:
    case 5:
      return channels_first_view(x);
    default:
      throw Error("a Keras image must have rank 3 to 5, got " + std::to_string(x.dim()));
  }
}

at::Tensor keras_layout(const at::Tensor& y, int64_t keras_rank) {
  at::Tensor out = to_channels_last(y);
  return keras_rank == 3 ? out.squeeze(1) : out;
}

std::vector<int64_t> lifted(std::vector<int64_t> v, std::size_t spatial_rank, int64_t unit) {
  if (spatial_rank == 1) v.insert(v.begin(), unit);
  return v;
}

WindowPads keras_pads(const std::string& padding, const at::Tensor& x,
                      const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                      const std::vector<int64_t>& dilation) {
  if (padding == "same") return same_pads(spatial_of(x), kernel, strides, dilation);
  WindowPads pads = no_pads(kernel.size());
  if (padding == "causal")
    for (std::size_t i = 0; i < kernel.size(); ++i) pads.begin[i] = (kernel[i] - 1) * dilation[i];
  return pads;
}

at::Tensor pad_keras_image(const at::Tensor& x, const std::vector<int64_t>& begin,
                           const std::vector<int64_t>& end, double value) {
  // constant_pad_nd lists the last axis first: the channels (unpadded), then the spatial axes
  // from the last.
  std::vector<int64_t> spec{0, 0};
  for (std::size_t i = begin.size(); i-- > 0;) {
    spec.push_back(begin[i]);
    spec.push_back(end[i]);
  }
  return at::constant_pad_nd(x, spec, value);
}

}  // namespace layerscope::runtime::keras
