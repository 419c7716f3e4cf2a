// TensorBoardObserver on hand-made tensors: the feature-map grid's pixels (per-channel scaling,
// non-finite values), empty and non-finite tensors, and histograms split over threads.
#include "model_builder.h"
#include "tensorboard/event_reader.h"

#include <layerscope/graph.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensorboard_observer.h>

#include <gtest/gtest.h>

#include <png.h>

#include <cmath>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

namespace layerscope {
namespace {

using test::TempDir;
namespace tb = tensorboard;

// Feeds `tensor` to the observer as the output `name` of one Conv node.
void observe(TensorBoardObserver& observer, const std::string& name, const Tensor& tensor,
             const ParallelFor* parallel_for = nullptr) {
  Graph graph;
  Node node;
  node.name = "node";
  node.op_type = "Conv";
  Value value;
  value.name = name;
  const RunContext context{graph, node, 0, 0.0, parallel_for};
  observer.on_value(value, tensor, context);
}

Tensor float_tensor(Shape shape, const std::vector<float>& values) {
  Tensor t = Tensor::zeros(DType::Float32, std::move(shape));
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

std::map<std::string, tb::SummaryValue> values_by_tag(const std::string& path) {
  std::map<std::string, tb::SummaryValue> out;
  for (const tb::EventRecord& e : tb::read_events(path).events)
    for (const tb::SummaryValue& v : e.values) out[v.tag] = v;
  return out;
}

std::vector<uint8_t> decode_gray(const std::string& png, int& height, int& width) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, png.data(), png.size())) return {};
  image.format = PNG_FORMAT_GRAY;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) return {};
  height = static_cast<int>(image.height);
  width = static_cast<int>(image.width);
  return pixels;
}

TEST(TensorBoardObserver, FeatureMapsScaleEachChannelByItsFiniteRange) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  TensorBoardObserverOptions options;
  options.images = 2;  // of 3 channels
  TensorBoardObserver observer(writer, 0, options);
  const float nan = std::nanf(""), inf = INFINITY;
  observe(observer, "act",
          float_tensor({1, 3, 2, 3}, {0, 1, 2, nan, 4, inf,         // 0..4
                                      5, 5, 5, 5, 5, 5,             // constant
                                      -1, -0.5f, 0, 0.5f, 1, 1}));  // not shown
  writer.close();

  const auto values = values_by_tag(writer.file_path());
  ASSERT_EQ(values.count("act/feature_maps"), 1u);
  int height = 0, width = 0;
  const std::vector<uint8_t> grid =
      decode_gray(values.at("act/feature_maps").image.encoded, height, width);
  // Two 2x3 tiles side by side, 2 pixels of padding around and between them.
  ASSERT_EQ(height, 2 + 2 + 2);
  ASSERT_EQ(width, 2 + 3 + 2 + 3 + 2);
  const auto tile = [&](int left) {
    std::vector<uint8_t> t;
    for (int y = 2; y < 4; ++y)
      for (int x = left; x < left + 3; ++x) t.push_back(grid[y * width + x]);
    return t;
  };
  // (v - 0) / 4 * 255, truncated: 0, 63.75, 127.5, NaN -> 0, 255, Inf -> 0.
  EXPECT_EQ(tile(2), (std::vector<uint8_t>{0, 63, 127, 0, 255, 0}));
  EXPECT_EQ(tile(7), std::vector<uint8_t>(6, 0));  // a constant channel
  int padding_sum = 0;
  for (int x = 0; x < width; ++x) padding_sum += grid[x] + grid[(height - 1) * width + x];
  EXPECT_EQ(padding_sum, 0);
}

TEST(TensorBoardObserver, EmptyAndNonFiniteTensorsAreLoggedWithoutImages) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  TensorBoardObserver observer(writer);
  observe(observer, "empty", Tensor::zeros(DType::Float32, {1, 0, 4, 4}));
  observe(observer, "nonfinite", float_tensor({2}, {std::nanf(""), -INFINITY}));
  writer.close();
  const auto values = values_by_tag(writer.file_path());
  EXPECT_EQ(values.count("empty/feature_maps"), 0u);
  EXPECT_EQ(values.at("empty").histogram.num, 0);
  EXPECT_EQ(values.at("empty").histogram.bucket_limit, std::vector<double>{DBL_MAX});
  EXPECT_EQ(values.at("nonfinite").histogram.num, 0);
  EXPECT_EQ(values.at("nonfinite/nan_count").scalar, 1);
  EXPECT_EQ(values.at("nonfinite/inf_count").scalar, 1);
  EXPECT_TRUE(std::isnan(values.at("nonfinite/mean").scalar));
}

TEST(TensorBoardObserver, HistogramsSplitOverTheRunsThreadsMatchOneThread) {
  std::vector<float> data(1 << 20);
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = std::sin(0.001f * static_cast<float>(i)) * static_cast<float>(i % 97);
  const Tensor tensor = float_tensor({static_cast<int64_t>(data.size())}, data);
  const ParallelFor two_threads = [](int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
    std::thread other([&] { fn(n / 2, n); });
    fn(0, n / 2);
    other.join();
  };
  TempDir serial_dir, threaded_dir;
  SummaryWriter serial(serial_dir.path()), threaded(threaded_dir.path());
  TensorBoardObserver serial_observer(serial), threaded_observer(threaded);
  observe(serial_observer, "x", tensor);
  observe(threaded_observer, "x", tensor, &two_threads);
  serial.close();
  threaded.close();
  const tb::Histogram a = values_by_tag(serial.file_path()).at("x").histogram;
  const tb::Histogram b = values_by_tag(threaded.file_path()).at("x").histogram;
  EXPECT_EQ(a.bucket_limit, b.bucket_limit);
  EXPECT_EQ(a.bucket, b.bucket);
  EXPECT_EQ(a.num, double(data.size()));
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
  EXPECT_NEAR(a.sum, b.sum, 1e-9 * a.sum_squares);
}

}  // namespace
}  // namespace layerscope
