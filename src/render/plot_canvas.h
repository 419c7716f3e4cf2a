#pragma once
// An RGB raster for plots: rectangles, lines, anti-aliased markers with alpha, bitmap text, and
// PNG output (the encoder the TensorBoard images use).
#include "render/rgb.h"

#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::render {

enum class Marker { Circle, Square, TriangleUp, Diamond };

enum class TextAlign { Left, Centre, Right };

class Canvas {
 public:
  Canvas(int width, int height, Rgb background);

  int width() const { return width_; }
  int height() const { return height_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }  // row-major RGB
  Rgb pixel(int x, int y) const;

  // Pixels with x in [x0, x1) and y in [y0, y1), clipped to the canvas.
  void fill_rect(int x0, int y0, int x1, int y1, Rgb colour);
  void hline(int x0, int x1, int y, Rgb colour);  // inclusive ends
  void vline(int x, int y0, int y1, Rgb colour);
  void blend(int x, int y, Rgb colour, double alpha);
  // A marker of radius `radius` pixels centred on (cx, cy), edges anti-aliased by 4x4
  // supersampling, blended with `alpha`.
  void marker(double cx, double cy, double radius, Marker shape, Rgb colour, double alpha);

  // Text with its top-left corner (cap top) at (x, y); returns the width drawn.
  int text(int x, int y, const std::string& s, Rgb colour, int scale,
           TextAlign align = TextAlign::Left);
  // Text turned 90 degrees counter-clockwise, reading bottom to top, centred on (cx, cy).
  void vertical_text(int cx, int cy, const std::string& s, Rgb colour, int scale);

  // The canvas as PNG file bytes.
  std::string png() const;
  // Throws Error naming the file and the OS's reason when it cannot be written.
  void write_png(const std::string& path) const;

 private:
  void glyph(int x, int y, char c, Rgb colour, int scale, bool vertical);

  int width_, height_;
  std::vector<uint8_t> pixels_;
};

}  // namespace layerscope::render
