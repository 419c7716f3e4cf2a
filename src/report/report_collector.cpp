// Per layer and per input summaries for the report (see report_collector.h).
#include "report/report_collector.h"

#include "graph/feature_map.h"
#include "tensorboard/png_encoder.h"

#include <algorithm>
#include <cmath>

namespace layerscope::report {
namespace {

bool is_real(DType dtype) {
  return dtype != DType::String && dtype != DType::Undefined && dtype != DType::Complex64 &&
         dtype != DType::Complex128;
}

// Averages `values` (length n) into `columns` contiguous chunks of near-equal size.
std::vector<float> chunk_means(const std::vector<double>& values, int64_t columns) {
  const int64_t n = static_cast<int64_t>(values.size());
  if (n <= columns) return {values.begin(), values.end()};
  std::vector<float> out(columns);
  for (int64_t c = 0; c < columns; ++c) {
    const int64_t begin = c * n / columns, end = (c + 1) * n / columns;
    double sum = 0;
    for (int64_t i = begin; i < end; ++i) sum += values[i];
    out[c] = static_cast<float>(sum / static_cast<double>(end - begin));
  }
  return out;
}

}  // namespace

std::vector<float> tensor_floats(const Tensor& tensor) {
  if (tensor.dtype() == DType::Float32)
    return {tensor.data<float>(), tensor.data<float>() + tensor.numel()};
  const std::vector<double> all = to_doubles(tensor);
  return {all.begin(), all.end()};
}

Histogram make_histogram(const float* values, int64_t count, const TensorStats& stats, int bins) {
  Histogram h;
  if (!(std::isfinite(stats.min) && std::isfinite(stats.max))) return h;  // nothing finite
  h.counts.assign(bins, 0);
  h.min = stats.min;
  h.max = stats.max;
  const double width = (h.max - h.min) / bins;
  const double scale = width > 0 ? 1.0 / width : 0.0;
  for (int64_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (!std::isfinite(v)) continue;
    const int64_t bin = static_cast<int64_t>((v - h.min) * scale);
    ++h.counts[std::clamp<int64_t>(bin, 0, bins - 1)];
  }
  return h;
}

ReportCollector::ReportCollector(CollectorOptions options) : options_(std::move(options)) {}

bool ReportCollector::wants(const Graph& graph, const Node& node) {
  return options_.filter.matches(graph, node);
}

ObserverAction ReportCollector::on_value(const Value& value, const Tensor& tensor,
                                         const RunContext& context) {
  auto [it, added] = index_.emplace(value.name, layers_.size());
  if (added) {
    LayerReport layer;
    layer.value = value.name;
    layer.node = context.node.name;
    layer.op = context.node.op_type;
    layers_.push_back(std::move(layer));
  }
  LayerReport& layer = layers_[it->second];
  LayerSample sample;
  sample.input = input_;
  sample.dtype = tensor.dtype();
  sample.shape = tensor.shape();
  sample.seconds = context.node_seconds;
  sample.stats = compute_stats(tensor, context.parallel_for);
  if (sample.stats.has_nonfinite() && (!first_nonfinite_ || input_ < first_nonfinite_->input))
    first_nonfinite_ = FirstNonfinite{it->second, input_};
  if (is_real(tensor.dtype()) && tensor.numel() > 0) {
    if (tensor.dtype() == DType::Float32) {
      sample.histogram = make_histogram(tensor.data<float>(), tensor.numel(), sample.stats,
                                        options_.histogram_bins);
    } else {
      const std::vector<float> values = tensor_floats(tensor);
      sample.histogram =
          make_histogram(values.data(), tensor.numel(), sample.stats, options_.histogram_bins);
    }
    if (tensor.rank() == 4 && dtype_is_floating(tensor.dtype()))
      add_thumbnails(layer, sample, tensor, value.layout);
    add_pooled_row(layer, tensor, value.layout);
  } else {
    layer.pooled_consistent = false;
  }
  layer.samples.push_back(std::move(sample));
  return ObserverAction::Continue;
}

// Channels of batch item 0, each scaled by its own finite min and max, box-averaged down to
// thumbnail_size, as 8-bit gray PNGs (NaN and Inf pixels black).
void ReportCollector::add_thumbnails(LayerReport& layer, LayerSample& sample, const Tensor& tensor,
                                     Layout layout) {
  if (input_ >= options_.feature_inputs || options_.feature_channels <= 0) return;
  if (thumbnail_bytes_ >= options_.thumbnail_budget) {
    ++over_budget_;
    return;
  }
  const std::optional<FeatureMapShape> map = feature_map_shape(tensor.shape(), layout);
  if (!map) return;
  const int64_t channels = std::min<int64_t>(map->channels, options_.feature_channels);
  const int64_t height = map->height, width = map->width;
  const int64_t factor = std::max<int64_t>(
      1, (std::max(height, width) + options_.thumbnail_size - 1) / options_.thumbnail_size);
  const int64_t out_h = (height + factor - 1) / factor, out_w = (width + factor - 1) / factor;
  layer.map_height = height;
  layer.map_width = width;
  layer.thumbnail_height = out_h;
  layer.thumbnail_width = out_w;
  const std::vector<float> values =
      tensor.dtype() == DType::Float32 ? std::vector<float>() : tensor_floats(tensor);
  std::vector<float> gathered;
  const float* data =
      first_item_planes(tensor.dtype() == DType::Float32 ? tensor.data<float>() : values.data(),
                        *map, channels, gathered);
  std::vector<double> cells(out_h * out_w);
  std::vector<int> filled(out_h * out_w);
  std::vector<uint8_t> pixels(out_h * out_w);
  for (int64_t c = 0; c < channels; ++c) {
    std::fill(cells.begin(), cells.end(), 0.0);
    std::fill(filled.begin(), filled.end(), 0);
    const float* plane = data + c * height * width;
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x) {
        const float v = plane[y * width + x];
        if (!std::isfinite(v)) continue;
        const int64_t cell = (y / factor) * out_w + x / factor;
        cells[cell] += v;
        ++filled[cell];
      }
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t k = 0; k < cells.size(); ++k)
      if (filled[k]) {
        cells[k] /= filled[k];
        lo = std::min(lo, cells[k]);
        hi = std::max(hi, cells[k]);
      }
    const double range = hi > lo ? hi - lo : 1.0;
    for (std::size_t k = 0; k < cells.size(); ++k)
      pixels[k] =
          filled[k] ? static_cast<uint8_t>(std::lround(255.0 * (cells[k] - lo) / range)) : 0;
    std::string png =
        tensorboard::encode_png(pixels.data(), static_cast<int>(out_h), static_cast<int>(out_w), 1,
                                "feature map '" + layer.value + "'");
    thumbnail_bytes_ += png.size();
    sample.thumbnails.push_back(std::move(png));
  }
}

void ReportCollector::add_pooled_row(LayerReport& layer, const Tensor& tensor, Layout layout) {
  const Shape& shape = tensor.shape();
  std::vector<double> row;
  const std::vector<float> own =
      tensor.dtype() == DType::Float32 ? std::vector<float>() : tensor_floats(tensor);
  const float* data = tensor.dtype() == DType::Float32 ? tensor.data<float>() : own.data();
  if (tensor.rank() == 4) {
    const ChannelAxes axes = channel_axes(shape, layout);
    row.assign(axes.channels, 0.0);
    // In memory order: positions inside channels for [N, C, H, W], channels inside positions for
    // [N, H, W, C].
    for (int64_t i = 0; i < axes.items; ++i)
      if (axes.channels_last) {
        for (int64_t j = 0; j < axes.positions; ++j)
          for (int64_t k = 0; k < axes.channels; ++k) row[k] += data[axes.at(i, k, j)];
      } else {
        for (int64_t k = 0; k < axes.channels; ++k)
          for (int64_t j = 0; j < axes.positions; ++j) row[k] += data[axes.at(i, k, j)];
      }
    const double count = static_cast<double>(axes.items * axes.positions);
    for (double& v : row) v = count > 0 ? v / count : 0.0;
  } else if (tensor.rank() >= 2) {
    const int64_t n = shape[0], rest = n > 0 ? tensor.numel() / n : 0;
    row.assign(rest, 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < rest; ++j) row[j] += data[i * rest + j];
    for (double& v : row) v /= static_cast<double>(n);
  } else {
    row.assign(data, data + tensor.numel());
  }
  const std::vector<float> pooled = chunk_means(row, options_.scatter_columns);
  const int64_t columns = static_cast<int64_t>(pooled.size());
  if (layer.samples.empty()) layer.columns = columns;
  if (columns != layer.columns || columns == 0) {
    layer.pooled_consistent = false;
    return;
  }
  layer.pooled.insert(layer.pooled.end(), pooled.begin(), pooled.end());
}

}  // namespace layerscope::report
