#include "render/plot_canvas.h"

#include "render/plot_font.h"
#include "tensorboard/png_encoder.h"

#include <layerscope/error.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace layerscope::render {

Canvas::Canvas(int width, int height, Rgb background)
    : width_(width), height_(height), pixels_(static_cast<std::size_t>(width) * height * 3) {
  if (width <= 0 || height <= 0)
    throw Error("plot size " + std::to_string(width) + "x" + std::to_string(height) +
                " is empty: expected positive width and height");
  fill_rect(0, 0, width, height, background);
}

Rgb Canvas::pixel(int x, int y) const {
  const uint8_t* p = &pixels_[(static_cast<std::size_t>(y) * width_ + x) * 3];
  return Rgb{p[0], p[1], p[2]};
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb colour) {
  x0 = std::max(x0, 0), y0 = std::max(y0, 0);
  x1 = std::min(x1, width_), y1 = std::min(y1, height_);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      uint8_t* p = &pixels_[(static_cast<std::size_t>(y) * width_ + x) * 3];
      p[0] = colour.r, p[1] = colour.g, p[2] = colour.b;
    }
}

void Canvas::hline(int x0, int x1, int y, Rgb colour) {
  fill_rect(std::min(x0, x1), y, std::max(x0, x1) + 1, y + 1, colour);
}

void Canvas::vline(int x, int y0, int y1, Rgb colour) {
  fill_rect(x, std::min(y0, y1), x + 1, std::max(y0, y1) + 1, colour);
}

void Canvas::blend(int x, int y, Rgb colour, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0) return;
  alpha = std::min(alpha, 1.0);
  uint8_t* p = &pixels_[(static_cast<std::size_t>(y) * width_ + x) * 3];
  const uint8_t c[3] = {colour.r, colour.g, colour.b};
  for (int k = 0; k < 3; ++k)
    p[k] = static_cast<uint8_t>(std::lround(p[k] + (c[k] - p[k]) * alpha));
}

namespace {

// Whether the offset (dx, dy) from a marker's centre, in units of its radius, is inside it.
bool inside(Marker shape, double dx, double dy) {
  switch (shape) {
    case Marker::Circle:
      return dx * dx + dy * dy <= 1;
    case Marker::Square:
      return std::fabs(dx) <= 0.85 && std::fabs(dy) <= 0.85;
    case Marker::Diamond:
      return std::fabs(dx) + std::fabs(dy) <= 1.15;
    case Marker::TriangleUp:
      // Apex at the top (y grows downwards), base at dy = 0.8.
      return dy <= 0.8 && dy >= -1.1 && std::fabs(dx) <= (dy + 1.1) * 0.6;
  }
  return false;
}

}  // namespace

void Canvas::marker(double cx, double cy, double radius, Marker shape, Rgb colour, double alpha) {
  const int x0 = static_cast<int>(std::floor(cx - radius - 1));
  const int x1 = static_cast<int>(std::ceil(cx + radius + 1));
  const int y0 = static_cast<int>(std::floor(cy - radius - 1));
  const int y1 = static_cast<int>(std::ceil(cy + radius + 1));
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      int hits = 0;
      for (int sy = 0; sy < 4; ++sy)
        for (int sx = 0; sx < 4; ++sx) {
          // Pixel (x, y) covers [x, x + 1) x [y, y + 1).
          const double dx = (x + (sx + 0.5) / 4 - cx) / radius;
          const double dy = (y + (sy + 0.5) / 4 - cy) / radius;
          hits += inside(shape, dx, dy);
        }
      if (hits) blend(x, y, colour, alpha * hits / 16.0);
    }
}

void Canvas::glyph(int x, int y, char c, Rgb colour, int scale, bool vertical) {
  const uint8_t* rows = glyph_rows(c);
  for (int row = 0; row < kGlyphHeight; ++row)
    for (int col = 0; col < kGlyphWidth; ++col) {
      if (!(rows[row] >> (kGlyphWidth - 1 - col) & 1)) continue;
      // Turned counter-clockwise, a glyph's column runs up the page and its rows to the right.
      const int px = vertical ? x + row * scale : x + col * scale;
      const int py = vertical ? y - (col + 1) * scale + 1 : y + row * scale;
      fill_rect(px, py, px + scale, py + scale, colour);
    }
}

int Canvas::text(int x, int y, const std::string& s, Rgb colour, int scale, TextAlign align) {
  const int w = text_width(s, scale);
  if (align == TextAlign::Centre) x -= w / 2;
  if (align == TextAlign::Right) x -= w;
  for (std::size_t i = 0; i < s.size(); ++i)
    glyph(x + static_cast<int>(i) * kGlyphAdvance * scale, y, s[i], colour, scale, false);
  return w;
}

void Canvas::vertical_text(int cx, int cy, const std::string& s, Rgb colour, int scale) {
  const int w = text_width(s, scale);
  const int x = cx - kCapHeight * scale / 2;
  int y = cy + w / 2;
  for (char c : s) {
    glyph(x, y, c, colour, scale, true);
    y -= kGlyphAdvance * scale;
  }
}

std::string Canvas::png() const {
  return tensorboard::encode_png(pixels_.data(), height_, width_, 3, "a plot",
                                 tensorboard::PngCompression::Small);
}

void Canvas::write_png(const std::string& path) const {
  const std::string bytes = png();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw Error("cannot write PNG '" + path + "': " + std::strerror(errno));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  const int write_error = errno;
  if (std::fclose(file) != 0 || !written)
    throw Error("cannot write PNG '" + path + "': " + std::strerror(written ? errno : write_error));
}

}  // namespace layerscope::render
