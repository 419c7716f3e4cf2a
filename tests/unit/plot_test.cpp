#include "png_decode.h"
#include "render/plot_canvas.h"
#include "render/plot_font.h"
#include "render/plot_scatter.h"

#include <layerscope/error.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace layerscope::render {
namespace {

// The colour of pixel (x, y) of an RGB PNG read back with libpng.
Rgb at(const test::DecodedPng& png, int x, int y) {
  const uint8_t* p = &png.pixels[(static_cast<std::size_t>(y) * png.width + x) * png.channels];
  return Rgb{p[0], p[1], p[2]};
}

bool same(Rgb a, Rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

int count_colour(const test::DecodedPng& d, Rgb colour, int x0, int y0, int x1, int y1) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) n += same(at(d, x, y), colour);
  return n;
}

std::string temp_png(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("layerscope_plot_test_" + name + ".png"))
      .string();
}

TEST(PlotFont, EveryPrintableGlyphIsDrawnAndDistinct) {
  std::set<std::vector<uint8_t>> seen;
  for (int c = 33; c < 127; ++c) {
    const uint8_t* rows = glyph_rows(static_cast<char>(c));
    std::vector<uint8_t> glyph(rows, rows + kGlyphHeight);
    int ink = 0;
    for (uint8_t r : glyph) {
      EXPECT_EQ(r >> kGlyphWidth, 0) << "glyph '" << static_cast<char>(c) << "' is too wide";
      ink += r != 0;
    }
    EXPECT_GT(ink, 0) << "glyph '" << static_cast<char>(c) << "' is empty";
    EXPECT_TRUE(seen.insert(glyph).second) << "glyph '" << static_cast<char>(c) << "' repeats";
  }
  const uint8_t* space = glyph_rows(' ');
  for (int r = 0; r < kGlyphHeight; ++r) EXPECT_EQ(space[r], 0);
  // Outside printable ASCII: drawn as '?'.
  EXPECT_EQ(glyph_rows('\x01'), glyph_rows('?'));
  EXPECT_EQ(text_width("", 2), 0);
  EXPECT_EQ(text_width("ab", 2), (2 * kGlyphAdvance - 1) * 2);
}

TEST(PlotCanvas, TextInksOnlyItsBox) {
  Canvas canvas(100, 40, rgb(0xFFFFFF));
  const int w = canvas.text(10, 10, "Hi 42", rgb(0x000000), 2);
  EXPECT_EQ(w, text_width("Hi 42", 2));
  int inside = 0, outside = 0;
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 100; ++x) {
      const bool ink = same(canvas.pixel(x, y), rgb(0x000000));
      const bool in_box = x >= 10 && x < 10 + w && y >= 10 && y < 10 + kGlyphHeight * 2;
      (in_box ? inside : outside) += ink;
    }
  EXPECT_GT(inside, 40);
  EXPECT_EQ(outside, 0);
}

TEST(PlotCanvas, MarkersAreAntialiasedAndBlended) {
  Canvas canvas(40, 40, rgb(0xFFFFFF));
  canvas.marker(20.5, 20.5, 8, Marker::Circle, rgb(0x0000FF), 1.0);  // centred on a pixel
  EXPECT_TRUE(same(canvas.pixel(20, 20), rgb(0x0000FF)));            // centre fully covered
  EXPECT_TRUE(same(canvas.pixel(2, 2), rgb(0xFFFFFF)));              // far corner untouched
  // An edge pixel is partly covered: between white and blue.
  const Rgb edge = canvas.pixel(28, 20);
  EXPECT_GT(edge.r, 0);
  EXPECT_LT(edge.r, 255);
  canvas.marker(20.5, 20.5, 8, Marker::Circle, rgb(0xFF0000), 0.5);
  const Rgb mixed = canvas.pixel(20, 20);
  EXPECT_NEAR(mixed.r, 128, 1);
  EXPECT_NEAR(mixed.b, 127, 1);
}

TEST(PlotTicks, NiceTicksAreRoundAndCoverTheRange) {
  const std::vector<double> t = nice_ticks(-3.2, 41.7, 6);
  ASSERT_EQ(t.size(), 5u);  // step 10: 0, 10, 20, 30, 40
  EXPECT_DOUBLE_EQ(t.front(), 0);
  EXPECT_DOUBLE_EQ(t.back(), 40);
  const std::vector<double> small = nice_ticks(0.0125, 0.0205, 5);  // step 0.002
  ASSERT_EQ(small.size(), 4u);
  EXPECT_NEAR(small[0], 0.014, 1e-12);
  EXPECT_EQ(tick_label(small[0], 0.002), "0.014");
  EXPECT_EQ(tick_label(-20, 10), "-20");
  EXPECT_EQ(tick_label(2.5, 0.5), "2.5");
  EXPECT_EQ(tick_label(nice_ticks(-1, 1, 4)[2], 0.5), "0.0");  // never "-0.0"
  EXPECT_EQ(tick_label(3e7, 1e7), "3e+07");
}

TEST(PlotScatter, LabelledPointsLegendAxesAndTitleInThePng) {
  // Three clusters of 50 points.
  std::vector<float> xy;
  std::vector<int32_t> category;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 50; ++i) {
      const double angle = i * 0.7;
      xy.push_back(static_cast<float>(c * 10 + std::cos(angle) * (i % 7) * 0.3));
      xy.push_back(static_cast<float>(c * 4 + std::sin(angle) * (i % 5) * 0.3));
      category.push_back(c);
    }
  ScatterOptions options;
  options.title = "three clusters";
  options.width = 800;
  options.height = 600;
  const std::string path = temp_png("scatter");
  draw_scatter(xy.data(), 150, 2, category, {"alpha", "beta", "gamma"}, options).write_png(path);
  const test::DecodedPng png = test::decode_png_file(path);
  ASSERT_EQ(png.channels, 3);
  std::remove(path.c_str());
  ASSERT_EQ(png.width, 800);
  ASSERT_EQ(png.height, 600);
  // Each category's colour (Okabe-Ito for three) is in the plot and in the legend swatch.
  for (int c = 0; c < 3; ++c) {
    const Rgb colour = category_colour(c, 3);
    EXPECT_GT(count_colour(png, colour, 0, 0, 800, 600), 50) << "category " << c;
  }
  EXPECT_FALSE(same(category_colour(0, 3), category_colour(1, 3)));
  // Dark ink (text, ticks) in the title band, the bottom axis band and the left axis band.
  const Rgb ink = rgb(0x222222);
  EXPECT_GT(count_colour(png, ink, 200, 0, 600, 60), 100) << "title";
  EXPECT_GT(count_colour(png, ink, 100, 540, 700, 600), 100) << "x axis numbers and label";
  EXPECT_GT(count_colour(png, ink, 0, 100, 110, 500), 100) << "y axis numbers and label";
  EXPECT_GT(count_colour(png, ink, 650, 60, 800, 200), 100) << "legend names";
}

TEST(PlotScatter, ManyCategoriesCycleColoursAndShapes) {
  EXPECT_EQ(category_marker(3, 8), Marker::Circle);
  EXPECT_EQ(category_marker(12, 25), Marker::Square);
  EXPECT_TRUE(same(category_colour(12, 25), category_colour(2, 25)));
  // Unlabelled points draw in one colour without a legend.
  std::vector<float> xy = {0, 0, 1, 1, 2, 0.5f};
  const Canvas canvas = draw_scatter(xy.data(), 3, 2, {}, {}, ScatterOptions{});
  EXPECT_EQ(canvas.width(), ScatterOptions{}.width);
}

TEST(PlotScatter, BadInputIsAnError) {
  std::vector<float> xy = {0, 0, 1, NAN};
  EXPECT_THROW(draw_scatter(xy.data(), 2, 2, {}, {}, ScatterOptions{}), Error);
  xy[3] = 1;
  EXPECT_THROW(draw_scatter(xy.data(), 2, 2, {0, 2}, {"a", "b"}, ScatterOptions{}), Error);
  EXPECT_THROW(draw_scatter(xy.data(), 2, 2, {0}, {"a"}, ScatterOptions{}), Error);
  ScatterOptions tiny;
  tiny.width = 120;
  tiny.height = 90;
  EXPECT_THROW(draw_scatter(xy.data(), 2, 2, {}, {}, tiny), Error);
}

}  // namespace
}  // namespace layerscope::render
