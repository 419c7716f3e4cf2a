// The TensorFlow shape and array kernels return views of their input where TF's result is a view
// of it: their outputs point into the caller's own input buffer, no element copied.
// (Values are checked against TensorFlow.js in tests/tensorflow/test_tf_array.py.)
#include "model_builder.h"

#include <layerscope/error.h>
#include <layerscope/graph.h>
#include <layerscope/session.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace layerscope {
namespace {

// Graph IR as the TensorFlow frontend makes it, written directly.
class TfGraph {
 public:
  TfGraph() { model_.graph.opsets["tensorflow"] = 1; }

  int input(const std::string& name, DType dtype) {
    const int v = add_value(name, ValueKind::Input, dtype);
    model_.graph.inputs.push_back(v);
    return v;
  }
  int ints(const std::string& name, const std::vector<int32_t>& values, bool scalar = false) {
    const int v = add_value(name, ValueKind::Initializer, DType::Int32);
    Tensor t =
        Tensor::zeros(DType::Int32, scalar ? Shape{} : Shape{static_cast<int64_t>(values.size())});
    for (std::size_t i = 0; i < values.size(); ++i) t.data<int32_t>()[i] = values[i];
    model_.graph.values[static_cast<std::size_t>(v)].data = t;
    return v;
  }
  // Adds the node; its outputs ("name", "name:1", ...) become graph outputs.
  std::vector<int> op(const std::string& op_type, const std::string& name,
                      const std::vector<int>& inputs, int outputs = 1,
                      const std::map<std::string, int64_t>& int_attrs = {}) {
    Node node;
    node.name = name;
    node.op_type = op_type;
    node.domain = "tensorflow";
    node.inputs = inputs;
    for (const auto& [key, value] : int_attrs) {
      Attribute a;
      a.kind = Attribute::Kind::Int;
      a.i = value;
      node.attributes[key] = a;
    }
    std::vector<int> made;
    for (int k = 0; k < outputs; ++k) {
      const int v = add_value(k == 0 ? name : name + ":" + std::to_string(k),
                              ValueKind::Intermediate, DType::Undefined);
      made.push_back(v);
      model_.graph.outputs.push_back(v);
    }
    node.outputs = made;
    model_.graph.nodes.push_back(node);
    return made;
  }
  const Model& model() {
    model_.graph.reindex();
    return model_;
  }

 private:
  int add_value(const std::string& name, ValueKind kind, DType dtype) {
    Value value;
    value.name = name;
    value.kind = kind;
    value.dtype = dtype;
    model_.graph.values.push_back(value);
    return static_cast<int>(model_.graph.values.size()) - 1;
  }
  Model model_;
};

TEST(TensorFlowArrayKernels, ReshapingAndCuttingReturnViewsOfTheInput) {
  TfGraph g;
  const int x = g.input("x", DType::Float32);  // [2, 3, 4]
  g.op("Reshape", "reshape", {x, g.ints("shape", {6, -1})});
  const int expanded = g.op("ExpandDims", "expand", {x, g.ints("dim", {0}, true)})[0];
  g.op("Squeeze", "squeeze", {expanded});
  g.op("Transpose", "transpose", {x, g.ints("perm", {0, 1, 2})});
  g.op("BroadcastTo", "broadcast", {x, g.ints("target", {2, 3, 4})});
  g.op("Unpack", "unpack", {x}, 2, {{"num", 2}, {"axis", 0}});
  g.op("Split", "split", {g.ints("split_dim", {0}, true), x}, 2, {{"num_split", 2}});
  g.op("SplitV", "split_v", {x, g.ints("sizes", {1, -1}), g.ints("axis", {0}, true)}, 2,
       {{"num_split", 2}});
  g.op("Slice", "slice", {x, g.ints("begin", {1, 1, 0}), g.ints("size", {1, 2, -1})});
  g.op("StridedSlice", "strided_slice", {x, g.ints("b", {1}), g.ints("e", {2}), g.ints("s", {1})},
       1, {{"shrink_axis_mask", 1}});

  Tensor input = Tensor::zeros(DType::Float32, {2, 3, 4});
  for (int i = 0; i < 24; ++i) input.data<float>()[i] = static_cast<float>(i);
  auto session = create_session(g.model());
  const std::map<std::string, Tensor> out = session->run({{"x", input}});

  // Where each output starts in x's buffer, in elements.
  const std::map<std::string, int64_t> offsets = {
      {"reshape", 0},    {"expand", 0},    {"squeeze", 0},       {"transpose", 0}, {"broadcast", 0},
      {"unpack", 0},     {"unpack:1", 12}, {"split", 0},         {"split:1", 12},  {"split_v", 0},
      {"split_v:1", 12}, {"slice", 16},    {"strided_slice", 12}};
  for (const auto& [name, offset] : offsets) {
    ASSERT_EQ(out.count(name), 1u) << name;
    EXPECT_EQ(out.at(name).data<float>(), input.data<float>() + offset)
        << name << " is a copy, not a view of x";
  }
  EXPECT_EQ(out.at("reshape").shape(), (Shape{6, 4}));
  EXPECT_EQ(out.at("slice").shape(), (Shape{1, 2, 4}));
  EXPECT_EQ(out.at("strided_slice").shape(), (Shape{3, 4}));
  EXPECT_EQ(out.at("split_v:1").shape(), (Shape{1, 3, 4}));
}

TEST(TensorFlowArrayKernels, BadIntegerInputsNameTheNode) {
  TfGraph g;
  const int x = g.input("x", DType::Float32);
  g.op("Tile", "tile", {x, g.ints("multiples", {1 << 30, 1 << 30, 1 << 30})});
  auto session = create_session(g.model());
  const std::string message = test::error_of([&] {
    session->run({{"x", Tensor::zeros(DType::Float32, {2, 3, 4})}});
  });
  EXPECT_NE(message.find("node 'tile' (Tile)"), std::string::npos) << message;
  EXPECT_NE(message.find("memory"), std::string::npos) << message;
}

}  // namespace
}  // namespace layerscope
