#include <layerscope/tensorboard_observer.h>

#include "graph/half.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace layerscope {
namespace {

// The values of a floating tensor as float32 (a float32 tensor is read in place).
const float* as_floats(const Tensor& tensor, std::vector<float>& storage) {
  const int64_t n = tensor.numel();
  switch (tensor.dtype()) {
    case DType::Float32:
      return tensor.data<float>();
    case DType::Float64: {
      const double* p = tensor.data<double>();
      storage.assign(p, p + n);
      return storage.data();
    }
    case DType::Float16: {
      const uint16_t* p = tensor.data<uint16_t>();
      storage.resize(static_cast<std::size_t>(n));
      for (int64_t i = 0; i < n; ++i) storage[i] = detail::half_to_float(p[i]);
      return storage.data();
    }
    case DType::BFloat16: {
      const uint16_t* p = tensor.data<uint16_t>();
      storage.resize(static_cast<std::size_t>(n));
      for (int64_t i = 0; i < n; ++i) storage[i] = detail::bfloat16_to_float(p[i]);
      return storage.data();
    }
    default:
      return nullptr;
  }
}

// The first `count` channels of the first item of an N x C x H x W tensor as gray bytes, each
// channel scaled to [0, 1] by its own finite min and max and then to bytes as add_image scales
// floats (x 255, truncated), in one pass per channel; a constant channel (or one without finite
// values) is all 0, and so are non-finite values.
std::vector<uint8_t> normalized_channels(const float* values, int64_t count, int64_t plane) {
  std::vector<uint8_t> out(static_cast<std::size_t>(count * plane), 0);
  for (int64_t c = 0; c < count; ++c) {
    const float* in = values + c * plane;
    float lo = std::numeric_limits<float>::infinity();
    float hi = -lo;
    for (int64_t i = 0; i < plane; ++i) {
      const bool finite = std::isfinite(in[i]);
      lo = finite ? std::min(lo, in[i]) : lo;
      hi = finite ? std::max(hi, in[i]) : hi;
    }
    if (!(hi > lo)) continue;
    const float scale = 1.0f / (hi - lo);
    uint8_t* dst = out.data() + c * plane;
    for (int64_t i = 0; i < plane; ++i) {
      const float unit = std::isfinite(in[i]) ? std::clamp((in[i] - lo) * scale, 0.0f, 1.0f) : 0.0f;
      const float byte = unit * 255.0f;
      dst[i] = byte >= 255.0f ? 255 : static_cast<uint8_t>(byte);
    }
  }
  return out;
}

}  // namespace

TensorBoardObserver::TensorBoardObserver(SummaryWriter& writer, int64_t step,
                                         TensorBoardObserverOptions options)
    : writer_(writer), step_(step), options_(std::move(options)) {}

bool TensorBoardObserver::wants(const Graph& graph, const Node& node) {
  return options_.filter.matches(graph, node);
}

ObserverAction TensorBoardObserver::on_value(const Value& value, const Tensor& tensor,
                                             const RunContext& context) {
  const DType dtype = tensor.dtype();
  if (dtype == DType::String || dtype == DType::Undefined) return ObserverAction::Continue;
  const std::string& tag = value.name;
  tensors_.insert(tag);

  std::vector<float> storage;
  const float* floats = as_floats(tensor, storage);
  if (floats) {
    HistogramOptions histogram;
    histogram.parallel_for = context.parallel_for;
    writer_.add_histogram(tag, floats, static_cast<std::size_t>(tensor.numel()), step_, histogram);
    ++histograms_;
  }

  const TensorStats stats = compute_stats(tensor, context.parallel_for);
  writer_.add_scalar(tag + "/mean", stats.mean, step_);
  writer_.add_scalar(tag + "/std", stats.std, step_);
  writer_.add_scalar(tag + "/zero_fraction", stats.zero_fraction, step_);
  writer_.add_scalar(tag + "/nan_count", static_cast<double>(stats.nan_count), step_);
  writer_.add_scalar(tag + "/inf_count", static_cast<double>(stats.inf_count), step_);
  scalars_ += 5;

  const Shape& shape = tensor.shape();
  if (floats && options_.images > 0 && shape.size() == 4 && shape[0] > 0 && shape[1] > 0 &&
      shape[2] > 0 && shape[3] > 0) {
    const int64_t plane = shape[2] * shape[3];
    const int64_t channels = std::min<int64_t>(options_.images, shape[1]);
    const std::vector<uint8_t> maps = normalized_channels(floats, channels, plane);
    writer_.add_images(tag + "/feature_maps", maps.data(), static_cast<int>(channels),
                       static_cast<int>(shape[2]), static_cast<int>(shape[3]), 1, step_);
    ++images_;
  }
  return ObserverAction::Continue;
}

}  // namespace layerscope
