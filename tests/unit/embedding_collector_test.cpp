// EmbeddingCollector: which layer it takes by default or by name, and the rows it keeps.
#include "model_builder.h"

#include <layerscope/embedding_collector.h>
#include <layerscope/error.h>
#include <layerscope/onnx.h>
#include <layerscope/session.h>

#include <gtest/gtest.h>

#include <functional>

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
  EXPECT_NE(message.find("no node or tensor named 'nope' in the model; its rank-2 layer outputs: "
                         "feat, act, prob"),
            std::string::npos)
      << message;
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

}  // namespace
}  // namespace layerscope
