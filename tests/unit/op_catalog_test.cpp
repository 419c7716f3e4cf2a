// The op catalogue: categories by domain, MACs for ONNX, Keras and TensorFlow ops.
#include "graph/op_catalog.h"

#include <gtest/gtest.h>

namespace layerscope {
namespace {

TEST(OpCatalog, KerasClassesHaveTheirCategories) {
  EXPECT_EQ(op_category("keras", "Conv2D"), OpCategory::Convolution);
  EXPECT_EQ(op_category("keras", "Dense"), OpCategory::Linear);
  EXPECT_EQ(op_category("keras", "LSTM"), OpCategory::Linear);
  EXPECT_EQ(op_category("keras", "BatchNormalization"), OpCategory::Normalization);
  EXPECT_EQ(op_category("keras", "LeakyReLU"), OpCategory::Activation);
  EXPECT_EQ(op_category("keras", "MaxPooling2D"), OpCategory::Pooling);
  EXPECT_EQ(op_category("keras", "Concatenate"), OpCategory::Shape);
  EXPECT_EQ(op_category("keras", "Add"), OpCategory::Elementwise);
  EXPECT_EQ(op_category("keras", "Dropout"), OpCategory::Elementwise);
  EXPECT_EQ(op_category("keras", "MyCustomLayer"), OpCategory::Other);
}

TEST(OpCatalog, TheDomainSaysWhichTable) {
  EXPECT_EQ(op_category("", "Conv"), OpCategory::Convolution);
  EXPECT_EQ(op_category("com.microsoft", "FusedConv"), OpCategory::Convolution);
  // ONNX's Relu is not a Keras class, Keras' ReLU not an ONNX op.
  EXPECT_EQ(op_category("keras", "Relu"), OpCategory::Other);
  EXPECT_EQ(op_category("", "ReLU"), OpCategory::Other);
  EXPECT_STREQ(category_name(OpCategory::ControlFlow), "control flow");
}

TEST(OpCatalog, DenseMacsAreOutputsTimesInputs) {
  Graph g;
  auto value = [&](std::vector<int64_t> dims, ValueKind kind) {
    Value v;
    v.kind = kind;
    v.name = "v" + std::to_string(g.values.size());
    v.shape = StaticShape();
    for (int64_t d : dims) v.shape->push_back(d < 0 ? Dim{-1, "batch"} : Dim{d, ""});
    g.values.push_back(v);
    return static_cast<int>(g.values.size()) - 1;
  };
  Node dense;
  dense.op_type = "Dense";
  dense.domain = "keras";
  dense.inputs = {value({-1, 16}, ValueKind::Input), value({16, 12}, ValueKind::Initializer)};
  dense.outputs = {value({-1, 12}, ValueKind::Intermediate)};
  EXPECT_TRUE(counts_macs(dense));
  EXPECT_EQ(op_macs(g, dense), 12 * 16);
  Node flatten = dense;
  flatten.op_type = "Flatten";
  EXPECT_FALSE(counts_macs(flatten));
  EXPECT_EQ(op_macs(g, flatten), std::nullopt);
}

TEST(OpCatalog, TensorFlowOpsHaveTheirCategories) {
  EXPECT_EQ(op_category("tensorflow", "Conv2D"), OpCategory::Convolution);
  EXPECT_EQ(op_category("tensorflow", "DepthwiseConv2dNative"), OpCategory::Convolution);
  EXPECT_EQ(op_category("tensorflow", "MatMul"), OpCategory::Linear);
  EXPECT_EQ(op_category("tensorflow", "BatchMatMulV2"), OpCategory::Linear);
  EXPECT_EQ(op_category("tensorflow", "FusedBatchNormV3"), OpCategory::Normalization);
  EXPECT_EQ(op_category("tensorflow", "Relu6"), OpCategory::Activation);
  EXPECT_EQ(op_category("tensorflow", "LogSoftmax"), OpCategory::Activation);
  EXPECT_EQ(op_category("tensorflow", "AvgPool"), OpCategory::Pooling);
  EXPECT_EQ(op_category("tensorflow", "StridedSlice"), OpCategory::Shape);
  EXPECT_EQ(op_category("tensorflow", "ReadVariableOp"), OpCategory::Shape);
  EXPECT_EQ(op_category("tensorflow", "AddV2"), OpCategory::Elementwise);
  EXPECT_EQ(op_category("tensorflow", "BiasAdd"), OpCategory::Elementwise);
  EXPECT_EQ(op_category("tensorflow", "Mean"), OpCategory::Elementwise);
  EXPECT_EQ(op_category("tensorflow", "SelectV2"), OpCategory::Elementwise);
  EXPECT_EQ(op_category("tensorflow", "StatelessWhile"), OpCategory::ControlFlow);
  EXPECT_EQ(op_category("tensorflow", "NoOp"), OpCategory::Other);
  EXPECT_EQ(op_category("tensorflow", "RandomUniform"), OpCategory::Other);
  // TF's names are not looked up in ONNX's table, nor ONNX's in TF's.
  EXPECT_EQ(op_category("tensorflow", "Gemm"), OpCategory::Other);
  EXPECT_EQ(op_category("", "BiasAdd"), OpCategory::Other);
}

// A graph of one node whose values have the given shapes (-1: the batch dimension).
struct OneNodeGraph {
  Graph graph;
  Node node;

  OneNodeGraph(const std::string& domain, const std::string& op,
               const std::vector<std::vector<int64_t>>& inputs,
               const std::vector<int64_t>& output) {
    node.domain = domain;
    node.op_type = op;
    for (const auto& dims : inputs) node.inputs.push_back(add_value(dims));
    node.outputs.push_back(add_value(output));
  }
  int add_value(const std::vector<int64_t>& dims) {
    Value v;
    v.name = "v" + std::to_string(graph.values.size());
    v.shape = StaticShape();
    for (int64_t d : dims) v.shape->push_back(d < 0 ? Dim{-1, "batch"} : Dim{d, ""});
    graph.values.push_back(v);
    return static_cast<int>(graph.values.size()) - 1;
  }
  void set_int(const std::string& name, int64_t value) {
    Attribute a;
    a.kind = Attribute::Kind::Int;
    a.i = value;
    node.attributes[name] = a;
  }
  std::optional<int64_t> macs() const { return op_macs(graph, node); }
};

TEST(OpCatalog, TensorFlowMatMulMacsAreOutputsTimesTheInnerDimension) {
  OneNodeGraph plain("tensorflow", "MatMul", {{-1, 16}, {16, 12}}, {-1, 12});
  EXPECT_TRUE(counts_macs(plain.node));
  EXPECT_EQ(plain.macs(), 12 * 16);
  // transpose_a: a is [16, batch], the inner dimension its first.
  OneNodeGraph transposed("tensorflow", "MatMul", {{16, 4}, {16, 12}}, {4, 12});
  transposed.set_int("transpose_a", 1);
  EXPECT_EQ(transposed.macs(), 4 * 12 * 16);
}

TEST(OpCatalog, TensorFlowBatchMatMulMacsCountEveryBatch) {
  OneNodeGraph batched("tensorflow", "BatchMatMulV2", {{2, 3, 5}, {5, 7}}, {2, 3, 7});
  EXPECT_EQ(batched.macs(), 2 * 3 * 7 * 5);
  OneNodeGraph adjoint("tensorflow", "BatchMatMulV2", {{2, 5, 3}, {5, 7}}, {2, 3, 7});
  adjoint.set_int("adj_x", 1);
  EXPECT_EQ(adjoint.macs(), 2 * 3 * 7 * 5);
  // Not counted: an element-wise op, and ONNX's name in the TF domain.
  OneNodeGraph add("tensorflow", "AddV2", {{2, 3}, {2, 3}}, {2, 3});
  EXPECT_FALSE(counts_macs(add.node));
  EXPECT_EQ(add.macs(), std::nullopt);
  OneNodeGraph gemm("tensorflow", "Gemm", {{2, 3}, {3, 4}}, {2, 4});
  EXPECT_FALSE(counts_macs(gemm.node));
}

TEST(OpCatalog, TensorFlowConvolutionMacsSumAFilterWindowPerOutput) {
  // Conv2D, NHWC 8x8x3 -> 4x4x16, filter 3x3x3x16: each output sums 3 * 3 * 3 products.
  OneNodeGraph conv("tensorflow", "Conv2D", {{-1, 8, 8, 3}, {3, 3, 3, 16}}, {-1, 4, 4, 16});
  EXPECT_TRUE(counts_macs(conv.node));
  EXPECT_EQ(conv.macs(), 4 * 4 * 16 * 27);
  // Grouped (the input has twice the filter's channels): still the filter's window per output.
  OneNodeGraph grouped("tensorflow", "Conv2D", {{1, 8, 8, 6}, {3, 3, 3, 16}}, {1, 8, 8, 16});
  EXPECT_EQ(grouped.macs(), 8 * 8 * 16 * 27);
  // Depthwise, 3x3 over 3 channels times 2: each output sums its 3x3 window.
  OneNodeGraph dw("tensorflow", "DepthwiseConv2dNative", {{1, 8, 8, 3}, {3, 3, 3, 2}},
                  {1, 8, 8, 6});
  EXPECT_EQ(dw.macs(), 8 * 8 * 6 * 9);
  // Conv2DBackpropInput (input_sizes, filter 3x3x4x16, out_backprop 4x4x16): each out_backprop
  // element meets 3 * 3 * 4 filter values.
  OneNodeGraph bp("tensorflow", "Conv2DBackpropInput", {{4}, {3, 3, 4, 16}, {1, 4, 4, 16}},
                  {1, 8, 8, 4});
  EXPECT_TRUE(counts_macs(bp.node));
  EXPECT_EQ(bp.macs(), 4 * 4 * 16 * 36);
  OneNodeGraph conv3d("tensorflow", "Conv3D", {{1, 4, 4, 4, 2}, {2, 2, 2, 2, 5}}, {1, 3, 3, 3, 5});
  EXPECT_EQ(conv3d.macs(), 27 * 5 * 16);
}

}  // namespace
}  // namespace layerscope
