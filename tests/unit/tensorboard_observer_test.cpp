// TensorBoardObserver: tags, and feature-map grids drawn through a colormap, decoded by libpng.
#include "model_builder.h"
#include "png_decode.h"
#include "render/colormap.h"
#include "tensorboard/event_reader.h"

#include <layerscope/error.h>
#include <layerscope/graph.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensor.h>
#include <layerscope/tensorboard_observer.h>

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include <png.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

namespace layerscope {
namespace {

using test::decode_png;
using test::DecodedPng;

using render::Colormap;
using render::Rgb;

std::string str(const Rgb& c) {
  return "(" + std::to_string(c.r) + ", " + std::to_string(c.g) + ", " + std::to_string(c.b) + ")";
}

// Logs one 1 x C x H x W float tensor named `name` through a TensorBoardObserver with `colormap`
// and returns the decoded feature-map grid; `tags` gets every tag written.
DecodedPng feature_map_grid(const std::vector<float>& values, const Shape& shape,
                            const std::string& colormap, const std::string& name = "conv",
                            std::set<std::string>* tags = nullptr) {
  test::TempDir dir;
  DecodedPng png;
  {
    SummaryWriter writer(dir.path());
    TensorBoardObserverOptions options;
    options.colormap = colormap;
    TensorBoardObserver observer(writer, 3, options);
    std::vector<float> data = values;
    const Tensor tensor = Tensor::wrap(DType::Float32, shape, data.data(), nullptr);
    Graph graph;
    Node node;
    Value value;
    value.name = name;
    observer.on_value(value, tensor, RunContext{graph, node, 0, 0.0});
    writer.close();
    for (const auto& event : tensorboard::read_events(writer.file_path()).events)
      for (const auto& v : event.values) {
        if (tags) tags->insert(v.tag);
        if (v.tag.size() > 13 && v.tag.substr(v.tag.size() - 13) == "/feature_maps") {
          EXPECT_EQ(event.step, 3);
          png = decode_png(v.image.encoded);
          EXPECT_EQ(v.image.colorspace, png.channels);
        }
      }
  }
  EXPECT_GT(png.width, 0) << "no feature_maps image";
  return png;
}

// The pixel at (y, x) of tile `tile` in a grid of 2-pixel padding and `columns` columns.
const uint8_t* tile_pixel(const DecodedPng& png, int tile, int columns, int tile_h, int tile_w,
                          int y, int x) {
  const int top = 2 + (tile / columns) * (tile_h + 2), left = 2 + (tile % columns) * (tile_w + 2);
  return png.pixels.data() + (static_cast<std::size_t>(top + y) * png.width + left + x) *
                                 static_cast<std::size_t>(png.channels);
}

TEST(TensorBoardObserver, ViridisGridIsAnRgbPngOfEachChannelNormalized) {
  // Two 2x3 channels: 0..5 and 10 * (0..5) with a NaN; the grid has 2 columns.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> values = {0, 1, 2, 3, 4, 5, 0, 10, nan, 30, 40, 50};
  const DecodedPng png = feature_map_grid(values, {1, 2, 2, 3}, "viridis");
  ASSERT_TRUE(png.color);
  ASSERT_EQ(png.channels, 3);
  EXPECT_EQ(png.width, 2 * (3 + 2) + 2);
  EXPECT_EQ(png.height, 2 + 2 + 2);
  const Colormap& viridis = Colormap::by_name("viridis");
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 6; ++i) {
      const float v = values[c * 6 + i];
      const Rgb expected = std::isnan(v) ? Colormap::kNanColor : viridis(v / (c ? 50.0f : 5.0f));
      const uint8_t* p = tile_pixel(png, c, 2, 2, 3, i / 3, i % 3);
      EXPECT_EQ(str(Rgb{p[0], p[1], p[2]}), str(expected)) << "channel " << c << " pixel " << i;
    }
  EXPECT_EQ(str(Rgb{png.pixels[0], png.pixels[1], png.pixels[2]}), str(Rgb{0, 0, 0}))
      << "padding stays black";
}

TEST(TensorBoardObserver, GrayGridIsOneChannelUnlessANanMustShow) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> finite = {0, 1, 2, 3, inf, -inf};  // one 2x3 channel, min 0, max 3
  const DecodedPng gray = feature_map_grid(finite, {1, 1, 2, 3}, "gray");
  EXPECT_FALSE(gray.color);
  ASSERT_EQ(gray.channels, 1);
  const uint8_t expected[] = {0, 85, 170, 255, 255, 0};  // floor(x * 256), +Inf 1, -Inf 0
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(*tile_pixel(gray, 0, 1, 2, 3, i / 3, i % 3), expected[i]) << i;

  std::vector<float> with_nan = finite;
  with_nan[1] = std::numeric_limits<float>::quiet_NaN();
  const DecodedPng rgb = feature_map_grid(with_nan, {1, 1, 2, 3}, "gray");
  ASSERT_TRUE(rgb.color);
  const uint8_t* nan_pixel = tile_pixel(rgb, 0, 1, 2, 3, 0, 1);
  EXPECT_EQ(str(Rgb{nan_pixel[0], nan_pixel[1], nan_pixel[2]}), str(Colormap::kNanColor));
  const uint8_t* two = tile_pixel(rgb, 0, 1, 2, 3, 0, 2);
  EXPECT_EQ(str(Rgb{two[0], two[1], two[2]}), str(Rgb{170, 170, 170}));
}

TEST(TensorBoardObserver, ObserverRejectsAnUnknownColormap) {
  test::TempDir dir;
  SummaryWriter writer(dir.path());
  TensorBoardObserverOptions options;
  options.colormap = "rainbow";
  EXPECT_THROW(
      {
        try {
          TensorBoardObserver observer(writer, 0, options);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("unknown colormap 'rainbow'"), std::string::npos);
          throw;
        }
      },
      Error);
}

TEST(TensorBoardObserver, TagsAreTensorNamesWithoutLeadingSlash) {
  // TensorBoard groups tags by the text before their first '/': "/conv1/Conv_output_0" as it is
  // would put every layer in one unnamed group.
  std::set<std::string> tags;
  feature_map_grid({0, 1, 2, 3}, {1, 1, 2, 2}, "gray", "/conv1/Conv_output_0", &tags);
  EXPECT_EQ(tags, (std::set<std::string>{
                      "conv1/Conv_output_0", "conv1/Conv_output_0/mean", "conv1/Conv_output_0/std",
                      "conv1/Conv_output_0/zero_fraction", "conv1/Conv_output_0/nan_count",
                      "conv1/Conv_output_0/inf_count", "conv1/Conv_output_0/feature_maps"}));
}

// Everything an event file says, in order, but the wall times: one line per value.
std::vector<std::string> logged_values(const std::string& path) {
  std::vector<std::string> lines;
  for (const auto& event : tensorboard::read_events(path).events)
    for (const auto& v : event.values) {
      std::string line = std::to_string(event.step) + " " + v.tag + " " +
                         std::to_string(static_cast<int>(v.kind)) + " " + std::to_string(v.scalar) +
                         " " + v.image.encoded;
      for (double b : v.histogram.bucket) line += " " + std::to_string(b);
      for (double l : v.histogram.bucket_limit) line += " " + std::to_string(l);
      lines.push_back(line);
    }
  return lines;
}

// Logs three steps (runs) of three tensors (two feature maps and a vector) and returns what the
// file says.
std::vector<std::string> log_three_steps(TensorBoardObserverOptions options,
                                         const ParallelFor* parallel_for = nullptr) {
  test::TempDir dir;
  SummaryWriter writer(dir.path());
  TensorBoardObserver observer(writer, 0, options);
  Graph graph;
  Node node;
  std::vector<std::vector<float>> buffers;
  for (int64_t step = 0; step < 3; ++step) {
    observer.set_step(step);
    for (int t = 0; t < 3; ++t) {
      const Shape shape = t < 2 ? Shape{1, 3, 4, 5} : Shape{7};
      std::vector<float>& data =
          buffers.emplace_back(static_cast<std::size_t>(element_count(shape)));
      for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = std::sin(static_cast<float>(i * (t + 1) + step)) * 3.0f;
      Value value;
      value.name = "/layer" + std::to_string(t) + "/out";
      observer.on_value(value, Tensor::wrap(DType::Float32, shape, data.data(), nullptr),
                        RunContext{graph, node, t, 0.0, parallel_for});
    }
    observer.on_run_end();
  }
  observer.flush();
  EXPECT_EQ(observer.histograms(), 9);
  EXPECT_EQ(observer.scalars(), 45);
  EXPECT_EQ(observer.images(), 6);
  writer.close();
  return logged_values(writer.file_path());
}

TEST(TensorBoardObserver, BackgroundLoggingWritesWhatLoggingInPlaceWrites) {
  TensorBoardObserverOptions in_place;
  const std::vector<std::string> expected = log_three_steps(in_place);
  ASSERT_EQ(expected.size(), 9u * 7u - 3u);  // 7 values per tensor, no image for the vector
  TensorBoardObserverOptions background;
  background.background = true;
  EXPECT_EQ(log_three_steps(background), expected);
  // One tensor queued at a time (each one is above the limit): the same again.
  background.pending_bytes = 1;
  EXPECT_EQ(log_three_steps(background), expected);
}

// Two threads, as the runtime's parallel_for gives them.
const ParallelFor two_threads = [](int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  std::thread other([&] { fn(n / 2, n); });
  fn(0, n / 2);
  other.join();
};

TEST(TensorBoardObserver, BatchedLoggingWritesWhatLoggingInPlaceWrites) {
  const std::vector<std::string> expected = log_three_steps({});
  // A run's tensors together (the default batch holds them all), one at a time, and two or
  // three: the same records in the same order.
  for (std::size_t batch_bytes : {std::size_t(8) << 20, std::size_t(1), std::size_t(300)}) {
    TensorBoardObserverOptions batched;
    batched.batch_bytes = batch_bytes;
    EXPECT_EQ(log_three_steps(batched, &two_threads), expected) << batch_bytes;
  }
}

// Hands `data` to the observer as the output `name` of a node.
void feed(TensorBoardObserver& observer, const std::string& name, std::vector<float>& data,
          const Shape& shape, const ParallelFor* parallel_for = nullptr) {
  Graph graph;
  Node node;
  Value value;
  value.name = name;
  observer.on_value(value, Tensor::wrap(DType::Float32, shape, data.data(), nullptr),
                    RunContext{graph, node, 0, 0.0, parallel_for});
}

// `call` must throw the error of the writer closed under the observer.
void expect_closed_writer_error(const std::function<void()>& call, const std::string& what) {
  try {
    call();
    FAIL() << what << " did not report the closed writer";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos) << e.what();
  }
}

TEST(TensorBoardObserver, ARunsBatchIsWrittenWhenTheRunEnds) {
  test::TempDir dir;
  SummaryWriter writer(dir.path(), SummaryWriterOptions{"", 0.0, 0});  // every record written
  TensorBoardObserver observer(writer);
  std::vector<float> data(60, 0.5f);
  feed(observer, "x", data, {1, 3, 4, 5}, &two_threads);
  EXPECT_EQ(tensorboard::read_events(writer.file_path()).events.size(), 1u);  // file_version only
  observer.on_run_end();
  EXPECT_EQ(tensorboard::read_events(writer.file_path()).events.size(), 1u + 7u);
}

TEST(TensorBoardObserver, BatchErrorIsThrownWhenTheRunEnds) {
  test::TempDir dir;
  SummaryWriter writer(dir.path());
  TensorBoardObserver observer(writer);
  writer.close();
  std::vector<float> data(64, 1.0f);
  feed(observer, "late", data, {64}, &two_threads);
  feed(observer, "later", data, {64}, &two_threads);
  expect_closed_writer_error([&] { observer.on_run_end(); }, "on_run_end()");
  EXPECT_NO_THROW(observer.flush());  // the batch went with the error
}

TEST(TensorBoardObserver, BackgroundErrorIsThrownByFlush) {
  // The writer closed under a logging thread still at work: its error comes back to the caller,
  // once, and the observer can still be destroyed.
  test::TempDir dir;
  SummaryWriter writer(dir.path());
  TensorBoardObserverOptions options;
  options.background = true;
  TensorBoardObserver observer(writer, 0, options);
  writer.close();
  std::vector<float> data(64, 1.0f);
  feed(observer, "late", data, {64});
  expect_closed_writer_error([&] { observer.flush(); }, "flush()");
  EXPECT_NO_THROW(observer.flush());
}

}  // namespace
}  // namespace layerscope
