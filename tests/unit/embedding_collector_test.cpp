// EmbeddingCollector: which layer it takes by default or by name, and the rows it keeps.
#include "model_builder.h"

#include <layerscope/embedding_collector.h>
#include <layerscope/error.h>
#include <layerscope/onnx.h>
#include <layerscope/session.h>

#include "graph/name_match.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

namespace layerscope {
namespace {

using test::error_of;
using test::ModelBuilder;
using test::TempDir;

// x [batch, 3] -> fc: MatMul by W [3, 4] -> relu -> softmax; reduce: ReduceSum over axis 1 of x.
Model classifier(const TempDir& dir) {
  ModelBuilder b;
  b.input("x", onnx::TensorProto::FLOAT, {-1, 3});
  b.output("prob", onnx::TensorProto::FLOAT, {-1, 4});
  b.output("sum", onnx::TensorProto::FLOAT, {-1});
  b.initializer("W", {3, 4}, {1, 0, 0, -1, 0, 1, 0, -1, 0, 0, 1, -1});
  b.node("MatMul", {"x", "W"}, {"feat"}, "fc");
  b.node("Relu", {"feat"}, {"act"}, "relu");
  b.node("Softmax", {"act"}, {"prob"}, "softmax");
  auto& reduce = b.node("ReduceSum", {"x"}, {"sum"}, "reduce");
  auto* keepdims = reduce.add_attribute();
  keepdims->set_name("keepdims");
  keepdims->set_type(onnx::AttributeProto::INT);
  keepdims->set_i(0);
  b.save(dir.file("m.onnx"));
  return load_onnx(dir.file("m.onnx"));
}

Tensor batch(const std::vector<float>& values) {
  Tensor x = Tensor::zeros(DType::Float32, {static_cast<int64_t>(values.size() / 3), 3});
  std::copy(values.begin(), values.end(), x.data<float>());
  return x;
}

void run(Session& session, EmbeddingCollector& collector, const Tensor& x) {
  collector.begin_run(x.shape()[0]);
  session.run({{"x", x}}, &collector);
}

TEST(EmbeddingCollector, DefaultTakesTheLastBatchByDOutputBeforeTheSoftmax) {
  TempDir dir;
  const Model model = classifier(dir);
  auto session = create_session(model, {.threads = 1});
  EmbeddingCollector collector;
  collector.check(model.graph);
  run(*session, collector, batch({1, -2, 3, -1, 2, 0.5f}));
  ASSERT_TRUE(collector.end_run());
  EXPECT_EQ(collector.tensor_name(), "act");
  run(*session, collector, batch({4, 5, -6}));  // a smaller batch, same layer
  ASSERT_TRUE(collector.end_run());
  EXPECT_EQ(collector.rows(), 3);
  EXPECT_EQ(collector.dims(), 4);
  // relu(x W): columns x0, x1, x2, -(x0 + x1 + x2).
  EXPECT_EQ(collector.values(), (std::vector<float>{1, 0, 3, 0, 0, 2, 0.5f, 0, 4, 5, 0, 0}));
}

TEST(EmbeddingCollector, NamedByNodeOrTensor) {
  TempDir dir;
  const Model model = classifier(dir);
  auto session = create_session(model, {.threads = 1});
  for (const std::string name : {"fc", "feat"}) {
    EmbeddingCollector collector(name);
    collector.check(model.graph);
    run(*session, collector, batch({1, -2, 3}));
    ASSERT_TRUE(collector.end_run());
    EXPECT_EQ(collector.tensor_name(), "feat");
    EXPECT_EQ(collector.values(), (std::vector<float>{1, -2, 3, -2}));
  }
  EmbeddingCollector softmax("softmax");  // named, the softmax is taken as asked
  run(*session, softmax, batch({0, 0, 0}));
  ASSERT_TRUE(softmax.end_run());
  EXPECT_EQ(softmax.values(), (std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f}));
}

TEST(EmbeddingCollector, BadNamesAndShapesGiveClearErrors) {
  TempDir dir;
  const Model model = classifier(dir);
  std::string message = error_of([&] { EmbeddingCollector("nope").check(model.graph); });
  EXPECT_NE(message.find("no node or tensor named 'nope' in the model; closest: "),
            std::string::npos)
      << message;
  message = error_of([&] { EmbeddingCollector("fc2").check(model.graph, "m.onnx"); });
  EXPECT_NE(
      message.find("no node or tensor named 'fc2' in m.onnx; closest: fc, act, sum, feat, relu, "
                   "..."),
      std::string::npos)
      << message;
  message = error_of([&] { EmbeddingCollector("ACT").check(model.graph); });
  EXPECT_NE(message.find("closest: act, "), std::string::npos) << message;
  EXPECT_NE(error_of([&] {
              EmbeddingCollector("x").check(model.graph);
            }).find("'x' is a model input or weight"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              EmbeddingCollector("W").check(model.graph);
            }).find("'W' is a model input or weight"),
            std::string::npos);
  message = error_of([&] { EmbeddingCollector("reduce").check(model.graph); });
  EXPECT_NE(message.find("layer output 'sum' is [batch]; an embedding needs one row per batch"),
            std::string::npos)
      << message;

  auto session = create_session(model, {.threads = 1});
  EmbeddingCollector named("act");
  named.begin_run(5);  // the inputs claim 5 items, the layer has 2 rows
  session->run({{"x", batch({1, 2, 3, 4, 5, 6})}}, &named);
  message = error_of([&] { named.end_run(); });
  EXPECT_NE(message.find("embedding layer 'act' is [2x4]; expected [N, D] or more dimensions "
                         "with N = 5"),
            std::string::npos)
      << message;
  EmbeddingCollector by_default;  // no [5, D] output: nothing to take, not an error
  by_default.begin_run(5);
  session->run({{"x", batch({1, 2, 3, 4, 5, 6})}}, &by_default);
  EXPECT_FALSE(by_default.end_run());
  EXPECT_EQ(by_default.rows(), 0);
}

// x [batch, 2, 2, 2] -> relu -> act: a tiny conv-like map of 2 channels of 2 x 2.
Model map_model(const TempDir& dir) {
  ModelBuilder b;
  b.input("x", onnx::TensorProto::FLOAT, {-1, 2, 2, 2});
  b.output("act", onnx::TensorProto::FLOAT, {-1, 2, 2, 2});
  b.node("Relu", {"x"}, {"act"}, "relu");
  b.save(dir.file("map.onnx"));
  return load_onnx(dir.file("map.onnx"));
}

TEST(EmbeddingCollector, PoolsConvMapsPerChannelOrFlattensThem) {
  TempDir dir;
  const Model model = map_model(dir);
  auto session = create_session(model, {.threads = 1});
  // Two items; channel 0 of item 1 holds a NaN.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::zeros(DType::Float32, {2, 2, 2, 2});
  const std::vector<float> values = {1, 2, 3, 6, -1, -2, 4, 0, nan, 5, 1, 1, 8, 0, 0, 0};
  std::copy(values.begin(), values.end(), x.data<float>());
  auto collect = [&](EmbeddingPool pool) {
    EmbeddingCollector collector("act", pool);
    collector.check(model.graph);
    collector.begin_run(2);
    session->run({{"x", x}}, &collector);
    EXPECT_TRUE(collector.end_run());
    EXPECT_EQ(collector.item_shape(), (Shape{2, 2, 2}));
    return collector;
  };
  const EmbeddingCollector average = collect(EmbeddingPool::Average);
  EXPECT_EQ(average.dims(), 2);
  ASSERT_EQ(average.values().size(), 4u);
  EXPECT_FLOAT_EQ(average.values()[0], 3.0f);  // relu: 1, 2, 3, 6
  EXPECT_FLOAT_EQ(average.values()[1], 1.0f);  // 0, 0, 4, 0
  EXPECT_TRUE(std::isnan(average.values()[2]));
  EXPECT_FLOAT_EQ(average.values()[3], 2.0f);
  const EmbeddingCollector maximum = collect(EmbeddingPool::Max);
  EXPECT_FLOAT_EQ(maximum.values()[0], 6.0f);
  EXPECT_FLOAT_EQ(maximum.values()[1], 4.0f);
  EXPECT_TRUE(std::isnan(maximum.values()[2]));  // a NaN shows, not hidden by the max
  EXPECT_FLOAT_EQ(maximum.values()[3], 8.0f);
  const EmbeddingCollector automatic = collect(EmbeddingPool::Auto);
  EXPECT_EQ(automatic.pool(), EmbeddingPool::Average);  // rank 4
  EXPECT_EQ(automatic.dims(), 2);
  const EmbeddingCollector flat = collect(EmbeddingPool::Flatten);
  EXPECT_EQ(flat.dims(), 8);
  EXPECT_FLOAT_EQ(flat.values()[7], 0.0f);
  EXPECT_FLOAT_EQ(flat.values()[12], 8.0f);
}

TEST(EmbeddingCollector, PoolingNeedsAxesAfterTheChannels) {
  TempDir dir;
  const Model model = classifier(dir);
  EXPECT_NE(error_of([&] {
              EmbeddingCollector("act", EmbeddingPool::Max).check(model.graph);
            }).find("layer output 'act' is [batch,4]: nothing to pool with max"),
            std::string::npos);
  EmbeddingCollector automatic("act", EmbeddingPool::Auto);  // rank 2: flattened
  automatic.check(model.graph);
  auto session = create_session(model, {.threads = 1});
  run(*session, automatic, batch({1, -2, 3}));
  ASSERT_TRUE(automatic.end_run());
  EXPECT_EQ(automatic.pool(), EmbeddingPool::Flatten);
  EXPECT_EQ(automatic.dims(), 4);

  EXPECT_EQ(embedding_pool_by_name("avg"), EmbeddingPool::Average);
  EXPECT_EQ(std::string(embedding_pool_name(EmbeddingPool::Max)), "max");
  EXPECT_NE(error_of([] {
              embedding_pool_by_name("mean");
            }).find("pooling 'mean' is not known: expected avg, max, flatten or auto"),
            std::string::npos);
}

TEST(ClosestNames, EditDistanceAndRanking) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("fc", ""), 2u);
  const std::vector<std::string> names = {"/conv1/Conv",       "/conv1/Conv_output_0", "/fc/Gemm",
                                          "/fc/Gemm_output_0", "/relu1/Relu",          "/fc/Gemm"};
  // A part of the name close to the query counts: "fc2" is one edit from "fc".
  EXPECT_EQ(closest_names("fc2", names, 2),
            (std::vector<std::string>{"/fc/Gemm", "/fc/Gemm_output_0"}));
  // Names holding the query come first, shorter first; repeats are dropped; case is ignored.
  EXPECT_EQ(closest_names("CONV", names),
            (std::vector<std::string>{"/conv1/Conv", "/conv1/Conv_output_0", "/fc/Gemm",
                                      "/relu1/Relu", "/fc/Gemm_output_0"}));
  EXPECT_TRUE(closest_names("x", {}).empty());
}

}  // namespace
}  // namespace layerscope
