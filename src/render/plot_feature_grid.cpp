#include "render/plot_feature_grid.h"

#include "render/colormap.h"
#include "render/plot_axes.h"
#include "render/plot_font.h"

#include <layerscope/error.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace layerscope::render {
namespace {

constexpr int kGap = 14;            // between tiles
constexpr int kMargin = 24;         // around the grid
constexpr int kBarWidth = 18;       // the colour bar
constexpr int kMinTile = 64;        // smaller maps are enlarged to at least this
constexpr int kMaxTile = 160;       // larger maps are shrunk to this
constexpr int kMinGridWidth = 460;  // room for the lines of text over few tiles

}  // namespace

std::vector<float> normalize_channels(const float* values, int64_t count, int64_t plane) {
  std::vector<float> out(static_cast<std::size_t>(count * plane), 0.0f);
  for (int64_t c = 0; c < count; ++c) {
    const float* in = values + c * plane;
    float* dst = out.data() + c * plane;
    float lo = std::numeric_limits<float>::infinity();
    float hi = -lo;
    for (int64_t i = 0; i < plane; ++i)
      if (std::isfinite(in[i])) {
        lo = std::min(lo, in[i]);
        hi = std::max(hi, in[i]);
      }
    const float scale = hi > lo ? 1.0f / (hi - lo) : 0.0f;
    for (int64_t i = 0; i < plane; ++i) {
      const float v = in[i];
      if (std::isnan(v))
        dst[i] = v;
      else if (std::isinf(v))
        dst[i] = v > 0 && hi > lo ? 1.0f : 0.0f;
      else
        dst[i] = std::clamp((v - lo) * scale, 0.0f, 1.0f);
    }
  }
  return out;
}

TileSize feature_tile_size(int64_t height, int64_t width) {
  const int64_t side = std::max(height, width);
  if (side < kMinTile) {
    const int64_t factor = (kMinTile + side - 1) / side;
    return {static_cast<int>(height * factor), static_cast<int>(width * factor)};
  }
  if (side > kMaxTile)
    return {static_cast<int>(std::max<int64_t>(1, height * kMaxTile / side)),
            static_cast<int>(std::max<int64_t>(1, width * kMaxTile / side))};
  return {static_cast<int>(height), static_cast<int>(width)};
}

Canvas draw_feature_grid(const float* values, int64_t channels, int64_t height, int64_t width,
                         const FeatureGridOptions& options) {
  if (channels < 1 || height < 1 || width < 1)
    throw Error("feature map " + std::to_string(channels) + "x" + std::to_string(height) + "x" +
                std::to_string(width) + " is empty: expected at least one channel of 1x1");
  const Colormap& colormap = Colormap::by_name(options.colormap);
  const int shown =
      static_cast<int>(std::min<int64_t>(channels, std::max(1, options.max_channels)));
  const std::vector<float> normalized = normalize_channels(values, shown, height * width);
  const bool any_nan =
      std::any_of(normalized.begin(), normalized.end(), [](float v) { return v != v; });

  int columns = 1;
  while (columns * columns < shown) ++columns;
  const int rows = (shown + columns - 1) / columns;
  const TileSize tile = feature_tile_size(height, width);
  const int glyph_h = kCapHeight * kPlotTextScale;
  const int label_h = glyph_h + 6;  // the channel number above each tile
  const int grid_w = columns * tile.width + (columns - 1) * kGap;
  const int grid_h = rows * (label_h + tile.height) + (rows - 1) * kGap;
  const int bar_w = options.colour_bar ? kGap * 2 + kBarWidth + 8 + 4 * 6 * kPlotTextScale : 0;
  const int title_h = options.title.empty() ? 0 : kCapHeight * kPlotTitleScale + 14;
  const int subtitle_h = 2 * glyph_h + 8 + 18;  // two lines
  const int content_w = std::max(grid_w + bar_w, kMinGridWidth);
  const int bar_h = std::max(tile.height, 64);
  const int bar_total_h = label_h + bar_h + (any_nan ? 10 + kBarWidth : 0);
  const int content_h = options.colour_bar ? std::max(grid_h, bar_total_h) : grid_h;
  Canvas canvas(content_w + 2 * kMargin, kMargin + title_h + subtitle_h + content_h + kMargin,
                kPlotBackground);

  int y = kMargin;
  if (!options.title.empty()) {
    draw_title(canvas, y, options.title);
    y += title_h;
  }
  const std::string shown_text =
      (shown == 1 ? "channel 0" : "channels 0-" + std::to_string(shown - 1)) + " of " +
      std::to_string(channels) + ", " + std::to_string(height) + "x" + std::to_string(width);
  canvas.text(canvas.width() / 2, y, shown_text, kPlotInk, kPlotTextScale, TextAlign::Centre);
  canvas.text(canvas.width() / 2, y + glyph_h + 8, "each channel from its own min to max", kPlotInk,
              kPlotTextScale, TextAlign::Centre);
  y += subtitle_h;

  // Tiles, each pixel the nearest source value (enlarged maps keep square pixels).
  const int grid_x = kMargin + (content_w - grid_w - bar_w) / 2;
  for (int c = 0; c < shown; ++c) {
    const int x0 = grid_x + (c % columns) * (tile.width + kGap);
    const int y0 = y + (c / columns) * (label_h + tile.height + kGap);
    canvas.text(x0, y0, std::to_string(c), kPlotInk, kPlotTextScale);
    const float* plane = normalized.data() + static_cast<int64_t>(c) * height * width;
    for (int ty = 0; ty < tile.height; ++ty) {
      const int64_t sy = static_cast<int64_t>(ty) * height / tile.height;
      for (int tx = 0; tx < tile.width; ++tx) {
        const int64_t sx = static_cast<int64_t>(tx) * width / tile.width;
        const Rgb colour = colormap(plane[sy * width + sx]);
        canvas.fill_rect(x0 + tx, y0 + label_h + ty, x0 + tx + 1, y0 + label_h + ty + 1, colour);
      }
    }
  }

  if (options.colour_bar) {
    // From the top (a channel's max) down to its min, beside the first row of tiles.
    const int x0 = grid_x + grid_w + kGap * 2;
    const int top = y + label_h;
    for (int k = 0; k < bar_h; ++k) {
      const float v = 1.0f - (k + 0.5f) / static_cast<float>(bar_h);
      canvas.fill_rect(x0, top + k, x0 + kBarWidth, top + k + 1, colormap(v));
    }
    canvas.text(x0 + kBarWidth + 6, top, "max", kPlotInk, kPlotTextScale);
    canvas.text(x0 + kBarWidth + 6, top + bar_h - glyph_h, "min", kPlotInk, kPlotTextScale);
    if (any_nan) {
      const int nan_top = top + bar_h + 10;
      canvas.fill_rect(x0, nan_top, x0 + kBarWidth, nan_top + kBarWidth, Colormap::kNanColor);
      canvas.text(x0 + kBarWidth + 6, nan_top + 2, "NaN", kPlotInk, kPlotTextScale);
    }
  }
  return canvas;
}

}  // namespace layerscope::render
