#include "runtime/ops/tf_window.h"

#include <algorithm>
#include <limits>
#include <string>

namespace layerscope::runtime {

at::Tensor channels_first_view(const at::Tensor& x) {
  if (x.dim() == 4) return x.permute({0, 3, 1, 2});
  if (x.dim() == 5) return x.permute({0, 4, 1, 2, 3});
  throw Error("a channels-last image must have rank 4 or 5, got rank " + std::to_string(x.dim()));
}

at::Tensor to_channels_last(const at::Tensor& y) {
  const at::Tensor out = y.dim() == 5 ? y.permute({0, 2, 3, 4, 1}) : y.permute({0, 2, 3, 1});
  return out.is_contiguous() ? out : out.contiguous();
}

std::vector<int64_t> spatial_of(const at::Tensor& x) {
  return std::vector<int64_t>(x.sizes().begin() + 2, x.sizes().end());
}

at::Tensor filter_to_aten(const at::Tensor& filter) {
  const int64_t r = filter.dim() - 2;
  std::vector<int64_t> order{r + 1, r};
  for (int64_t i = 0; i < r; ++i) order.push_back(i);
  return filter.permute(order).contiguous();
}

at::Tensor depthwise_filter_to_aten(const at::Tensor& filter) {
  std::vector<int64_t> shape(filter.sizes().begin(), filter.sizes().end() - 2);
  shape.push_back(1);
  shape.push_back(filter.size(-2) * filter.size(-1));
  return filter_to_aten(filter.reshape(shape));
}

WindowPads no_pads(std::size_t spatial_rank) {
  return WindowPads{std::vector<int64_t>(spatial_rank, 0), std::vector<int64_t>(spatial_rank, 0)};
}

WindowPads same_pads(const std::vector<int64_t>& input_spatial, const std::vector<int64_t>& kernel,
                     const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations) {
  WindowPads pads = no_pads(kernel.size());
  for (std::size_t i = 0; i < kernel.size(); ++i) {
    const int64_t span = (kernel[i] - 1) * dilations[i] + 1;
    const int64_t out = (input_spatial[i] + strides[i] - 1) / strides[i];
    const int64_t total = std::max((out - 1) * strides[i] + span - input_spatial[i], int64_t{0});
    pads.begin[i] = total / 2;
    pads.end[i] = total - total / 2;
  }
  return pads;
}

namespace {

bool is_channels_last(const at::Tensor& x) {
  if (x.is_contiguous()) return false;  // one channel or unit spatial axes: either will do
  return x.dim() == 4 ? x.is_contiguous(at::MemoryFormat::ChannelsLast)
                      : x.dim() == 5 && x.is_contiguous(at::MemoryFormat::ChannelsLast3d);
}

// constant_pad_nd's spec: the last axis first, (begin, end) each; with `skip_channels`, an unpadded
// last axis (the channels of a channels-last tensor) before the spatial ones.
std::vector<int64_t> pad_spec(const WindowPads& pads, bool skip_channels) {
  std::vector<int64_t> spec;
  if (skip_channels) spec = {0, 0};
  for (std::size_t i = pads.begin.size(); i-- > 0;) {
    spec.push_back(pads.begin[i]);
    spec.push_back(pads.end[i]);
  }
  return spec;
}

// ATen pads a window itself only equally on both sides, by at most half the window.
bool aten_pads(const std::vector<int64_t>& kernel, const WindowPads& pads) {
  if (!pads.symmetric()) return false;
  for (std::size_t i = 0; i < kernel.size(); ++i)
    if (pads.begin[i] > kernel[i] / 2) return false;
  return true;
}

}  // namespace

at::Tensor pad_spatial(const at::Tensor& x, const WindowPads& pads, double value) {
  // A channels_last view is padded in its own (N, spatial..., C) order, so it stays one.
  if (is_channels_last(x))
    return channels_first_view(
        at::constant_pad_nd(to_channels_last(x), pad_spec(pads, true), value));
  return at::constant_pad_nd(x, pad_spec(pads, false), value);
}

at::Tensor forward_convolution(const at::Tensor& x, const at::Tensor& weight,
                               const at::Tensor& bias, at::IntArrayRef strides,
                               at::IntArrayRef pads, at::IntArrayRef dilations, int64_t groups) {
  if (at::hasMKLDNN() && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat)
    return at::mkldnn_convolution(x, weight, bias, pads, strides, dilations, groups);
  const std::vector<int64_t> no_output_padding(strides.size(), 0);
  return at::convolution(x, weight, bias, strides, pads, dilations, false, no_output_padding,
                         groups);
}

at::Tensor convolve_padded(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                           const std::vector<int64_t>& strides, const WindowPads& pads,
                           const std::vector<int64_t>& dilations, int64_t groups) {
  if (pads.symmetric())
    return forward_convolution(x, weight, bias, strides, pads.begin, dilations, groups);
  return forward_convolution(pad_spatial(x, pads, 0), weight, bias, strides,
                             no_pads(strides.size()).begin, dilations, groups);
}

at::Tensor tf_max_pool(const at::Tensor& x, const std::vector<int64_t>& kernel,
                       const std::vector<int64_t>& strides, const WindowPads& pads) {
  const std::vector<int64_t> ones(kernel.size(), 1);
  auto pool = [&](const at::Tensor& in, const std::vector<int64_t>& p) {
    return kernel.size() == 3 ? at::max_pool3d(in, kernel, strides, p, ones)
                              : at::max_pool2d(in, kernel, strides, p, ones);
  };
  if (aten_pads(kernel, pads)) return pool(x, pads.begin);
  return pool(pad_spatial(x, pads, -std::numeric_limits<double>::infinity()),
              no_pads(kernel.size()).begin);
}

at::Tensor tf_avg_pool(const at::Tensor& x, const std::vector<int64_t>& kernel,
                       const std::vector<int64_t>& strides, const WindowPads& pads) {
  auto pool = [&](const at::Tensor& in, const std::vector<int64_t>& p, bool count_pads) {
    return kernel.size() == 3 ? at::avg_pool3d(in, kernel, strides, p, false, count_pads)
                              : at::avg_pool2d(in, kernel, strides, p, false, count_pads);
  };
  if (aten_pads(kernel, pads)) return pool(x, pads.begin, false);
  // Padding ATen cannot do is explicit zeros, which it would count: the sums are divided by each
  // window's count of input values instead, the same average pool of a ones mask.
  const std::vector<int64_t> none = no_pads(kernel.size()).begin;
  const at::Tensor sums = pool(pad_spatial(x, pads, 0), none, true);
  std::vector<int64_t> mask_shape{1, 1};
  for (int64_t size : spatial_of(x)) mask_shape.push_back(size);
  const at::Tensor counts =
      pool(pad_spatial(at::ones(mask_shape, x.options()), pads, 0), none, true);
  return sums / counts;
}

}  // namespace layerscope::runtime
