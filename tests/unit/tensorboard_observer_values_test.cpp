// TensorBoardObserver on hand-made tensors: empty and non-finite tensors, and histograms split
// over the run's threads.
#include "model_builder.h"
#include "tensorboard/event_reader.h"

#include <layerscope/graph.h>
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

}  // namespace
}  // namespace layerscope
