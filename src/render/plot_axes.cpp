#include "render/plot_axes.h"

#include "render/plot_font.h"

#include <cmath>
#include <cstdio>

namespace layerscope::render {
namespace {

double tick_step(const std::vector<double>& ticks) {
  return ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
}

int round_pixel(double v) { return static_cast<int>(std::lround(v)); }

}  // namespace

std::vector<double> nice_ticks(double low, double high, int target) {
  const double raw = (high - low) / std::max(1, target);
  if (!(raw > 0) || !std::isfinite(raw)) return {low};
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(low / step - 1e-9) * step; t <= high + step * 1e-9; t += step)
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);  // no "-0"
  return ticks;
}

std::string tick_label(double value, double step) {
  char buffer[64];
  if (std::fabs(value) >= 1e6 || (step < 1e-4 && value != 0)) {
    std::snprintf(buffer, sizeof buffer, "%.3g", value);
  } else {
    const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  }
  return buffer;
}

int draw_title(Canvas& canvas, int y, const std::string& title) {
  const int room = canvas.width() - 40;
  int scale = kPlotTitleScale;
  if (text_width(title, scale) > room) scale = kPlotTextScale;
  std::string shown = title;
  const int chars = room / (kGlyphAdvance * scale);
  if (static_cast<int>(shown.size()) > chars && chars > 1) shown = shown.substr(0, chars - 1) + "~";
  canvas.text(canvas.width() / 2, y, shown, kPlotInk, scale, TextAlign::Centre);
  return kCapHeight * scale + 14;
}

void draw_grid(Canvas& canvas, const PlotFrame& frame, const std::vector<double>& x_ticks,
               const std::vector<double>& y_ticks) {
  for (double t : x_ticks) canvas.vline(round_pixel(frame.to_x(t)), frame.y0, frame.y1, kPlotGrid);
  for (double t : y_ticks) canvas.hline(frame.x0, frame.x1, round_pixel(frame.to_y(t)), kPlotGrid);
}

void draw_axes(Canvas& canvas, const PlotFrame& frame, const std::vector<double>& x_ticks,
               const std::vector<double>& y_ticks, const std::string& x_label,
               const std::string& y_label) {
  const int glyph_h = kCapHeight * kPlotTextScale;
  canvas.hline(frame.x0, frame.x1, frame.y0, kPlotFrame);
  canvas.hline(frame.x0, frame.x1, frame.y1, kPlotFrame);
  canvas.vline(frame.x0, frame.y0, frame.y1, kPlotFrame);
  canvas.vline(frame.x1, frame.y0, frame.y1, kPlotFrame);
  const double x_step = tick_step(x_ticks), y_step = tick_step(y_ticks);
  for (double t : x_ticks) {
    const int x = round_pixel(frame.to_x(t));
    canvas.vline(x, frame.y1, frame.y1 + 6, kPlotInk);
    canvas.text(x, frame.y1 + 12, tick_label(t, x_step), kPlotInk, kPlotTextScale,
                TextAlign::Centre);
  }
  for (double t : y_ticks) {
    const int y = round_pixel(frame.to_y(t));
    canvas.hline(frame.x0 - 6, frame.x0, y, kPlotInk);
    canvas.text(frame.x0 - 12, y - glyph_h / 2, tick_label(t, y_step), kPlotInk, kPlotTextScale,
                TextAlign::Right);
  }
  canvas.text((frame.x0 + frame.x1) / 2, frame.y1 + 12 + glyph_h + 16, x_label, kPlotInk,
              kPlotTextScale, TextAlign::Centre);
  canvas.vertical_text(18 + glyph_h / 2, (frame.y0 + frame.y1) / 2, y_label, kPlotInk,
                       kPlotTextScale);
}

}  // namespace layerscope::render
