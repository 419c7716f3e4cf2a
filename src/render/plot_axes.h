#pragma once
// What the plots share: their ink colours and text sizes, and a frame with grid, ticks, tick
// numbers and axis labels around a box of pixels that shows a range of values on each axis.
#include "render/plot_canvas.h"

#include <string>
#include <vector>

namespace layerscope::render {

constexpr Rgb kPlotInk = rgb(0x222222);
constexpr Rgb kPlotFrame = rgb(0x888888);
constexpr Rgb kPlotGrid = rgb(0xEBEBEB);
constexpr Rgb kPlotBackground = rgb(0xFFFFFF);
constexpr int kPlotTextScale = 2;   // tick numbers, axis labels, legends, notes
constexpr int kPlotTitleScale = 3;  // titles

// Margins that leave room for a y label, tick numbers of up to 7 characters and the tick marks
// (left), tick numbers and an x label (bottom).
constexpr int kPlotLeftMargin = 18 + 7 * kPlotTextScale + 12 + 7 * 6 * kPlotTextScale + 18;
constexpr int kPlotBottomMargin = 24 + 2 * 7 * kPlotTextScale + 18;

// The pixel box [x0, x1] x [y0, y1] (y down) showing [x_low, x_high] x [y_low, y_high] (y up).
struct PlotFrame {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double x_low = 0, x_high = 1, y_low = 0, y_high = 1;
  double to_x(double v) const { return x0 + (v - x_low) / (x_high - x_low) * (x1 - x0); }
  double to_y(double v) const { return y1 - (v - y_low) / (y_high - y_low) * (y1 - y0); }
};

// Round tick positions covering [low, high]: 1, 2 or 5 times a power of ten apart, about
// `target` of them.
std::vector<double> nice_ticks(double low, double high, int target);
// A tick's label with just enough decimals for the spacing `step`.
std::string tick_label(double value, double step);

// `title` centred across the canvas with its cap top at `y`: at the title size, or the text size
// when too wide for that, cut short with "~" when too wide even then. Returns the height it takes,
// with the gap below it.
int draw_title(Canvas& canvas, int y, const std::string& title);

// Light grid lines at the ticks (draw before the data).
void draw_grid(Canvas& canvas, const PlotFrame& frame, const std::vector<double>& x_ticks,
               const std::vector<double>& y_ticks);
// The frame, tick marks, tick numbers and axis labels (draw after the data).
void draw_axes(Canvas& canvas, const PlotFrame& frame, const std::vector<double>& x_ticks,
               const std::vector<double>& y_ticks, const std::string& x_label,
               const std::string& y_label);

}  // namespace layerscope::render
