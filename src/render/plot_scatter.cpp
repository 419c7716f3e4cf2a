#include "render/plot_scatter.h"

#include "analysis/random.h"
#include "render/plot_font.h"

#include <layerscope/error.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace layerscope::render {
namespace {

// Okabe and Ito (2008), "Color Universal Design", black last; yellow moved late as it is faint on
// white.
constexpr uint32_t kOkabeIto[8] = {0xE69F00, 0x56B4E9, 0x009E73, 0x0072B2,
                                   0xD55E00, 0xCC79A7, 0xF0E442, 0x000000};
// Tableau 10 (2016 revision).
constexpr uint32_t kTableau10[10] = {0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F,
                                     0xEDC948, 0xB07AA1, 0xFF9DA7, 0x9C755F, 0xBAB0AC};

constexpr Rgb kInk = kPlotInk;
constexpr Rgb kWhite = kPlotBackground;
constexpr int kTextScale = kPlotTextScale;
constexpr int kTitleScale = kPlotTitleScale;

struct Range {
  double low, high;
  double span() const { return high - low; }
};

Range padded_range(const float* points, int64_t count, int stride, int axis) {
  double low = points[axis], high = points[axis];
  for (int64_t i = 1; i < count; ++i) {
    low = std::min<double>(low, points[i * stride + axis]);
    high = std::max<double>(high, points[i * stride + axis]);
  }
  double pad = (high - low) * 0.05;
  if (pad == 0) pad = std::max(1.0, std::fabs(low) * 0.1);
  return {low - pad, high + pad};
}

}  // namespace

Rgb category_colour(int index, int count) {
  if (count <= 8) return rgb(kOkabeIto[index % 8]);
  return rgb(kTableau10[index % 10]);
}

Marker category_marker(int index, int count) {
  if (count <= 10) return Marker::Circle;
  static constexpr Marker kShapes[4] = {Marker::Circle, Marker::Square, Marker::TriangleUp,
                                        Marker::Diamond};
  return kShapes[(index / 10) % 4];
}

Canvas draw_scatter(const float* points, int64_t count, int stride,
                    const std::vector<int32_t>& category,
                    const std::vector<std::string>& category_names, const ScatterOptions& options) {
  if (count < 1) throw Error("scatter plot needs at least one point");
  const bool labelled = !category.empty();
  if (labelled && static_cast<int64_t>(category.size()) != count)
    throw Error("scatter plot has " + std::to_string(count) + " points but " +
                std::to_string(category.size()) + " categories: expected one per point");
  const int categories = static_cast<int>(category_names.size());
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(points[i * stride]) || !std::isfinite(points[i * stride + 1]))
      throw Error("scatter plot point " + std::to_string(i) + " is not finite");
    if (labelled && (category[i] < 0 || category[i] >= categories))
      throw Error("scatter plot point " + std::to_string(i) + " has category " +
                  std::to_string(category[i]) + ": expected 0 to " +
                  std::to_string(categories - 1));
  }

  Canvas canvas(options.width, options.height, kWhite);
  const int glyph_h = kCapHeight * kTextScale;
  const int char_w = kGlyphAdvance * kTextScale;

  // Legend: one row per category, as many as fit; the rest summed up in a last row.
  int legend_width = 0;
  if (labelled) {
    int longest = 0;
    for (const auto& name : category_names)
      longest = std::max(longest, text_width(name, kTextScale));
    legend_width = std::min(longest, 24 * char_w) + 40;
  }
  const int top = options.title.empty() ? 20 : 24 + kCapHeight * kTitleScale + 16;
  const int left = kPlotLeftMargin;
  const int bottom = kPlotBottomMargin;
  const int right = 24 + (legend_width > 0 ? legend_width + 16 : 0);
  const int plot_x0 = left, plot_x1 = options.width - right;
  const int plot_y0 = top, plot_y1 = options.height - bottom;
  if (plot_x1 - plot_x0 < 50 || plot_y1 - plot_y0 < 50)
    throw Error("scatter plot of " + std::to_string(options.width) + "x" +
                std::to_string(options.height) + " pixels is too small for its axes and legend");

  Range xr = padded_range(points, count, stride, 0);
  Range yr = padded_range(points, count, stride, 1);
  const double plot_w = plot_x1 - plot_x0, plot_h = plot_y1 - plot_y0;
  if (options.equal_aspect) {
    const double units_per_pixel = std::max(xr.span() / plot_w, yr.span() / plot_h);
    const double xc = (xr.low + xr.high) / 2, yc = (yr.low + yr.high) / 2;
    xr = {xc - units_per_pixel * plot_w / 2, xc + units_per_pixel * plot_w / 2};
    yr = {yc - units_per_pixel * plot_h / 2, yc + units_per_pixel * plot_h / 2};
  }
  const PlotFrame frame{plot_x0, plot_y0, plot_x1, plot_y1, xr.low, xr.high, yr.low, yr.high};
  auto to_x = [&](double v) { return frame.to_x(v); };
  auto to_y = [&](double v) { return frame.to_y(v); };
  const std::vector<double> xt = nice_ticks(xr.low, xr.high, 6);
  const std::vector<double> yt = nice_ticks(yr.low, yr.high, 6);
  draw_grid(canvas, frame, xt, yt);

  // Points, in a fixed shuffled order so no category is always drawn on top of the others.
  std::vector<int64_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  analysis::Random random(12345);
  for (int64_t i = count - 1; i > 0; --i)
    std::swap(order[i], order[static_cast<int64_t>(random.below(i + 1))]);
  const double radius = std::clamp(12.0 * std::pow(static_cast<double>(count), -0.2), 1.3, 4.5);
  const double alpha = count > 5000 ? 0.55 : 0.8;
  for (int64_t i : order) {
    const int c = labelled ? category[i] : 0;
    const Rgb colour = labelled ? category_colour(c, categories) : rgb(kTableau10[0]);
    const Marker shape = labelled ? category_marker(c, categories) : Marker::Circle;
    canvas.marker(to_x(points[i * stride]), to_y(points[i * stride + 1]), radius, shape, colour,
                  alpha);
  }
  // Points may reach past the frame by their radius: clear the margins again.
  canvas.fill_rect(0, 0, options.width, plot_y0, kWhite);
  canvas.fill_rect(0, plot_y1 + 1, options.width, options.height, kWhite);
  canvas.fill_rect(0, 0, plot_x0, options.height, kWhite);
  canvas.fill_rect(plot_x1 + 1, 0, options.width, options.height, kWhite);

  draw_axes(canvas, frame, xt, yt, options.x_label, options.y_label);
  if (!options.title.empty())
    canvas.text(options.width / 2, 20, options.title, kInk, kTitleScale, TextAlign::Centre);

  // Legend.
  if (labelled) {
    const int row_h = glyph_h + 12;
    const int x = plot_x1 + 20;
    int y = plot_y0 + 4;
    const int rows_fit = std::max(1, (plot_y1 - plot_y0) / row_h);
    const int shown = categories <= rows_fit ? categories : rows_fit - 1;
    for (int c = 0; c < shown; ++c, y += row_h) {
      canvas.marker(x + 6, y + glyph_h / 2.0, 6, category_marker(c, categories),
                    category_colour(c, categories), 1.0);
      std::string name = category_names[c];
      if (name.size() > 24) name = name.substr(0, 23) + "~";
      canvas.text(x + 18, y, name, kInk, kTextScale);
    }
    if (shown < categories)
      canvas.text(x, y, "+" + std::to_string(categories - shown) + " more", kInk, kTextScale);
  }
  return canvas;
}

}  // namespace layerscope::render
