#pragma once
// A histogram of a tensor's values as a PNG-ready canvas: equal-width bins over the finite values,
// bars on axes with ticks (value along x, count up y), a title and a line of statistics that
// always states how many values are NaN, +Inf and -Inf (they are counted, not binned).
//
//   render::HistogramPlotOptions o;
//   o.title = "/conv1/Conv_output_0";
//   render::draw_histogram(values.data(), values.size(), o).write_png("conv1_hist.png");
#include "render/plot_canvas.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::render {

struct HistogramPlotOptions {
  std::string title;
  std::string subtitle;  // put before the statistics, e.g. "1x32x26x26 float32"
  std::string x_label = "value";
  int bins = 0;  // 0: ceil(sqrt(finite values)), at most 60
  int width = 800;
  int height = 480;
};

// Equal-width bins over [low, high], the finite values' range (a constant widened by 0.5 each
// way); the last bin holds `high` itself.
struct HistogramBins {
  double low = 0, high = 0;
  std::vector<int64_t> counts;
  int64_t finite = 0, nan = 0, positive_inf = 0, negative_inf = 0;
  double mean = 0;  // of the finite values (0 without any)
};
HistogramBins histogram_bins(const float* values, std::size_t count, int bins);

// Throws Error when the size leaves no room for the axes.
Canvas draw_histogram(const float* values, std::size_t count, const HistogramPlotOptions& options);

}  // namespace layerscope::render
