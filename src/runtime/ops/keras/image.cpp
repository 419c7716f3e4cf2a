#include "runtime/ops/keras/image.h"

#include <algorithm>

namespace layerscope::runtime::keras {

at::Tensor channels_first(const at::Tensor& x) {
  switch (x.dim()) {
    case 3:
      return x.unsqueeze(1).permute({0, 3, 1, 2});
    case 4:
      return x.permute({0, 3, 1, 2});
    case 5:
      return x.permute({0, 4, 1, 2, 3});
    default:
      throw Error("a Keras image must have rank 3 to 5, got " + std::to_string(x.dim()));
  }
}

at::Tensor keras_layout(const at::Tensor& y, int64_t keras_rank) {
  at::Tensor out = y.dim() == 5 ? y.permute({0, 2, 3, 4, 1}) : y.permute({0, 2, 3, 1});
  if (keras_rank == 3) out = out.squeeze(1);
  return out.is_contiguous() ? out : out.contiguous();
}

std::vector<int64_t> lifted(std::vector<int64_t> v, std::size_t spatial_rank, int64_t unit) {
  if (spatial_rank == 1) v.insert(v.begin(), unit);
  return v;
}

Pads tf_pads(const std::string& padding, const std::vector<int64_t>& input_spatial,
             const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
             const std::vector<int64_t>& dilation) {
  const std::size_t rank = kernel.size();
  Pads pads{std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 0)};
  for (std::size_t i = 0; i < rank; ++i) {
    const int64_t span = (kernel[i] - 1) * dilation[i] + 1;
    if (padding == "causal") {
      pads.begin[i] = span - 1;
    } else if (padding == "same") {
      const int64_t out = (input_spatial[i] + strides[i] - 1) / strides[i];
      const int64_t total = std::max((out - 1) * strides[i] + span - input_spatial[i], int64_t{0});
      pads.begin[i] = total / 2;
      pads.end[i] = total - total / 2;
    }
  }
  return pads;
}

std::vector<int64_t> keras_spatial(const at::Tensor& x) {
  return std::vector<int64_t>(x.sizes().begin() + 1, x.sizes().end() - 1);
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
