// TensorBoardObserver on hand-made tensors: empty and non-finite tensors, and histograms split
// over the run's threads.
#include "model_builder.h"
#include "tensorboard/event_reader.h"

#include <layerscope/graph.h>
#include <layerscope/stats.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensorboard_observer.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

namespace layerscope {
namespace {

using test::TempDir;
namespace tb = tensorboard;

// Feeds `tensor` to the observer as the output `name` of a run's one Conv node.
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
  observer.on_run_end();
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

TEST(TensorBoardObserverValues, EmptyAndNonFiniteTensorsAreLoggedWithoutImages) {
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

TEST(TensorBoardObserverValues, HistogramsSplitOverTheRunsThreadsMatchOneThread) {
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

TEST(TensorBoardObserverValues, ScalarsFromTheHistogramPassEqualComputeStats) {
  // The observer takes float statistics from the histogram's one pass; they are those `run` prints.
  std::vector<float> data(100003);
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = i % 3 == 0 ? 0.0f : std::sin(0.37f * static_cast<float>(i)) * 40.0f + 25.0f;
  data[5] = -0.0f;
  data[77] = std::nanf("");
  data[901] = INFINITY;
  data[902] = -INFINITY;
  const Tensor f32 = float_tensor({static_cast<int64_t>(data.size())}, data);
  Tensor f16 = Tensor::zeros(DType::Float16, {4});
  const uint16_t halves[4] = {0x3c00, 0x0000, 0xc000, 0x7e00};  // 1, 0, -2, NaN
  std::memcpy(f16.data<uint16_t>(), halves, sizeof halves);
  Tensor f64 = Tensor::zeros(DType::Float64, {3});
  f64.data<double>()[0] = 1e300;  // beyond float: its own pass keeps it finite
  f64.data<double>()[1] = -1e300;
  TempDir dir;
  SummaryWriter writer(dir.path());
  TensorBoardObserver observer(writer);
  observe(observer, "f32", f32);
  observe(observer, "f16", f16);
  observe(observer, "f64", f64);
  observe(observer, "all_nan", float_tensor({2}, {std::nanf(""), std::nanf("")}));
  writer.close();
  const auto values = values_by_tag(writer.file_path());
  for (const auto& [name, tensor] :
       std::vector<std::pair<std::string, Tensor>>{{"f32", f32}, {"f16", f16}, {"f64", f64}}) {
    SCOPED_TRACE(name);
    const TensorStats expected = compute_stats(tensor);
    // simple_value is a float32: compared at float precision.
    const auto near = [](double a, double b) {
      return a == b || std::fabs(a - b) <= 1e-6 * (1 + std::fabs(b));
    };
    EXPECT_PRED2(near, values.at(name + "/mean").scalar, expected.mean);
    EXPECT_PRED2(near, values.at(name + "/std").scalar, expected.std);
    EXPECT_PRED2(near, values.at(name + "/zero_fraction").scalar, expected.zero_fraction);
    EXPECT_EQ(values.at(name + "/nan_count").scalar, expected.nan_count);
    EXPECT_EQ(values.at(name + "/inf_count").scalar, expected.inf_count);
  }
  EXPECT_EQ(values.at("f64/inf_count").scalar, 0);
  EXPECT_EQ(values.at("f32/zero_fraction").scalar, static_cast<float>(33336.0 / 100003.0));
  EXPECT_TRUE(std::isnan(values.at("all_nan/std").scalar));
  EXPECT_EQ(values.at("all_nan/nan_count").scalar, 2);
}

}  // namespace
}  // namespace layerscope
