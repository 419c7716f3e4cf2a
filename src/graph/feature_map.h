#pragma once
// Where a tensor's channels are, for the code that draws feature maps or pools per channel (the
// TensorBoard and plot observers, the report, embeddings). The value's Layout says it: ONNX maps
// are [N, C, H, W], Keras ones [N, H, W, C]; Layout::Unknown reads as channels first.
//
//   if (auto map = feature_map_shape(tensor.shape(), value.layout)) {
//     std::vector<float> storage;
//     const float* planes = first_item_planes(values, *map, 8, storage);  // 8 x H x W floats
//   }
#include <layerscope/graph.h>
#include <layerscope/tensor.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace layerscope {

// A rank-4 tensor read as images: `items` maps of `channels` planes of height x width.
struct FeatureMapShape {
  int64_t items = 0, channels = 0, height = 0, width = 0;
  bool channels_last = false;  // [N, H, W, C]
};

// Nullopt unless the shape has rank 4 and no empty dimension.
std::optional<FeatureMapShape> feature_map_shape(const Shape& shape, Layout layout);

// The first `count` (<= map.channels) channels of item 0 as `count` consecutive height x width
// planes: `values` itself when the tensor is channels first, else gathered into `storage`.
const float* first_item_planes(const float* values, const FeatureMapShape& map, int64_t count,
                               std::vector<float>& storage);

// A tensor of rank >= 2 as items x channels x positions (channels first) or items x positions x
// channels (channels last), for pooling each channel over the positions. Rank 2 has one position.
struct ChannelAxes {
  int64_t items = 0, channels = 0, positions = 0;
  bool channels_last = false;
  // Index of (item, channel, position) in the tensor's contiguous values.
  int64_t at(int64_t item, int64_t channel, int64_t position) const {
    return channels_last ? (item * positions + position) * channels + channel
                         : (item * channels + channel) * positions + position;
  }
};
ChannelAxes channel_axes(const Shape& shape, Layout layout);

}  // namespace layerscope
