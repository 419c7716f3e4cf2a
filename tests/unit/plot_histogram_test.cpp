// Histogram and feature-map plots: the bins they count, and the PNGs they draw read back with
// libpng (size, and colour exactly where bars, tiles and NaN marks belong).
#include "render/plot_histogram.h"
#include "model_builder.h"
#include "png_decode.h"
#include "render/plot_axes.h"
#include "render/plot_feature_grid.h"

#include <layerscope/error.h>
#include <layerscope/onnx.h>
#include <layerscope/plot_observer.h>
#include <layerscope/session.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace layerscope::render {
namespace {

using test::decode_png;
using test::DecodedPng;
using test::error_of;

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

Rgb at(const DecodedPng& png, int x, int y) {
  const uint8_t* p = &png.pixels[(static_cast<std::size_t>(y) * png.width + x) * png.channels];
  return Rgb{p[0], p[1], p[2]};
}

int count_colour(const DecodedPng& png, Rgb colour, int x0, int x1) {
  int n = 0;
  for (int y = 0; y < png.height; ++y)
    for (int x = x0; x < x1; ++x) n += at(png, x, y) == colour;
  return n;
}

int count_colour(const DecodedPng& png, Rgb colour) {
  return count_colour(png, colour, 0, png.width);
}

constexpr Rgb kBar = rgb(0x0072B2);
constexpr Rgb kWarning = rgb(0xD55E00);

TEST(HistogramBins, EqualWidthOverTheFiniteValuesWithNanAndInfCounted) {
  const std::vector<float> values = {0, 1, 2, 3, 4, kNan, kInf, -kInf, 4};
  const HistogramBins h = histogram_bins(values.data(), values.size(), 4);
  EXPECT_EQ(h.low, 0);
  EXPECT_EQ(h.high, 4);
  EXPECT_EQ(h.counts, (std::vector<int64_t>{1, 1, 1, 3}));  // the last bin holds the maximum
  EXPECT_EQ(h.finite, 6);
  EXPECT_EQ(h.nan, 1);
  EXPECT_EQ(h.positive_inf, 1);
  EXPECT_EQ(h.negative_inf, 1);
  EXPECT_DOUBLE_EQ(h.mean, 14.0 / 6);

  const std::vector<float> constant(9, 3.0f);  // sqrt(9): 3 bins around the value
  const HistogramBins c = histogram_bins(constant.data(), constant.size(), 0);
  EXPECT_EQ(c.low, 2.5);
  EXPECT_EQ(c.high, 3.5);
  EXPECT_EQ(c.counts, (std::vector<int64_t>{0, 9, 0}));

  const std::vector<float> none = {kNan, kNan};
  const HistogramBins n = histogram_bins(none.data(), none.size(), 0);
  EXPECT_EQ(n.finite, 0);
  EXPECT_EQ(n.nan, 2);
  EXPECT_EQ(n.counts, (std::vector<int64_t>{0}));
}

TEST(HistogramPlot, BarsStandWhereTheValuesAre) {
  // 1000 values in [0, 1), 10 in [9, 10]: nothing in between.
  std::vector<float> values;
  for (int i = 0; i < 1000; ++i) values.push_back(i / 1000.0f);
  for (int i = 0; i <= 10; ++i) values.push_back(9 + i / 10.0f);
  HistogramPlotOptions options;
  options.title = "layer/out";
  options.bins = 20;
  const DecodedPng png = decode_png(draw_histogram(values.data(), values.size(), options).png());
  ASSERT_EQ(png.width, 800);
  ASSERT_EQ(png.height, 480);
  ASSERT_EQ(png.channels, 3);
  // The x axis shows [0, 10] padded by 2% each way, across the frame's width.
  PlotFrame frame;
  frame.x0 = kPlotLeftMargin;
  frame.x1 = 800 - 24;
  frame.x_low = -0.2;
  frame.x_high = 10.2;
  auto column = [&](double v) { return static_cast<int>(std::lround(frame.to_x(v))); };
  EXPECT_GT(count_colour(png, kBar, column(0.1), column(0.4)), 1000);  // the tall bars
  EXPECT_GT(count_colour(png, kBar, column(9.6), column(9.9)), 0);     // a low bar still shows
  EXPECT_EQ(count_colour(png, kBar, column(1.0) + 2, column(9.0) - 2), 0);
  EXPECT_EQ(count_colour(png, kWarning), 0);  // no NaN or Inf: the counts are in ink

  values.push_back(kNan);
  const DecodedPng with_nan =
      decode_png(draw_histogram(values.data(), values.size(), options).png());
  EXPECT_GT(count_colour(with_nan, kWarning), 20);  // "NaN 1 ..." in vermillion
}

TEST(HistogramPlot, NoFiniteValuesAndTooSmall) {
  const std::vector<float> values = {kNan, kInf};
  const DecodedPng png = decode_png(draw_histogram(values.data(), values.size(), {}).png());
  EXPECT_EQ(count_colour(png, kBar), 0);
  EXPECT_GT(count_colour(png, kWarning), 100);  // the counts and "no finite values"
  HistogramPlotOptions tiny;
  tiny.width = 120;
  EXPECT_NE(error_of([&] {
              draw_histogram(values.data(), values.size(), tiny);
            }).find("histogram of 120x480 pixels is too small"),
            std::string::npos);
}

TEST(FeatureGrid, TileSizes) {
  EXPECT_EQ(feature_tile_size(26, 26).height, 78);  // x3
  EXPECT_EQ(feature_tile_size(13, 13).width, 65);   // x5
  EXPECT_EQ(feature_tile_size(1, 1).width, 64);
  EXPECT_EQ(feature_tile_size(100, 100).width, 100);
  const TileSize wide = feature_tile_size(100, 400);  // shrunk to 160 on the long side
  EXPECT_EQ(wide.width, 160);
  EXPECT_EQ(wide.height, 40);
}

TEST(FeatureGrid, NormalizesEachChannelAndMarksNan) {
  // Channel 0 counts 0..15, channel 1 is constant (all black in gray), channel 2 holds a NaN.
  std::vector<float> map(3 * 16);
  for (int i = 0; i < 16; ++i) {
    map[i] = static_cast<float>(i);
    map[16 + i] = 7.0f;
    map[32 + i] = static_cast<float>(-i);
  }
  map[32 + 5] = kNan;
  const std::vector<float> normalized = normalize_channels(map.data(), 3, 16);
  EXPECT_EQ(normalized[0], 0.0f);
  EXPECT_EQ(normalized[15], 1.0f);
  EXPECT_EQ(normalized[16], 0.0f);
  EXPECT_TRUE(std::isnan(normalized[37]));
  EXPECT_EQ(normalized[32], 1.0f);  // -0 is channel 2's max

  FeatureGridOptions options;
  options.colormap = "gray";
  options.title = "maps";
  const DecodedPng png = decode_png(draw_feature_grid(map.data(), 3, 4, 4, options).png());
  ASSERT_EQ(png.channels, 3);
  // 2 x 2 cells of 64 px tiles (4 px maps enlarged 16 times) and a colour bar beside them.
  EXPECT_GT(png.width, 2 * 64 + 18);
  EXPECT_GT(png.height, 2 * 64);
  const Rgb black{0, 0, 0}, white{255, 255, 255}, magenta{255, 0, 255};
  // Channel 1's whole tile and channel 0's first pixel (16 x 16) are black.
  EXPECT_GE(count_colour(png, black), 64 * 64 + 16 * 16);
  // The NaN pixel (16 x 16) and the NaN swatch of the colour bar (18 x 18).
  EXPECT_EQ(count_colour(png, magenta), 16 * 16 + 18 * 18);
  EXPECT_GT(count_colour(png, white), 0);

  // Without NaN there is no NaN colour; fewer channels shown make a smaller grid.
  map[32 + 5] = 0;
  options.max_channels = 1;
  const DecodedPng one = decode_png(draw_feature_grid(map.data(), 3, 4, 4, options).png());
  EXPECT_EQ(count_colour(one, magenta), 0);
  EXPECT_LT(one.height, png.height);

  EXPECT_NE(error_of([&] {
              draw_feature_grid(map.data(), 0, 4, 4, options);
            }).find("feature map 0x4x4 is empty"),
            std::string::npos);
  options.colormap = "rainbow";
  EXPECT_NE(error_of([&] {
              draw_feature_grid(map.data(), 3, 4, 4, options);
            }).find("unknown colormap 'rainbow'"),
            std::string::npos);
}

TEST(PlotObserver, DrawsAHistogramPerTensorAndMapsForRank4) {
  test::TempDir dir;
  test::ModelBuilder b;
  b.input("x", onnx::TensorProto::FLOAT, {1, 2, 3, 3});
  b.output("flat", onnx::TensorProto::FLOAT, {1, 18});
  b.node("Relu", {"x"}, {"act/0"}, "relu");
  b.node("Flatten", {"act/0"}, {"flat"}, "flatten");
  b.save(dir.file("m.onnx"));
  const Model model = load_onnx(dir.file("m.onnx"));
  auto session = create_session(model, {.threads = 1});
  Tensor x = Tensor::zeros(DType::Float32, {1, 2, 3, 3});
  for (int i = 0; i < 18; ++i) x.data<float>()[i] = static_cast<float>(i - 9);

  PlotObserver plots(dir.file("plots"));
  session->run({{"x", x}}, &plots);
  plots.write_index();
  EXPECT_EQ(plots.histograms(), 2u);
  EXPECT_EQ(plots.feature_maps(), 1u);
  const DecodedPng hist = test::decode_png_file(dir.file("plots/act_0_hist.png"));
  EXPECT_EQ(hist.width, 800);
  const DecodedPng maps = test::decode_png_file(dir.file("plots/act_0_maps.png"));
  EXPECT_GT(maps.width, 2 * 64);
  EXPECT_TRUE(std::filesystem::exists(dir.file("plots/flat_hist.png")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("plots/flat_maps.png")));
  std::ifstream in(dir.file("plots/index.json"));
  std::stringstream index;
  index << in.rdbuf();
  EXPECT_NE(index.str().find("\"feature_maps\": \"act_0_maps.png\""), std::string::npos)
      << index.str();
  EXPECT_NE(index.str().find("\"feature_maps\": null"), std::string::npos) << index.str();

  EXPECT_NE(error_of([&] {
              PlotObserver(dir.file("p2"), {}, {16, "nope"});
            }).find("unknown colormap 'nope'"),
            std::string::npos);
}

}  // namespace
}  // namespace layerscope::render
