#include "graph/feature_map.h"

#include <layerscope/error.h>

namespace layerscope {

std::optional<FeatureMapShape> feature_map_shape(const Shape& shape, Layout layout) {
  if (shape.size() != 4) return std::nullopt;
  for (int64_t d : shape)
    if (d <= 0) return std::nullopt;
  FeatureMapShape map;
  map.channels_last = layout == Layout::ChannelsLast;
  map.items = shape[0];
  map.channels = map.channels_last ? shape[3] : shape[1];
  map.height = map.channels_last ? shape[1] : shape[2];
  map.width = map.channels_last ? shape[2] : shape[3];
  return map;
}

const float* first_item_planes(const float* values, const FeatureMapShape& map, int64_t count,
                               std::vector<float>& storage) {
  if (count < 0 || count > map.channels)
    throw Error("feature map of " + std::to_string(map.channels) + " channels: cannot take " +
                std::to_string(count));
  if (!map.channels_last) return values;
  const int64_t plane = map.height * map.width;
  storage.resize(static_cast<std::size_t>(count * plane));
  // Pixel by pixel, the first `count` of its channels: one pass over item 0 in memory order.
  for (int64_t p = 0; p < plane; ++p) {
    const float* pixel = values + p * map.channels;
    for (int64_t c = 0; c < count; ++c) storage[c * plane + p] = pixel[c];
  }
  return storage.data();
}

ChannelAxes channel_axes(const Shape& shape, Layout layout) {
  if (shape.size() < 2)
    throw Error("channel_axes: expected a tensor of rank 2 or more, got rank " +
                std::to_string(shape.size()));
  ChannelAxes axes;
  axes.channels_last = layout == Layout::ChannelsLast && shape.size() > 2;
  axes.items = shape[0];
  axes.channels = axes.channels_last ? shape.back() : shape[1];
  axes.positions = 1;
  const std::size_t first = axes.channels_last ? 1 : 2;
  const std::size_t end = axes.channels_last ? shape.size() - 1 : shape.size();
  for (std::size_t d = first; d < end; ++d) axes.positions *= shape[d];
  return axes;
}

}  // namespace layerscope
