#include "render/plot_histogram.h"

#include "render/plot_axes.h"
#include "render/plot_font.h"

#include <layerscope/error.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace layerscope::render {
namespace {

constexpr Rgb kBar = rgb(0x0072B2);      // Okabe-Ito blue
constexpr Rgb kWarning = rgb(0xD55E00);  // Okabe-Ito vermillion: NaN or Inf present

std::string short_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

}  // namespace

HistogramBins histogram_bins(const float* values, std::size_t count, int bins) {
  HistogramBins h;
  double low = std::numeric_limits<double>::infinity(), high = -low, sum = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (std::isnan(v)) {
      ++h.nan;
    } else if (std::isinf(v)) {
      ++(v > 0 ? h.positive_inf : h.negative_inf);
    } else {
      ++h.finite;
      sum += v;
      low = std::min<double>(low, v);
      high = std::max<double>(high, v);
    }
  }
  if (bins <= 0)
    bins = static_cast<int>(
        std::clamp(std::ceil(std::sqrt(static_cast<double>(h.finite))), 1.0, 60.0));
  h.counts.assign(static_cast<std::size_t>(bins), 0);
  if (h.finite == 0) {
    h.low = 0, h.high = 1;
    return h;
  }
  if (low == high) low -= 0.5, high += 0.5;
  h.low = low, h.high = high;
  h.mean = sum / static_cast<double>(h.finite);
  const double scale = bins / (high - low);
  for (std::size_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (!std::isfinite(v)) continue;
    const int bin = std::min(bins - 1, static_cast<int>((v - low) * scale));
    ++h.counts[static_cast<std::size_t>(bin)];
  }
  return h;
}

Canvas draw_histogram(const float* values, std::size_t count, const HistogramPlotOptions& options) {
  const HistogramBins h = histogram_bins(values, count, options.bins);
  Canvas canvas(options.width, options.height, kPlotBackground);
  const int glyph_h = kCapHeight * kPlotTextScale;

  // Title, then one line of statistics.
  int y = 20;
  if (!options.title.empty()) y += draw_title(canvas, y, options.title);
  // Two lines of statistics: the size and mean, then the values that are not binned.
  std::string stats = options.subtitle.empty() ? "" : options.subtitle + "   ";
  stats += "n " + std::to_string(count);
  if (h.finite > 0) stats += "   mean " + short_number(h.mean);
  canvas.text(options.width / 2, y, stats, kPlotInk, kPlotTextScale, TextAlign::Centre);
  y += glyph_h + 10;
  const bool nonfinite = h.nan + h.positive_inf + h.negative_inf > 0;
  const std::string unbinned = "NaN " + std::to_string(h.nan) + "   +Inf " +
                               std::to_string(h.positive_inf) + "   -Inf " +
                               std::to_string(h.negative_inf);
  canvas.text(options.width / 2, y, unbinned, nonfinite ? kWarning : kPlotInk, kPlotTextScale,
              TextAlign::Centre);
  y += glyph_h + 18;

  PlotFrame frame;
  frame.x0 = kPlotLeftMargin;
  frame.x1 = options.width - 24;
  frame.y0 = y;
  frame.y1 = options.height - kPlotBottomMargin;
  if (frame.x1 - frame.x0 < 50 || frame.y1 - frame.y0 < 50)
    throw Error("histogram of " + std::to_string(options.width) + "x" +
                std::to_string(options.height) + " pixels is too small for its axes");
  const int64_t most = h.counts.empty() ? 0 : *std::max_element(h.counts.begin(), h.counts.end());
  const double pad = (h.high - h.low) * 0.02;
  frame.x_low = h.low - pad;
  frame.x_high = h.high + pad;
  frame.y_low = 0;
  frame.y_high = std::max<double>(1.0, most * 1.05);
  const std::vector<double> x_ticks = nice_ticks(frame.x_low, frame.x_high, 6);
  std::vector<double> y_ticks = nice_ticks(0, frame.y_high, 5);
  // Counts are whole: no ticks between them.
  y_ticks.erase(
      std::remove_if(y_ticks.begin(), y_ticks.end(), [](double t) { return t != std::floor(t); }),
      y_ticks.end());
  draw_grid(canvas, frame, {}, y_ticks);

  const int bins = static_cast<int>(h.counts.size());
  const double width = (h.high - h.low) / bins;
  for (int b = 0; b < bins; ++b) {
    if (h.counts[b] == 0) continue;
    const int left = static_cast<int>(std::lround(frame.to_x(h.low + b * width)));
    int right = static_cast<int>(std::lround(frame.to_x(h.low + (b + 1) * width)));
    if (right - left >= 4) --right;  // a one-pixel gap between wide bars
    const int top = static_cast<int>(std::lround(frame.to_y(static_cast<double>(h.counts[b]))));
    // Every non-empty bin shows, however small against the tallest.
    canvas.fill_rect(left, std::min(top, frame.y1 - 1), std::max(right, left + 1), frame.y1, kBar);
  }
  if (h.finite == 0)
    canvas.text((frame.x0 + frame.x1) / 2, (frame.y0 + frame.y1) / 2 - glyph_h / 2,
                "no finite values", kWarning, kPlotTextScale, TextAlign::Centre);
  draw_axes(canvas, frame, h.finite ? x_ticks : std::vector<double>{}, y_ticks, options.x_label,
            "count");
  return canvas;
}

}  // namespace layerscope::render
