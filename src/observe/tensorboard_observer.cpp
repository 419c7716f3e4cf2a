#include <layerscope/tensorboard_observer.h>

#include "graph/half.h"
#include "render/colormap.h"
#include "render/plot_feature_grid.h"

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

// The tensor's name without leading '/' (a name of only '/' stays as it is).
std::string tensor_tag(const std::string& name) {
  const std::size_t start = name.find_first_not_of('/');
  return start == std::string::npos ? name : name.substr(start);
}

}  // namespace

TensorBoardObserver::TensorBoardObserver(SummaryWriter& writer, int64_t step,
                                         TensorBoardObserverOptions options)
    : writer_(writer),
      step_(step),
      options_(std::move(options)),
      colormap_(&render::Colormap::by_name(options_.colormap)) {}

bool TensorBoardObserver::wants(const Graph& graph, const Node& node) {
  return options_.filter.matches(graph, node);
}

ObserverAction TensorBoardObserver::on_value(const Value& value, const Tensor& tensor,
                                             const RunContext& context) {
  const DType dtype = tensor.dtype();
  if (dtype == DType::String || dtype == DType::Undefined) return ObserverAction::Continue;
  const std::string tag = tensor_tag(value.name);
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
    // The first item's first channels, each scaled to its own range.
    const std::vector<float> grid = render::normalize_channels(floats, channels, plane);
    // A gray map needs one channel, unless a NaN must show in its own color.
    const bool one_channel = colormap_->is_gray() &&
                             std::none_of(grid.begin(), grid.end(), [](float v) { return v != v; });
    const int colors = one_channel ? 1 : 3;
    std::vector<uint8_t> pixels(grid.size() * colors);
    if (one_channel)
      colormap_->to_gray(grid.data(), grid.size(), pixels.data());
    else
      colormap_->to_rgb(grid.data(), grid.size(), pixels.data());
    writer_.add_images(tag + "/feature_maps", pixels.data(), static_cast<int>(channels),
                       static_cast<int>(shape[2]), static_cast<int>(shape[3]), colors, step_);
    ++images_;
  }
  return ObserverAction::Continue;
}

}  // namespace layerscope
