#pragma once
// Feature maps as a PNG-ready canvas: the first channels of a [C, H, W] map in a grid of tiles,
// each channel normalized to its own range and drawn with a colormap, numbered, with an optional
// colour bar (each channel's min to max; NaN in the colormap's NaN colour).
//
//   render::FeatureGridOptions o;
//   o.title = "/conv1/Conv_output_0";
//   render::draw_feature_grid(map, 32, 26, 26, o).write_png("conv1_maps.png");
#include "render/plot_canvas.h"

#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::render {

// `count` planes of `plane` values, each scaled to [0, 1] by its own finite min and max; a
// constant plane (or one without finite values) is all 0 but for its NaNs. +Inf is 1, -Inf 0 and
// NaN stays NaN (a colormap gives it its own colour).
std::vector<float> normalize_channels(const float* values, int64_t count, int64_t plane);

struct FeatureGridOptions {
  std::string title;
  int max_channels = 16;             // the first this many channels are drawn
  std::string colormap = "viridis";  // a name Colormap::by_name knows
  bool colour_bar = true;
};

// The tile size of one channel: maps smaller than 64 px a side are enlarged by a whole factor
// (pixels stay square and sharp), larger than 160 px shrunk to 160, others kept.
struct TileSize {
  int height = 0, width = 0;
};
TileSize feature_tile_size(int64_t height, int64_t width);

// `values` holds channels x height x width floats. Throws Error for an empty map or an unknown
// colormap.
Canvas draw_feature_grid(const float* values, int64_t channels, int64_t height, int64_t width,
                         const FeatureGridOptions& options);

}  // namespace layerscope::render
